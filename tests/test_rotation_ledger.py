"""One rotation ledger: `comentor agenda` (program files) and the service (stored programs)
keep group rotations in the same records tables. The CLI continues the rotation that
`rotation.json` held (imported once), and its picks count for the service's next agenda of
the same group; on SQLite and on a real PostgreSQL server."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from assistant.knowledge.retrieval import HybridRetriever
from assistant.program import load_program
from assistant.records import Records
from assistant.rotation import CLI_PROGRAM_ID
from assistant.service import Comentor
from assistant.workspace import Workspace
from tests.conftest import make_settings
from tests.test_cli_planners import FERNWOOD, env, run  # noqa: F401  (fixture)

GROUP = "fernwood-newcomer-group"  # eight members, two teaching turns in 30 minutes
AGENDA = ("agenda", "-p", FERNWOOD, "--pair", GROUP, "--minutes", "30", "--json")


def cli_rotation(*extra: str) -> dict[str, list[str]]:
    code, out = run(*AGENDA, *extra)
    assert code == 0, out
    rotation: dict[str, list[str]] = json.loads(out)["rotation"]
    assert rotation is not None
    return rotation


def history(data_dir: Path, program_id: str, url: str | None = None) -> list[list[str]]:
    records = Records(make_settings(data_dir, database_url=url))
    try:
        return records.rotation_history(program_id, GROUP)
    finally:
        records.dispose()


def test_cli_agenda_continues_the_rotation_the_import_brought_in(env: Path) -> None:  # noqa: F811
    members = load_program(FERNWOOD).relationship(GROUP).participants
    legacy = [members[:2], members[2:3]]  # the old file ledger: three members taught
    (env / "rotation.json").write_text(json.dumps({GROUP: legacy}), encoding="utf-8")

    preview = cli_rotation("--no-record")  # imports the file, records nothing
    assert not (env / "rotation.json").exists()
    assert (env / "rotation.json.migrated").exists()
    assert history(env, CLI_PROGRAM_ID) == legacy

    picked = cli_rotation()
    assert picked == preview
    assert set(picked["teaching_now"]).isdisjoint(members[:3])  # those who taught go last
    assert picked["teaching_now"] == members[3:][: len(picked["teaching_now"])]
    assert history(env, CLI_PROGRAM_ID) == [*legacy, picked["teaching_now"]]
    again = cli_rotation()
    never = [m for m in members if m not in members[:3] + picked["teaching_now"]]
    assert never and set(never) <= set(again["teaching_now"])  # whoever has not taught yet


def test_a_cli_pick_is_seen_by_the_service_for_the_same_program(
    env: Path,  # noqa: F811
    database_url: str,
    knowledge_retriever: HybridRetriever,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("COMENTOR_DATABASE_URL", database_url)
    cli = cli_rotation()
    assert history(env, CLI_PROGRAM_ID, database_url) == [cli["teaching_now"]]

    # The service, with the same program file stored as program "fernwood".
    settings = make_settings(env, database_url=database_url)
    comentor = Comentor(settings, retriever=knowledge_retriever)
    workspace = Workspace(settings, comentor=comentor)
    try:
        document = yaml.safe_load(Path(FERNWOOD).read_text(encoding="utf-8"))
        workspace.put_program("fernwood", document)
        served = workspace.agenda("fernwood", GROUP, minutes=30).agenda.rotation
        assert served is not None
        assert set(served.teaching_now).isdisjoint(cli["teaching_now"])
        assert served.teaching_now == cli["waiting"][: len(served.teaching_now)]
        # One ledger: the service reads the CLI's turn and keeps its own under its program.
        assert workspace.records.rotation_history("fernwood", GROUP) == [
            cli["teaching_now"],
            served.teaching_now,
        ]
        assert workspace.records.rotation_history(CLI_PROGRAM_ID, GROUP) == [cli["teaching_now"]]
        # A later CLI pick is still seen by the service, after the service's own turn.
        later = cli_rotation()
        assert set(later["teaching_now"]).isdisjoint(cli["teaching_now"])
        assert workspace.records.rotation_history("fernwood", GROUP)[-1] == later["teaching_now"]
    finally:
        workspace.close()
        comentor.rotation.close()
