"""Helpers shared by the case-authoring checks (validate_fixtures.py, validate_cases.py)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any


class Problems:
    """Collects "where: what is wrong" lines."""

    def __init__(self) -> None:
        self.items: list[str] = []

    def add(self, where: str, message: str) -> None:
        self.items.append(f"{where}: {message}")


def parse_date(value: Any) -> dt.date | None:
    """A date written as an unquoted YAML date or an ISO string; None if it is neither."""
    if isinstance(value, dt.datetime):
        return None
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            return None
    return None


def check_keys(
    where: str, data: Any, required: set[str], optional: set[str], problems: Problems
) -> bool:
    """Whether ``data`` is a mapping with every required key; unknown keys are reported."""
    if not isinstance(data, dict):
        problems.add(where, f"expected a mapping, got {type(data).__name__}")
        return False
    missing = required - data.keys()
    extra = data.keys() - required - optional
    if missing:
        problems.add(where, f"missing keys {sorted(missing)}")
    if extra:
        problems.add(where, f"unknown keys {sorted(extra)}")
    return not missing
