"""The MCP server mounted at /mcp of the service, driven by the SDK's own client
(ClientSession + streamable_http_client) against a live `comentor serve` on loopback: the
bearer token of each request decides who calls, the REST role rules hold, and requests
without a valid token get 401 in the REST error body. Dev mode's loopback and Host checks
run in-process."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import anyio
import httpx
import httpx2
import pytest
from fastapi.testclient import TestClient
from mcp.client.session import ClientSession
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.exceptions import MCPError
from mcp_types import CallToolResult

from api.deps import ServiceOptions
from api.main import create_app
from assistant.knowledge.retrieval import HybridRetriever
from assistant.service import Comentor
from assistant.workspace import Workspace
from tests.api_kit import (
    CANARY,
    OTHER_PROGRAM,
    OTHER_REL,
    PROGRAM,
    REL,
    LiveServer,
    World,
    build_world,
    checkin_notes,
    copy_index,
    live_server,
)
from tests.conftest import make_settings

T = TypeVar("T")
INITIALIZE = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {
        "protocolVersion": "2025-06-18",
        "capabilities": {},
        "clientInfo": {"name": "raw-test", "version": "0"},
    },
}
MCP_HEADERS = {"Accept": "application/json, text/event-stream"}


@pytest.fixture(scope="module")
def comentor(
    knowledge_retriever: HybridRetriever, tmp_path_factory: pytest.TempPathFactory
) -> Comentor:
    settings = make_settings(tmp_path_factory.mktemp("mcp-http-comentor"))
    return Comentor(settings, retriever=knowledge_retriever)


@pytest.fixture(scope="module")
def served(
    knowledge_settings: Any, comentor: Comentor, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[LiveServer, World]]:
    """A live service over a data directory holding the guidance and the API tests' world."""
    data: Path = tmp_path_factory.mktemp("mcp-http")
    copy_index(knowledge_settings.data_dir, data)
    workspace = Workspace(make_settings(data), comentor=comentor)
    world = build_world(workspace)
    try:
        with live_server(data, ready_timeout=300) as server:
            yield server, world
    finally:
        workspace.close()


def session(
    server: LiveServer, token: str | None, body: Callable[[ClientSession], Awaitable[T]]
) -> T:
    """Run ``body`` on an SDK client session to /mcp that sends ``token`` as its bearer."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}

    async def main() -> T:
        async with (
            httpx2.AsyncClient(headers=headers, timeout=300) as http,
            streamable_http_client(f"{server.url}/mcp", http_client=http) as (read, write),
            ClientSession(read, write) as client,
        ):
            with anyio.fail_after(300):
                await client.initialize()
                return await body(client)

    return anyio.run(main)


def error_code(result: CallToolResult) -> str:
    assert result.is_error, result
    code: str = json.loads(result.content[0].text)["error"]["code"]  # type: ignore[union-attr]
    return code


def test_a_mentee_calls_every_tool_over_http(served: tuple[LiveServer, World]) -> None:
    server, world = served
    own = {"relationship_id": REL}
    seen: dict[str, Any] = {}

    async def body(client: ClientSession) -> None:
        seen["tools"] = {t.name for t in (await client.list_tools()).tools}
        calls: dict[str, dict[str, Any]] = {
            "ask": {"question": "How can a mentee give feedback to a senior mentor?"},
            "list_relationships": {},
            "agenda": own,
            "reciprocal_questions": own,
            "reverse_topics": own,
            "summarize_checkin": {**own, "notes": checkin_notes(), "date": "2026-11-27"},
            "relationship_ledger": own,
        }
        for name, arguments in calls.items():
            seen[name] = await client.call_tool(name, arguments)
        seen["other_pair"] = await client.call_tool(
            "relationship_ledger", {"relationship_id": OTHER_REL}
        )
        seen["other_program"] = await client.call_tool(
            "agenda", {"program_id": OTHER_PROGRAM, "relationship_id": REL}
        )
        uri = seen["ask"].structured_content["citations"][0]["uri"]
        seen["passage"] = await client.read_resource(uri)

    session(server, world.tokens["mentee"], body)
    assert len(seen["tools"]) == 7
    for name in seen["tools"]:
        assert not seen[name].is_error, (name, seen[name].content)
    receipt = seen["summarize_checkin"].structured_content
    assert receipt["status"] == "summarized" and "notes" not in receipt
    stored = world.workspace.get_checkin(PROGRAM, REL, receipt["id"])  # the service's database
    assert stored.notes == checkin_notes()
    mine = seen["list_relationships"].structured_content["relationships"]
    assert all(r["program_id"] == PROGRAM and "leo" in r["participants"] for r in mine)
    assert error_code(seen["other_pair"]) == "forbidden"
    assert error_code(seen["other_program"]) == "unknown_program"
    assert seen["passage"].contents[0].text.startswith("# ")


def test_each_request_is_its_callers_staff_never_run_jobs_or_see_notes(
    served: tuple[LiveServer, World],
) -> None:
    server, world = served

    async def body(client: ClientSession) -> dict[str, CallToolResult]:
        return {
            "agenda": await client.call_tool("agenda", {"relationship_id": REL}),
            "checkin": await client.call_tool(
                "summarize_checkin", {"relationship_id": REL, "notes": "We met."}
            ),
            "ledger": await client.call_tool("relationship_ledger", {"relationship_id": REL}),
            "list": await client.call_tool("list_relationships", {}),
        }

    staff = session(server, world.tokens["staff"], body)
    assert error_code(staff["agenda"]) == "forbidden"
    assert error_code(staff["checkin"]) == "forbidden"
    assert not staff["ledger"].is_error and not staff["list"].is_error
    for result in staff.values():
        assert CANARY not in json.dumps(result.structured_content)
    listed = staff["list"].structured_content["relationships"]
    assert {r["id"] for r in listed} >= {REL, OTHER_REL}
    admin = session(server, world.tokens["admin"], body)  # same server, another caller
    assert error_code(admin["agenda"]) == "program_required"
    assert {r["program_id"] for r in admin["list"].structured_content["relationships"]} == {
        PROGRAM,
        OTHER_PROGRAM,
    }


@pytest.mark.parametrize("who", ["none", "revoked", "garbage"])
def test_requests_without_a_valid_token_get_401(served: tuple[LiveServer, World], who: str) -> None:
    server, world = served
    token = {"none": None, "revoked": world.tokens["revoked"], "garbage": "cm_not-a-token"}[who]
    headers = dict(MCP_HEADERS)
    if token:
        headers["Authorization"] = f"Bearer {token}"
    response = httpx.post(f"{server.url}/mcp", json=INITIALIZE, headers=headers, timeout=30)
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.json()["error"]["code"] == "unauthenticated"

    async def body(client: ClientSession) -> None:
        await client.list_tools()

    with pytest.raises(ExceptionGroup) as refused:  # the SDK client cannot even initialize
        session(server, token, body)
    assert all(isinstance(e, MCPError) for e in leaves(refused.value))


def leaves(group: BaseExceptionGroup[Any]) -> list[BaseException]:
    found: list[BaseException] = []
    for exc in group.exceptions:
        found += leaves(exc) if isinstance(exc, BaseExceptionGroup) else [exc]
    return found


def test_dev_mode_answers_loopback_clients_with_a_loopback_host_only(
    tmp_path: Path, comentor: Comentor
) -> None:
    settings = make_settings(tmp_path / "data")
    workspace = Workspace(settings, comentor=comentor)
    app = create_app(settings, workspace=workspace, options=ServiceOptions(dev=True))
    try:
        with TestClient(app, client=("203.0.113.9", 5000)) as remote:
            refused = remote.post("/mcp", json=INITIALIZE, headers=MCP_HEADERS)
            assert refused.status_code == 403 and refused.json()["error"]["code"] == "forbidden"
        with TestClient(app, base_url="http://127.0.0.1:8000", client=("127.0.0.1", 5000)) as local:
            ok = local.post("/mcp", json=INITIALIZE, headers=MCP_HEADERS)
            assert ok.status_code == 200, ok.text
            assert ok.json()["result"]["serverInfo"]["name"] == "comentor"
            rebound = local.post(
                "/mcp", json=INITIALIZE, headers={**MCP_HEADERS, "Host": "evil.example:8000"}
            )
            assert rebound.status_code == 421
    finally:
        workspace.close()
