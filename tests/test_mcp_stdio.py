"""`comentor mcp` over stdio, driven by the SDK's own client (ClientSession + stdio_client)
against a real subprocess with a temporary data directory: the tools, resources and
prompts for a mentee given by COMENTOR_TOKEN, a token revoked mid-session, --dev as the
local admin, and the refusals at start (no token, revoked token) with a clean stdout."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

import anyio
import pytest
from mcp.client.session import ClientSession
from mcp.client.stdio import StdioServerParameters, stdio_client
from mcp.shared.exceptions import MCPError
from mcp_types import CallToolResult

from assistant.config import Settings
from assistant.records import Role
from assistant.workspace import Workspace
from tests.api_kit import (
    OTHER_PROGRAM,
    OTHER_REL,
    PROGRAM,
    REL,
    checkin_notes,
    copy_index,
    program_document,
)
from tests.conftest import make_settings

REPO = Path(__file__).resolve().parents[1]
COMENTOR = str(Path(sys.executable).with_name("comentor"))
T = TypeVar("T")


@pytest.fixture(scope="module")
def data_dir(knowledge_settings: Settings, knowledge_retriever: Any, tmp_path_factory: Any) -> Path:
    """An ingested index (copied), two programs and a user per role; tokens in tokens.json."""
    data: Path = tmp_path_factory.mktemp("mcp-stdio")
    copy_index(knowledge_settings.data_dir, data)
    workspace = Workspace(make_settings(data))
    try:
        workspace.put_program(PROGRAM, program_document())
        workspace.put_program(OTHER_PROGRAM, program_document())
        records = workspace.records
        tokens = {
            "mentee": records.add_user(
                "Leo", Role.MENTEE, participant_id="leo", program_id=PROGRAM
            )[1],
            "mentee2": records.add_user(
                "Leo again", Role.MENTEE, participant_id="leo", program_id=PROGRAM
            )[1],
            "revoked": records.add_user(
                "Rex", Role.MENTEE, participant_id="leo", program_id=PROGRAM
            )[1],
        }
        records.revoke_user("Rex")
    finally:
        workspace.close()
    (data / "tokens.json").write_text(json.dumps(tokens))
    return data


def token(data_dir: Path, name: str) -> str:
    tokens: dict[str, str] = json.loads((data_dir / "tokens.json").read_text())
    return tokens[name]


def run_session(
    data_dir: Path,
    args: list[str],
    env: dict[str, str],
    body: Callable[[ClientSession], Awaitable[T]],
) -> T:
    """Spawn `comentor mcp ARGS` and run ``body`` on an initialized client session."""
    params = StdioServerParameters(
        command=COMENTOR,
        args=["mcp", *args],
        env={"COMENTOR_DATA_DIR": str(data_dir), **env},
        cwd=str(REPO),
    )

    async def main() -> T:
        with (data_dir / "stdio-server.log").open("a") as errlog:
            async with (
                stdio_client(params, errlog=errlog) as (read, write),
                ClientSession(read, write) as session,
            ):
                with anyio.fail_after(300):
                    await session.initialize()
                    return await body(session)

    return anyio.run(main)


def error_code(result: CallToolResult) -> str:
    assert result.is_error, result
    code: str = json.loads(result.content[0].text)["error"]["code"]  # type: ignore[union-attr]
    return code


def test_a_mentee_uses_every_tool_resource_and_prompt_over_stdio(data_dir: Path) -> None:
    own = {"relationship_id": REL}
    seen: dict[str, Any] = {}

    async def body(session: ClientSession) -> None:
        seen["tools"] = [t.name for t in (await session.list_tools()).tools]
        calls: dict[str, dict[str, Any]] = {
            "ask": {"question": "How do we write a good mentoring goal?"},
            "list_relationships": {},
            "agenda": {**own, "minutes": 45, "focus": "dashboards"},
            "reciprocal_questions": {**own, "focus": "dashboards"},
            "reverse_topics": own,
            "summarize_checkin": {**own, "notes": checkin_notes()},
            "relationship_ledger": own,
        }
        for name, arguments in calls.items():
            seen[name] = await session.call_tool(name, arguments)
        seen["other_pair"] = await session.call_tool("agenda", {"relationship_id": OTHER_REL})
        seen["other_program"] = await session.call_tool(
            "relationship_ledger", {"program_id": OTHER_PROGRAM, "relationship_id": REL}
        )
        seen["passage"] = await session.read_resource(
            seen["ask"].structured_content["citations"][0]["uri"]
        )
        seen["prompt"] = await session.get_prompt("prepare_for_next_session", own)
        try:
            await session.get_prompt("prepare_for_next_session", {"relationship_id": OTHER_REL})
        except MCPError as exc:
            seen["prompt_other"] = exc

    run_session(data_dir, [], {"COMENTOR_TOKEN": token(data_dir, "mentee")}, body)
    assert len(seen["tools"]) == 7
    for name in (
        "ask",
        "list_relationships",
        "agenda",
        "reciprocal_questions",
        "reverse_topics",
        "summarize_checkin",
        "relationship_ledger",
    ):
        assert not seen[name].is_error, (name, seen[name].content)
    assert seen["summarize_checkin"].structured_content["status"] == "summarized"
    assert sum(seen["relationship_ledger"].structured_content["taught"].values()) > 0
    assert seen["agenda"].structured_content["agenda"]["focus"] == "dashboards"
    assert seen["reciprocal_questions"].structured_content["questions"]["focus"] == "dashboards"
    assert error_code(seen["other_pair"]) == "forbidden"
    assert error_code(seen["other_program"]) == "unknown_program"
    assert "# " in seen["passage"].contents[0].text
    assert "open action items" in seen["prompt"].messages[0].content.text.lower()
    assert seen["prompt_other"].data["error"]["code"] == "forbidden"
    # The check-in is stored with its notes, as the REST route stores it.
    workspace = Workspace(make_settings(data_dir), upgrade=False)
    try:
        stored = workspace.list_checkins(PROGRAM, REL)
        assert [c.notes for c in stored] == [checkin_notes()]
    finally:
        workspace.close()


def test_a_token_revoked_mid_session_stops_working_at_the_next_call(data_dir: Path) -> None:
    async def body(session: ClientSession) -> tuple[CallToolResult, CallToolResult]:
        before = await session.call_tool("list_relationships", {})
        workspace = Workspace(make_settings(data_dir), upgrade=False)
        try:
            workspace.records.revoke_user("Leo again")
        finally:
            workspace.close()
        after = await session.call_tool("list_relationships", {})
        return before, after

    before, after = run_session(data_dir, ["--token", token(data_dir, "mentee2")], {}, body)
    assert not before.is_error
    assert error_code(after) == "unauthenticated"


def test_dev_mode_is_the_local_admin_without_a_token(data_dir: Path) -> None:
    async def body(session: ClientSession) -> CallToolResult:
        return await session.call_tool("list_relationships", {})

    result = run_session(data_dir, ["--dev"], {}, body)
    programs = {r["program_id"] for r in result.structured_content["relationships"]}
    assert programs == {PROGRAM, OTHER_PROGRAM}


@pytest.mark.parametrize("who", ["nobody", "revoked"])
def test_refused_at_start_with_the_reason_on_stderr_and_nothing_on_stdout(
    data_dir: Path, who: str
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("COMENTOR_")}
    env["COMENTOR_DATA_DIR"] = str(data_dir)
    if who == "revoked":
        env["COMENTOR_TOKEN"] = token(data_dir, "revoked")
    done = subprocess.run(
        [COMENTOR, "mcp"],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
        stdin=subprocess.DEVNULL,
    )
    assert done.returncode == 21, done.stderr
    assert done.stdout == ""
    assert ("--token" in done.stderr) if who == "nobody" else ("revoked" in done.stderr.lower())
