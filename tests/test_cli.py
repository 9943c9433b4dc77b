from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistant.cli import app
from tests.builders import GUIDE

runner = CliRunner()


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    data = tmp_path / "data"
    monkeypatch.setenv("COMENTOR_DATA_DIR", str(data))
    return data


def test_help_explains_commands() -> None:
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    for command in ("ingest", "ask", "sources"):
        assert command in result.output
    ask_help = runner.invoke(app, ["ask", "--help"])
    assert "--json" in ask_help.output and "citations" in ask_help.output


def test_version() -> None:
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0 and result.output.startswith("comentor ")


def test_ask_on_empty_index_tells_user_to_ingest(data_dir: Path) -> None:
    result = runner.invoke(app, ["ask", "How do I run a mentoring circle?"])
    assert result.exit_code == 5
    assert "comentor ingest" in result.output
    as_json = runner.invoke(app, ["ask", "--json", "How do I run a mentoring circle?"])
    assert as_json.exit_code == 5
    payload = json.loads(as_json.stdout)
    assert payload["error"]["type"] == "EmptyIndexError"


def test_ingest_then_ask_with_citations(data_dir: Path, knowledge_copy: Path) -> None:
    first = runner.invoke(app, ["ingest", str(knowledge_copy)])
    assert first.exit_code == 0, first.output
    assert "chunks:" in first.output and "added" in first.output
    again = runner.invoke(app, ["ingest", "--json", str(knowledge_copy)])
    report = json.loads(again.stdout)
    assert report["chunks_added"] == 0 and report["chunks_skipped"] > 0

    result = runner.invoke(
        app, ["ask", "how can a senior leader get over resisting reverse mentoring?"]
    )
    assert result.exit_code == 0, result.output
    assert "[1]" in result.output and "Sources" in result.output
    assert "handbook/reverse-mentoring.md#" in result.output

    raw = runner.invoke(app, ["ask", "--json", "-k", "3", "what is flash mentoring"])
    answer = json.loads(raw.stdout)
    assert answer["declined"] is False
    numbers = {c["number"] for c in answer["citations"]}
    assert numbers == {s["citation"] for s in answer["sentences"]}
    assert all(c["id"].startswith("handbook/") for c in answer["citations"])
    for citation in answer["citations"]:
        assert f"[{citation['number']}]" in answer["answer"]


def test_ask_declines_out_of_scope(data_dir: Path, knowledge_copy: Path) -> None:
    runner.invoke(app, ["ingest", "-q", str(knowledge_copy)])
    result = runner.invoke(app, ["ask", "--json", "What is the boiling point of mercury?"])
    assert result.exit_code == 0
    answer = json.loads(result.stdout)
    assert answer["declined"] is True and answer["citations"] == []


def test_ingest_reports_skipped_files_and_sources_lists(data_dir: Path, tmp_path: Path) -> None:
    root = tmp_path / "hb"
    root.mkdir()
    (root / "good.md").write_text(GUIDE)
    (root / "bad.md").write_bytes(b"\x00\x00\x00")
    result = runner.invoke(app, ["ingest", str(root)])
    assert result.exit_code == 0
    assert "skipped" in result.output and "bad.md" in result.output and "binary" in result.output
    listing = runner.invoke(app, ["sources", "--json"])
    rows = json.loads(listing.stdout)
    assert rows == [{"source": "hb/good.md", "title": "Pairing basics", "passages": 4}]


def test_ingest_errors_exit_non_zero(data_dir: Path, tmp_path: Path) -> None:
    missing = runner.invoke(app, ["ingest", str(tmp_path / "nope")])
    assert missing.exit_code == 4 and "No such file or folder" in missing.output
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "x.md").write_bytes(b"\x00")
    failed = runner.invoke(app, ["ingest", str(bad)])
    assert failed.exit_code == 4 and "Nothing could be ingested" in failed.output


def test_invalid_setting_is_named(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("COMENTOR_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("COMENTOR_CHROMA_URL", "localhost:8000")
    result = runner.invoke(app, ["ask", "hello there"])
    assert result.exit_code == 2
    assert "COMENTOR_CHROMA_URL" in result.output


def test_empty_question_is_rejected(data_dir: Path) -> None:
    result = runner.invoke(app, ["ask", "   "])
    assert result.exit_code == 7 and "empty" in result.output
