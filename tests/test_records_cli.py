"""`comentor db | users | programs` through the CLI (SQLite in a temporary data dir, and
PostgreSQL for the commands that touch the database)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

import assistant.cli.records  # noqa: F401  (registers the commands)
from assistant.cli import app
from assistant.config import Settings
from assistant.records import Records

runner = CliRunner()
REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "examples" / "program.yaml"


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, database_url: str) -> Path:
    data = tmp_path / "data"
    monkeypatch.setenv("COMENTOR_DATA_DIR", str(data))
    monkeypatch.setenv("COMENTOR_DATABASE_URL", database_url)
    return data


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_help_lists_the_commands() -> None:
    code, out, _ = run("--help")
    assert code == 0 and all(word in out for word in ("db", "users", "programs"))
    code, out, _ = run("users", "add", "--help")
    assert code == 0 and "--participant" in out and "--role" in out and "--json" in out
    code, out, _ = run("programs", "import", "--help")
    assert code == 0 and "--id" in out


def test_db_upgrade_is_idempotent(env: Path) -> None:
    code, out, err = run("db", "upgrade", "--json")
    assert code == 0, err
    first = json.loads(out)
    assert first["from"] is None and first["to"]
    code, out, _ = run("db", "upgrade")
    assert code == 0 and "up to date" in out
    code, out, _ = run("db", "status", "--json")
    assert code == 0 and json.loads(out)["revision"] == json.loads(out)["head"]


def test_programs_users_and_tokens(env: Path) -> None:
    code, out, err = run("programs", "import", str(EXAMPLE), "--id", "demo", "--json")
    assert code == 0, err
    imported = json.loads(out)
    assert imported["created"] is True and imported["relationships"] > 5
    code, out, _ = run("programs", "import", str(EXAMPLE), "--id", "demo")
    assert code == 0 and out.startswith("Replaced")

    code, out, err = run("users", "add", "amara", "--role", "mentee", "--participant", "amara")
    assert code == 0, err
    token = next(line.split()[-1] for line in out.splitlines() if line.startswith("Token"))
    code, out, _ = run("users", "add", "sam", "--role", "staff", "--program", "demo", "--json")
    assert code == 0
    staff = json.loads(out)
    assert staff["user"]["role"] == "staff" and staff["token"].startswith("cm_")

    code, out, _ = run("users", "list", "--json")
    listed = json.loads(out)
    assert [u["name"] for u in listed] == ["amara", "sam"]
    assert token not in out and staff["token"] not in out

    records = Records(Settings(_env_file=None))  # type: ignore[call-arg]
    assert records.authenticate(token).name == "amara"
    code, out, _ = run("users", "revoke", "amara")
    assert code == 0 and "Revoked" in out
    with pytest.raises(Exception, match="revoked"):
        records.authenticate(token)
    records.dispose()


@pytest.mark.parametrize(
    ("args", "exit_code", "message"),
    [
        (["users", "add", "x", "--role", "mentee"], 7, "linked to a participant"),
        (
            ["users", "add", "x", "--role", "mentor", "--participant", "nobody"],
            20,
            "No participant with id 'nobody'",
        ),
        (["users", "add", "x", "--role", "staff"], 7, "--program"),
        (["users", "add", "x", "--role", "staff", "--program", "zzz"], 20, "No program"),
        (["users", "add", "x", "--role", "wizard"], 7, "Unknown role"),
        (["users", "revoke", "ghost"], 20, "No user named 'ghost'"),
    ],
)
def test_clear_errors(env: Path, args: list[str], exit_code: int, message: str) -> None:
    assert run("programs", "import", str(EXAMPLE), "--id", "demo")[0] == 0
    code, _, err = run(*args)
    assert code == exit_code
    assert message in err
    assert json.loads(run("users", "list", "--json")[1]) == []


def test_duplicate_user_name(env: Path) -> None:
    assert run("users", "add", "root", "--role", "admin")[0] == 0
    code, _, err = run("users", "add", "root", "--role", "admin")
    assert code == 23 and "already exists" in err


def test_invalid_program_files_store_nothing(env: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "participants: [{id: a, name: A}]\nrelationships: [{id: r, mode: peer, "
        "participants: [a, ghost]}]\n",
        encoding="utf-8",
    )
    code, _, err = run("programs", "import", str(bad), "--id", "p")
    assert code == 6 and "ghost" in err
    code, _, err = run("programs", "import", str(EXAMPLE), "--id", "no spaces")
    assert code == 7 and "Invalid program id" in err
    code, out, _ = run("programs", "list", "--json")
    assert json.loads(out) == []
