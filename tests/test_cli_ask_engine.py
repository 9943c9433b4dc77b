"""`comentor ask --engine SPEC`: the engine that answered is named (and why, on fallback);
an unknown spec is the planner commands' error."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from assistant.cli import app
from tests.api_kit import REPO
from tests.test_cli_planners import env  # noqa: F401  (fixture: the CLI on a copied index)

runner = CliRunner()
PROGRAM = REPO / "examples" / "program.yaml"
QUESTION = "How do I give feedback to someone more senior than me?"


def test_ask_with_the_fake_engine_names_it(env: Path) -> None:  # noqa: F811
    result = runner.invoke(app, ["ask", "--json", "--engine", "fake", QUESTION])
    assert result.exit_code == 0, result.output
    answer = json.loads(result.stdout)
    assert answer["engine"] == "fake" and answer["fallback_reason"] is None
    assert answer["citations"] and not answer["declined"]
    for citation in answer["citations"]:
        assert f"[{citation['number']}]" in answer["answer"]

    text = runner.invoke(app, ["ask", "--engine", "fake", QUESTION])
    assert text.exit_code == 0 and "Sources" in text.stdout
    assert "Engine: fake" in text.stderr


def test_ask_fallback_is_recorded(env: Path) -> None:  # noqa: F811
    result = runner.invoke(app, ["ask", "--json", "--engine", "fake:error", QUESTION])
    assert result.exit_code == 0, result.output
    answer = json.loads(result.stdout)
    assert answer["engine"] == "grounded (fallback from fake:error)"
    assert "HTTP 500" in answer["fallback_reason"] and answer["citations"]
    grounded = json.loads(runner.invoke(app, ["ask", "--json", QUESTION]).stdout)
    assert grounded["engine"] == "grounded" and grounded["fallback_reason"] is None
    assert answer["answer"] == grounded["answer"]  # the grounded answer stands in


def test_ask_unknown_engine_is_the_planners_error(env: Path) -> None:  # noqa: F811
    asked = runner.invoke(app, ["ask", "--engine", "gpt", QUESTION])
    assert asked.exit_code == 8
    assert "Unknown engine 'gpt'" in asked.output and "openai:MODEL" in asked.output
    planner = runner.invoke(
        app,
        ["questions", "-p", str(PROGRAM), "--pair", "amara-leo-reverse", "--engine", "gpt"],
    )
    assert planner.exit_code == 8 and planner.output == asked.output  # the same error
    payload = json.loads(runner.invoke(app, ["ask", "--json", "--engine", "gpt", "q"]).stdout)
    assert payload["error"]["type"] == "EngineError"
    assert payload["error"]["message"].startswith("Unknown engine 'gpt'")
