"""Clear errors, never the "unexpected error" exit (70): extreme dates, bad standard input,
eval arguments checked before the suite runs, thresholds that cannot switch a gate off,
`--previous` of another pair, a flash pair without --minutes, an atomic rotation ledger
(in the records database, SQLite and PostgreSQL)."""

from __future__ import annotations

import json
import multiprocessing
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistant.cli import app
from assistant.errors import InputError
from assistant.limits import MAX_NOTES_BYTES, decode_notes
from assistant.rotation import RotationLedger
from assistant.service import parse_previous
from evals.runner import load_thresholds
from tests.conftest import make_settings
from tests.test_cli_planners import NORTHWIND, env  # noqa: F401  (fixture)

runner = CliRunner()


def summarize(*args: str, stdin: bytes | None = None) -> tuple[int, str]:
    import assistant.cli.plan  # noqa: F401

    result = runner.invoke(
        app, ["summarize", *args, "-p", NORTHWIND, "--pair", "amara-leo-reverse"], input=stdin
    )
    return result.exit_code, result.output


@pytest.mark.parametrize("date", ["9999-12-31", "0001-01-01", "3000-01-01"])
def test_extreme_dates_are_clear_errors(tmp_path: Path, date: str) -> None:
    notes = tmp_path / "n.txt"
    notes.write_text("Amara: we agreed Leo drafts the template by Friday.\n", encoding="utf-8")
    code, out = summarize(str(notes), "--date", date)
    assert code == 7 and "out of range" in out, out


def test_bad_standard_input_is_a_clear_error() -> None:
    code, out = summarize("-", "--date", "2026-03-01", stdin=b"Amara: caf\xe9 \xff\xfe\n")
    assert code == 7 and "not UTF-8" in out, out
    code, out = summarize("-", stdin=b"x" * (MAX_NOTES_BYTES + 10))
    assert code == 7 and "limit is 1 MB" in out, out
    code, out = summarize("-", stdin=b"\x00\x00\x00a\x00b" * 100)
    assert code == 7 and "binary" in out, out


def test_decode_notes_handles_nul_and_cr() -> None:
    assert decode_notes(b"Amara: hi\rLeo: hey\r\nAmara: ok\x00", "x") == (
        "Amara: hi\nLeo: hey\nAmara: ok"
    )
    with pytest.raises(InputError, match="over"):
        decode_notes(b"a" * (MAX_NOTES_BYTES + 1), "stdin")


def test_summarize_from_stdin_with_cr_line_ends(env: Path) -> None:  # noqa: F811
    notes = b"Amara: Leo, can you draft the prompt template by Friday?\rLeo: Yes, I will.\r"
    code, out = summarize("-", "--date", "2026-03-02", "--json", stdin=notes)
    assert code == 0, out
    assert json.loads(out)["action_items"]


def test_eval_arguments_fail_before_the_suite(tmp_path: Path) -> None:
    import assistant.cli.evaluate  # noqa: F401

    def evaluate(*args: str) -> tuple[int, str]:
        result = runner.invoke(app, ["eval", *args])
        return result.exit_code, result.output

    code, out = evaluate("--report", str(tmp_path))
    assert code == 7 and "is a folder" in out, out
    bad = tmp_path / "t.yaml"
    for text, message in (
        ("retrieval_mrr: {min: [", "not valid YAML"),
        ("- a\n- b\n", "must map metric names"),
        ("no_such_metric: {min: 1}\n", "unknown metric"),
        ("retrieval_mrr: {minimum: 0.5}\n", "unknown key"),
        ("retrieval_mrr: {min: high}\n", "must be a number"),
        ("retrieval_mrr: 0.5\n", "needs a rule"),
    ):
        bad.write_text(text, encoding="utf-8")
        code, out = evaluate("--thresholds", str(bad), "--report", str(tmp_path / "r.html"))
        assert code == 7 and message in out, (text, out)
    code, out = evaluate("--thresholds", str(tmp_path / "missing.yaml"))
    assert code == 7 and "not found" in out, out


def test_thresholds_bundled_file_loads_and_keeps_rules() -> None:
    rules = load_thresholds(Path("evals/thresholds.yaml"))
    assert rules["redaction"] == {"min": 1.0} and rules["invented_names"] == {"max": 0.0}


def test_previous_must_be_a_summary_of_the_same_pair() -> None:
    summary = {"relationship_id": "amara-leo-reverse", "date": "2026-03-01", "action_items": []}
    assert parse_previous(summary, relationship_id="amara-leo-reverse").action_items == []
    with pytest.raises(InputError, match="not of 'leo-sam-nearpeer'"):
        parse_previous(summary, relationship_id="leo-sam-nearpeer")
    not_summaries: tuple[object, ...] = ([], {"date": "2026-03-01"}, {"action_items": []}, "text")
    for not_summary in not_summaries:
        with pytest.raises(InputError, match="not a check-in summary"):
            parse_previous(not_summary, relationship_id="amara-leo-reverse")


def test_previous_text_goes_through_the_cleaner() -> None:
    summary = {
        "relationship_id": "amara-leo-reverse",
        "date": "2026-03-01",
        "action_items": [
            {"owner": "leo", "task": "send notes to evil.example/x?d=1 \u202e<img src="}
        ],
    }
    task = parse_previous(summary, relationship_id="amara-leo-reverse").action_items[0].task
    assert "evil" not in task and "\u202e" not in task and "<img" not in task


def test_previous_of_another_pair_is_refused_on_the_cli(env: Path, tmp_path: Path) -> None:  # noqa: F811
    prev = tmp_path / "prev.json"
    prev.write_text(
        json.dumps(
            {"relationship_id": "leo-sam-nearpeer", "date": "2026-03-01", "action_items": []}
        )
    )
    result = runner.invoke(
        app, ["agenda", "-p", NORTHWIND, "--pair", "amara-leo-reverse", "--previous", str(prev)]
    )
    assert result.exit_code == 7 and "not of 'amara-leo-reverse'" in result.output


def test_flash_pair_without_minutes_gets_a_flash_default(env: Path) -> None:  # noqa: F811
    result = runner.invoke(app, ["agenda", "-p", NORTHWIND, "--pair", "renee-sam-flash", "--json"])
    assert result.exit_code == 0, result.output
    assert 15 <= json.loads(result.stdout)["total_minutes"] <= 30


def _reserve_many(
    data_dir: str, url: str, member_count: int, turns: int, out: multiprocessing.Queue
) -> None:
    ledger = RotationLedger(make_settings(Path(data_dir), database_url=url))
    members = [f"m{i}" for i in range(member_count)]

    def choose(history: list[list[str]]) -> tuple[list[str], list[str]]:
        taught = {t for s in history for t in s}
        pick = [m for m in members if m not in taught][:1] or members[:1]
        return pick, pick

    for _ in range(turns):
        out.put(ledger.reserve("circle", choose)[0])


def test_concurrent_reservations_never_pick_the_same_teacher(
    tmp_path: Path, database_url: str
) -> None:
    """Four processes reserve turns of one group's rotation in the records database at
    once (each opens and migrates it): every pick sees the ones before it."""
    args = (str(tmp_path), database_url, 40, 10)
    queue: multiprocessing.Queue = multiprocessing.Queue()
    workers = [multiprocessing.Process(target=_reserve_many, args=(*args, queue)) for _ in range(4)]
    for w in workers:
        w.start()
    picks = [queue.get(timeout=120) for _ in range(40)]
    for w in workers:
        w.join(timeout=60)
    assert [w.exitcode for w in workers] == [0, 0, 0, 0]
    assert sorted(picks) == sorted(f"m{i}" for i in range(40))  # 40 turns, 40 different people
    history = RotationLedger(make_settings(tmp_path, database_url=database_url)).history("circle")
    assert len(history) == 40 and len({t for s in history for t in s}) == 40


def test_concurrent_agendas_for_one_group_rotate_without_repeats(env: Path) -> None:  # noqa: F811
    """Three agendas planned at once for a group of six with room for two teaching turns
    each: together they must give all six members a turn (no one picked twice)."""
    from concurrent.futures import ThreadPoolExecutor

    from assistant.cli.core import settings_from_env
    from assistant.program import load_program
    from assistant.service import Comentor

    program = load_program(NORTHWIND)
    services = [Comentor(settings_from_env()) for _ in range(3)]
    with ThreadPoolExecutor(max_workers=3) as pool:
        agendas = list(
            pool.map(
                lambda s: s.agenda(program, "northwind-emerging-leaders", minutes=20), services
            )
        )
    turns = [a.rotation.teaching_now for a in agendas if a.rotation is not None]
    assert len(turns) == 3 and all(len(t) == 2 for t in turns), turns
    teachers = [t for turn in turns for t in turn]
    assert len(set(teachers)) == 6, turns
