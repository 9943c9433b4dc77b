"""The planner commands end to end: JSON shapes, exit codes, and nothing written on errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistant.cli import app
from assistant.config import Settings
from assistant.records import Records
from tests.conftest import EVALS, make_settings

runner = CliRunner()
NORTHWIND = str(EVALS / "programs" / "northwind.yaml")
FERNWOOD = str(EVALS / "programs" / "fernwood.yaml")


@pytest.fixture
def env(
    knowledge_settings: Settings,
    knowledge_retriever: object,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> Path:
    """The CLI on the session's ingested index (copied, so rotation files stay private)."""
    import shutil

    import assistant.cli.plan  # noqa: F401  (registers the commands on the app)

    data = tmp_path / "data"
    shutil.copytree(knowledge_settings.data_dir, data)
    monkeypatch.setenv("COMENTOR_DATA_DIR", str(data))
    return data


def run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout


def test_agenda_json_shape(env: Path) -> None:
    code, out = run(
        "agenda", "--program", NORTHWIND, "--pair", "amara-leo-reverse", "--minutes", "45", "--json"
    )
    assert code == 0, out
    agenda = json.loads(out)
    assert agenda["total_minutes"] == 45 and agenda["mode"] == "reverse"
    assert sum(i["minutes"] for i in agenda["items"]) == 45
    for item in agenda["items"]:
        assert set(item) == {"title", "minutes", "kind", "led_by", "learners", "notes", "citations"}
    assert {"id", "title", "source", "excerpt"} <= set(agenda["citations"][0])


def test_agenda_uses_a_previous_summary_file(env: Path, tmp_path: Path) -> None:
    previous = tmp_path / "prev.json"
    previous.write_text(
        json.dumps(
            {
                "relationship_id": "amara-leo-reverse",
                "date": "2026-03-12",
                "overview": "x",
                "action_items": [
                    {"owner": "leo", "task": "draft the prompt template", "due": "2026-03-13"}
                ],
            }
        )
    )
    code, out = run(
        "agenda",
        "-p",
        NORTHWIND,
        "--pair",
        "amara-leo-reverse",
        "--previous",
        str(previous),
        "--json",
    )
    assert code == 0
    review = next(i for i in json.loads(out)["items"] if i["kind"] == "goal_review")
    assert "draft the prompt template" in review["notes"]


def test_human_readable_agenda(env: Path) -> None:
    code, out = run("agenda", "-p", NORTHWIND, "--pair", "renee-sam-flash", "--minutes", "20")
    assert code == 0
    assert "Focused question" in out and "Sources" in out and "[1]" in out


def test_questions_and_topics_json(env: Path) -> None:
    code, out = run("questions", "-p", NORTHWIND, "--pair", "leo-sam-nearpeer", "--json")
    assert code == 0
    questions = json.loads(out)["questions"]
    assert {"asker", "answerer", "topic", "text", "citations"} <= set(questions[0])
    code, out = run("topics", "-p", NORTHWIND, "--pair", "amara-leo-reverse", "--json")
    assert code == 0
    topics = json.loads(out)
    assert {"topic", "taught_by", "why", "starter_questions", "citations"} <= set(
        topics["topics"][0]
    )
    assert topics["pitfalls"]


def test_summarize_from_a_file_and_stdin(env: Path, tmp_path: Path) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text(
        "Leo: I showed Amara how to ask ChatGPT to list the numbers it used.\n"
        "Amara: That was useful. I'll try it on the March report by Friday.\n"
        "Leo: And I'll send you the template tomorrow.\n"
    )
    code, out = run(
        "summarize",
        str(notes),
        "-p",
        NORTHWIND,
        "--pair",
        "amara-leo-reverse",
        "--date",
        "2026-03-12",
        "--json",
    )
    assert code == 0, out
    summary = json.loads(out)
    for key in (
        "overview",
        "learned",
        "action_items",
        "decisions",
        "concerns",
        "goal_progress",
        "talk_share",
        "flags",
    ):
        assert key in summary
    owners = {a["owner"] for a in summary["action_items"]}
    assert owners <= {"leo", "amara", None}
    result = runner.invoke(
        app,
        [
            "summarize",
            "-",
            "-p",
            NORTHWIND,
            "--pair",
            "amara-leo-reverse",
            "--date",
            "2026-03-12",
            "--json",
        ],
        input=notes.read_text(),
    )
    assert result.exit_code == 0 and json.loads(result.stdout)["action_items"]


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["agenda", "-p", NORTHWIND, "--pair", "nope"], 6, "no relationship with id 'nope'"),
        (
            ["agenda", "-p", NORTHWIND, "--pair", "amara-leo-reverse", "--minutes", "9"],
            7,
            "between 10 and 240",
        ),
        (
            ["agenda", "-p", NORTHWIND, "--pair", "amara-leo-reverse", "--minutes", "241"],
            7,
            "between 10 and 240",
        ),
        (["agenda", "-p", "missing.yaml", "--pair", "x"], 6, "program file not found"),
        (
            ["topics", "-p", NORTHWIND, "--pair", "northwind-emerging-leaders"],
            7,
            "planned for a pair",
        ),
        (
            ["agenda", "-p", NORTHWIND, "--pair", "amara-leo-reverse", "--engine", "gpt"],
            8,
            "Unknown engine",
        ),
    ],
)
def test_errors_name_the_problem(env: Path, args: list[str], code: int, message: str) -> None:
    result = runner.invoke(app, args)
    assert result.exit_code == code
    assert message in result.output


def test_summarize_input_errors_write_nothing(env: Path, tmp_path: Path) -> None:
    before = sorted(p.name for p in env.rglob("*"))
    empty = tmp_path / "empty.txt"
    empty.write_text("   \n")
    big = tmp_path / "big.txt"
    big.write_text("Leo: word " * 120_000)
    for notes, message in (
        (empty, "empty"),
        (big, "limit is 1 MB"),
        (tmp_path / "nope.txt", "not found"),
    ):
        result = runner.invoke(
            app, ["summarize", str(notes), "-p", NORTHWIND, "--pair", "amara-leo-reverse", "--json"]
        )
        assert result.exit_code == 7, result.output
        assert message in result.output
        assert json.loads(result.stdout)["error"]["type"] == "InputError"
    bad_date = runner.invoke(
        app,
        [
            "summarize",
            str(empty),
            "-p",
            NORTHWIND,
            "--pair",
            "amara-leo-reverse",
            "--date",
            "12/03/2026",
        ],
    )
    assert bad_date.exit_code == 7 and "YYYY-MM-DD" in bad_date.output
    assert sorted(p.name for p in env.rglob("*")) == before


def test_bad_program_writes_nothing(env: Path, tmp_path: Path) -> None:
    program = tmp_path / "p.yaml"
    program.write_text(
        "participants:\n  - {id: a, name: Ann}\n"
        "relationships:\n  - {id: solo, mode: group, participants: [a]}\n"
    )
    result = runner.invoke(app, ["agenda", "-p", str(program), "--pair", "solo"])
    assert result.exit_code == 6 and "needs at least two" in result.output
    assert not (env / "comentor.db").exists()  # no rotation ledger opened either


def test_group_rotation_is_recorded_by_the_cli_unless_previewing(env: Path) -> None:
    args = [
        "agenda",
        "-p",
        FERNWOOD,
        "--pair",
        "fernwood-newcomer-group",
        "--minutes",
        "30",
        "--json",
    ]
    code, out = run(*args, "--no-record")
    assert code == 0 and json.loads(out)["rotation"] is not None
    assert not (env / "comentor.db").exists()  # a preview of a fresh install creates nothing
    code, first = run(*args)
    code, second = run(*args)
    a, b = json.loads(first)["rotation"], json.loads(second)["rotation"]
    # Recorded in the records database, under the program files' id "" (assistant.rotation).
    records = Records(make_settings(env))
    history = records.rotation_history("", "fernwood-newcomer-group")
    records.dispose()
    assert history == [a["teaching_now"], b["teaching_now"]]
    assert set(a["teaching_now"]).isdisjoint(b["teaching_now"])
