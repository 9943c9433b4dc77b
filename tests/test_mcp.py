"""The MCP server's tools, resources and prompts through the SDK's own client, connected
in-process (the stdio and HTTP transports have their own tests): schemas, every tool per
role, the role rules of the REST API, and the REST API's error codes and messages."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import quote

import anyio
import pytest
from fastapi.testclient import TestClient
from mcp.client import Client
from mcp.shared.exceptions import MCPError
from mcp_types import CallToolResult, ResourceLink
from pydantic import BaseModel

from api.main import create_app
from assistant.knowledge.retrieval import HybridRetriever
from assistant.mcp import StaticIdentity, TokenIdentity, build_mcp_server, citation_uri
from assistant.mcp.identity import Identity
from assistant.mcp.schemas import AnswerView, CheckinReceipt, RelationshipList
from assistant.records.schemas import AgendaRecord, LedgerView, QuestionsRecord, TopicsRecord
from assistant.service import Comentor
from assistant.workspace import Workspace
from tests.api_kit import (
    CANARY,
    OTHER_PROGRAM,
    OTHER_REL,
    PROGRAM,
    REL,
    World,
    build_world,
    checkin_notes,
)
from tests.conftest import make_settings

T = TypeVar("T")
TOOLS: dict[str, type[BaseModel]] = {
    "ask": AnswerView,
    "list_relationships": RelationshipList,
    "agenda": AgendaRecord,
    "reciprocal_questions": QuestionsRecord,
    "reverse_topics": TopicsRecord,
    "summarize_checkin": CheckinReceipt,
    "relationship_ledger": LedgerView,
}


@pytest.fixture(scope="module")
def comentor(
    knowledge_retriever: HybridRetriever, tmp_path_factory: pytest.TempPathFactory
) -> Comentor:
    settings = make_settings(tmp_path_factory.mktemp("mcp-comentor"))
    return Comentor(settings, retriever=knowledge_retriever)


@pytest.fixture(scope="module")
def world(comentor: Comentor, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    settings = make_settings(tmp_path_factory.mktemp("mcp-data"))
    workspace = Workspace(settings, comentor=comentor)
    yield build_world(workspace)
    workspace.close()


def identity(world: World, role: str) -> Identity:
    token = world.tokens[role]
    assert token is not None
    return TokenIdentity(world.workspace.records, token)


def with_client(world: World, role: str, body: Callable[[Client], Awaitable[T]]) -> T:
    """Run ``body`` with an SDK client connected in-process to a server acting for ``role``."""
    server = build_mcp_server(world.workspace, identity(world, role))

    async def main() -> T:
        async with Client(server) as client:
            return await body(client)

    return anyio.run(main)


def call(world: World, role: str, tool: str, **arguments: Any) -> CallToolResult:
    async def body(client: Client) -> CallToolResult:
        return await client.call_tool(tool, arguments)

    return with_client(world, role, body)


def error_of(result: CallToolResult) -> dict[str, Any]:
    """The REST-style error body of a failed call (text and structured content agree)."""
    assert result.is_error, result
    text = result.content[0]
    assert text.type == "text"
    body: dict[str, Any] = json.loads(text.text)
    assert body == result.structured_content
    error: dict[str, Any] = body["error"]
    return error


# -- the surface ------------------------------------------------------------------------------


def test_tools_have_input_and_output_schemas_from_the_models(world: World) -> None:
    async def body(client: Client) -> Any:
        return (await client.list_tools()).tools

    tools = {t.name: t for t in with_client(world, "mentee", body)}
    assert set(tools) == set(TOOLS)
    for name, model in TOOLS.items():
        schema = tools[name].output_schema
        assert schema is not None and set(schema["properties"]) == set(model.model_fields), name
        assert tools[name].input_schema["type"] == "object"
    agenda = tools["agenda"].input_schema
    assert agenda["required"] == ["relationship_id"]
    minutes = agenda["properties"]["minutes"]["anyOf"][0]
    assert (minutes["minimum"], minutes["maximum"]) == (10, 240)
    assert tools["summarize_checkin"].input_schema["required"] == ["relationship_id", "notes"]
    assert tools["ask"].annotations is not None and tools["ask"].annotations.read_only_hint


def test_every_tool_for_a_mentee_on_their_own_relationship(world: World) -> None:
    own = {"relationship_id": REL}
    results: dict[str, CallToolResult] = {}

    async def body(client: Client) -> None:
        results["ask"] = await client.call_tool(
            "ask", {"question": "How should a reverse mentor handle senior resistance?"}
        )
        results["list_relationships"] = await client.call_tool("list_relationships", {})
        results["agenda"] = await client.call_tool("agenda", {**own, "minutes": 60})
        results["reciprocal_questions"] = await client.call_tool("reciprocal_questions", own)
        results["reverse_topics"] = await client.call_tool("reverse_topics", own)
        results["summarize_checkin"] = await client.call_tool(
            "summarize_checkin", {**own, "notes": checkin_notes(), "date": "2026-11-20"}
        )
        results["relationship_ledger"] = await client.call_tool("relationship_ledger", own)

    with_client(world, "mentee", body)
    parsed = {}
    for name, result in results.items():
        assert not result.is_error, (name, result.content)
        parsed[name] = TOOLS[name].model_validate(result.structured_content)
        assert json.loads(result.content[0].text) == result.structured_content  # type: ignore[union-attr]

    mine = parsed["list_relationships"].relationships  # type: ignore[attr-defined]
    assert (PROGRAM, REL) in {(r.program_id, r.id) for r in mine}
    assert all(r.program_id == PROGRAM and "leo" in r.participants for r in mine)
    agenda = parsed["agenda"]
    assert isinstance(agenda, AgendaRecord) and agenda.agenda.total_minutes == 60
    receipt = parsed["summarize_checkin"]
    assert isinstance(receipt, CheckinReceipt) and receipt.status == "summarized"
    stored = world.workspace.get_checkin(PROGRAM, REL, receipt.id)  # stored like the REST route
    assert stored.notes == checkin_notes() and str(stored.date) == "2026-11-20"
    ledger = parsed["relationship_ledger"]
    assert isinstance(ledger, LedgerView) and sum(ledger.taught.values()) > 0
    # Results link every passage they cite as a readable resource.
    links = [c for c in results["agenda"].content if isinstance(c, ResourceLink)]
    cited = {c.id for c in agenda.agenda.citations}
    assert cited and {str(link.uri) for link in links} >= {citation_uri(i) for i in cited}


def test_a_mentee_cannot_reach_another_pair_or_program(world: World) -> None:
    for tool in ("agenda", "reciprocal_questions", "summarize_checkin", "relationship_ledger"):
        extra = {"notes": "We met."} if tool == "summarize_checkin" else {}
        other = error_of(call(world, "mentee", tool, relationship_id=OTHER_REL, **extra))
        assert other["code"] == "forbidden", tool
        elsewhere = call(
            world, "mentee", tool, program_id=OTHER_PROGRAM, relationship_id=REL, **extra
        )
        assert error_of(elsewhere)["code"] == "unknown_program", tool
    before = len(world.workspace.list_checkins(PROGRAM, OTHER_REL))
    call(world, "mentee", "summarize_checkin", relationship_id=OTHER_REL, notes="We met.")
    assert len(world.workspace.list_checkins(PROGRAM, OTHER_REL)) == before
    listed = call(world, "mentee", "list_relationships", program_id=OTHER_PROGRAM)
    assert error_of(listed)["code"] == "unknown_program"


def test_staff_read_ledgers_but_never_run_jobs_or_see_notes(world: World) -> None:
    for tool in ("agenda", "reciprocal_questions", "reverse_topics", "summarize_checkin"):
        extra = {"notes": "We met."} if tool == "summarize_checkin" else {}
        assert error_of(call(world, "staff", tool, relationship_id=REL, **extra))["code"] == (
            "forbidden"
        )
    seen = [
        call(world, "staff", "relationship_ledger", relationship_id=REL),
        call(world, "staff", "relationship_ledger", relationship_id=OTHER_REL),
        call(world, "staff", "list_relationships"),
        call(world, "staff", "ask", question="What was the room code in the annex?"),
    ]
    for result in seen:
        assert not result.is_error
        assert CANARY not in json.dumps(result.structured_content)
        assert all(CANARY not in getattr(c, "text", "") for c in result.content)
    programs = {r["program_id"] for r in seen[2].structured_content["relationships"]}
    assert programs == {PROGRAM}


def test_admins_name_the_program_and_revoked_users_are_refused(world: World) -> None:
    needs = error_of(call(world, "admin", "relationship_ledger", relationship_id=REL))
    assert needs["code"] == "program_required"
    ok = call(world, "admin", "relationship_ledger", program_id=OTHER_PROGRAM, relationship_id=REL)
    assert not ok.is_error
    revoked = error_of(call(world, "revoked", "list_relationships"))
    assert revoked["code"] == "unauthenticated"
    assert error_of(call(world, "revoked", "ask", question="What is mentoring?"))["code"] == (
        "unauthenticated"
    )


# -- errors -----------------------------------------------------------------------------------


def test_errors_have_the_rest_apis_codes_and_messages(world: World, tmp_path: Path) -> None:
    """The same failure through MCP and through REST gives the same code, message, hint."""
    admin = world.tokens["admin"]
    cases = [
        ("agenda", {"program_id": PROGRAM, "relationship_id": "nobody"}, "post", "agenda", {}),
        (
            "summarize_checkin",
            {"program_id": PROGRAM, "relationship_id": REL, "notes": "   "},
            "post",
            "checkins",
            {"notes": "   "},
        ),
        (
            "relationship_ledger",
            {"program_id": "nowhere", "relationship_id": REL},
            "get",
            "ledger",
            {},
        ),
    ]
    app = create_app(world.workspace.settings, workspace=world.workspace)
    with TestClient(app, headers={"Authorization": f"Bearer {admin}"}) as rest:
        for tool, arguments, method, route, body in cases:
            mcp_error = error_of(call(world, "admin", tool, **arguments))
            url = (
                f"/api/programs/{arguments['program_id']}/relationships/"
                f"{arguments['relationship_id']}/{route}"
            )
            response = rest.post(url, json=body) if method == "post" else rest.get(url)
            assert response.status_code >= 400
            assert mcp_error == response.json()["error"], tool
    assert {error_of(call(world, "admin", t, **a))["code"] for t, a, *_ in cases} == {
        "unknown_relationship",
        "empty_notes",
        "unknown_program",
    }


def test_arguments_outside_the_schema_are_validation_errors(world: World) -> None:
    short = error_of(call(world, "mentee", "agenda", relationship_id=REL, minutes=5))
    assert short["code"] == "validation_error" and short["message"].startswith("minutes:")
    missing = error_of(call(world, "mentee", "summarize_checkin", relationship_id=REL))
    assert missing["code"] == "validation_error" and "notes" in missing["message"]
    date = error_of(
        call(world, "mentee", "summarize_checkin", relationship_id=REL, notes="x", date="soon")
    )
    assert date["code"] == "validation_error" and date["message"].startswith("date:")


def test_notes_over_the_limit_are_refused_and_nothing_is_stored(world: World) -> None:
    before = len(world.workspace.list_checkins(PROGRAM, REL))
    big = "We talked about dashboards. " * 40_000  # over 1 MB
    error = error_of(call(world, "mentee", "summarize_checkin", relationship_id=REL, notes=big))
    assert error["code"] == "notes_too_large"
    assert len(world.workspace.list_checkins(PROGRAM, REL)) == before


# -- resources and prompts --------------------------------------------------------------------


def test_cited_passages_are_readable_resources(world: World) -> None:
    answer = call(world, "mentee", "ask", question="How do we set good mentoring goals?")
    citation = answer.structured_content["citations"][0]
    assert citation["uri"] == "guidance://passages/" + quote(citation["id"], safe="")

    async def body(client: Client) -> tuple[Any, Any, MCPError]:
        templates = (await client.list_resource_templates()).resource_templates
        passage = await client.read_resource(citation["uri"])
        with pytest.raises(MCPError) as missing:
            await client.read_resource(citation_uri("knowledge/guides/none.md#nothing"))
        return templates, passage, missing.value

    templates, passage, missing = with_client(world, "mentee", body)
    assert [t.uri_template for t in templates] == ["guidance://passages/{citation_id}"]
    text = passage.contents[0].text
    assert passage.contents[0].mime_type == "text/markdown"
    assert citation["id"] in text and citation["excerpt"][:40] in " ".join(text.split())
    assert missing.code == -32002 and missing.data["error"]["code"] == "unknown_citation"


def test_prompts_prepare_from_the_stored_history_and_respect_roles(world: World) -> None:
    async def body(client: Client) -> tuple[Any, Any, Any, MCPError]:
        prompts = (await client.list_prompts()).prompts
        prepare = await client.get_prompt("prepare_for_next_session", {"relationship_id": REL})
        summarize = await client.get_prompt(
            "summarize_todays_checkin", {"relationship_id": REL, "notes": "We met today."}
        )
        with pytest.raises(MCPError) as other:
            await client.get_prompt("prepare_for_next_session", {"relationship_id": OTHER_REL})
        return prompts, prepare, summarize, other.value

    prompts, prepare, summarize, other = with_client(world, "mentee", body)
    assert {p.title for p in prompts} == {
        "Prepare for my next session",
        "Summarize today's check-in",
    }
    text = prepare.messages[0].content.text
    latest = world.workspace.previous_checkin(PROGRAM, REL)
    assert latest is not None and latest.action_items
    assert all(item.task in text for item in latest.action_items)
    assert "`agenda`" in text and REL in text
    asked = summarize.messages[0].content.text
    assert "We met today." in asked and "summarize_checkin" in asked
    assert other.data["error"]["code"] == "forbidden"


def test_a_static_identity_serves_the_local_admin(world: World) -> None:
    admin = world.workspace.records.get_user("Ada Admin")
    server = build_mcp_server(world.workspace, StaticIdentity(admin))

    async def main() -> CallToolResult:
        async with Client(server) as client:
            return await client.call_tool("list_relationships", {})

    result = anyio.run(main)
    programs = {r["program_id"] for r in result.structured_content["relationships"]}
    assert programs == {PROGRAM, OTHER_PROGRAM}


def test_the_mcp_package_stays_out_of_the_library_and_off_fastapi() -> None:
    """Registering `comentor mcp` imports no SDK (it loads on use), and the server
    definition never imports FastAPI or the api package."""
    import subprocess
    import sys

    code = (
        "import sys, assistant.cli.core, assistant.cli.mcp, assistant.workspace; "
        "assert not {'mcp', 'starlette', 'fastapi'} & set(sys.modules); "
        "import assistant.mcp; "
        "assert not {'fastapi', 'api'} & set(sys.modules), sorted(sys.modules)"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).parents[1])
