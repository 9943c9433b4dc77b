"""Dev mode (no tokens) answers requests addressed to a loopback name only: a page on
another site that reaches the port through DNS rebinding sends its own name as ``Host``
and gets 403 ``bad_host``, on every REST route, before anything is read or changed."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api import create_app
from api.deps import ServiceOptions, is_loopback_host
from assistant.knowledge.retrieval import HybridRetriever
from assistant.service import Comentor
from assistant.workspace import Workspace
from tests.api_kit import REL, program_document
from tests.conftest import make_settings

BASE = f"/api/programs/demo/relationships/{REL}"


@pytest.fixture
def dev_app(
    tmp_path: Path, knowledge_retriever: HybridRetriever
) -> Iterator[tuple[TestClient, Workspace]]:
    settings = make_settings(tmp_path / "dev")
    comentor = Comentor(settings, retriever=knowledge_retriever)
    workspace = Workspace(settings, comentor=comentor)
    workspace.put_program("demo", program_document())
    app = create_app(settings, workspace=workspace, options=ServiceOptions(dev=True))
    # A loopback peer, as every request to a loopback-bound server is; only Host varies.
    with TestClient(app, base_url="http://127.0.0.1:8000", client=("127.0.0.1", 40000)) as client:
        yield client, workspace
    workspace.close()


@pytest.mark.parametrize(
    "host",
    ["localhost", "localhost:8000", "LOCALHOST:8000", "127.0.0.1", "127.0.0.1:54321", "[::1]",
     "[::1]:8000", "::1"],
)  # fmt: skip
def test_loopback_hosts_are_recognised(host: str) -> None:
    assert is_loopback_host(host)


@pytest.mark.parametrize(
    "host",
    [None, "", "evil.example", "evil.example:8000", "localhost.evil.example", "127.0.0.1.nip.io",
     "10.0.0.1:8000", "0.0.0.0:8000", "[::1", "[::1]x", "[::1]:", "localhost:", "localhost:80a",
     "[2001:db8::1]:8000", "192.0.2.1"],
)  # fmt: skip
def test_other_hosts_are_not(host: str | None) -> None:
    assert not is_loopback_host(host)


def test_dev_mode_refuses_a_rebinding_host_on_rest_routes(
    dev_app: tuple[TestClient, Workspace],
) -> None:
    client, workspace = dev_app
    rebound = {"Host": "attacker.example:8000"}
    reads = client.get("/api/programs/demo/relationships", headers=rebound)
    assert reads.status_code == 403
    body = reads.json()
    assert set(body) == {"error"} and body["error"]["code"] == "bad_host"
    assert "localhost" in body["error"]["message"]
    writes = client.put("/api/programs/evil", json=program_document(), headers=rebound)
    assert writes.status_code == 403 and writes.json()["error"]["code"] == "bad_host"
    posted = client.post(f"{BASE}/checkins", json={"notes": "hello there"}, headers=rebound)
    assert posted.status_code == 403 and posted.json()["error"]["code"] == "bad_host"
    assert workspace.list_checkins("demo", REL) == []
    assert [p.id for p in workspace.records.list_programs()] == ["demo"]
    # The same requests addressed to loopback names are served.
    for host in ("127.0.0.1:8000", "localhost:8000", "[::1]:8000"):
        ok = client.get("/api/programs/demo/relationships", headers={"Host": host})
        assert ok.status_code == 200, (host, ok.text)
    assert client.put("/api/programs/other", json=program_document()).status_code == 201
    # The probes carry no data and stay open to any Host (a proxy or orchestrator checks them).
    assert client.get("/healthz", headers=rebound).status_code == 200
