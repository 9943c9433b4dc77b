"""The authoring checks of the eval data pass on the bundled cases (run them after editing)."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import EVALS


def test_checkin_fixtures_are_consistent() -> None:
    result = subprocess.run(
        [sys.executable, str(EVALS / "validate_fixtures.py"), "--quiet"],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_planner_and_safety_cases_are_consistent() -> None:
    result = subprocess.run(
        [sys.executable, str(EVALS / "validate_cases.py")], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr
