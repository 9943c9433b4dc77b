"""The service in-process (httpx through Starlette's TestClient): programs, jobs,
check-ins, ledger, staff views, errors, limits, probes, dev mode and the OpenAPI document."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from fastapi.testclient import TestClient

from api import create_app
from api.deps import ServiceOptions
from api.limits import MAX_BODY_BYTES
from assistant.errors import EngineError
from assistant.knowledge.retrieval import HybridRetriever
from assistant.limits import MAX_NOTES_BYTES
from assistant.service import Comentor
from assistant.workspace import Workspace
from tests.api_kit import PROGRAM, REL, World, build_world, checkin_notes, program_document
from tests.conftest import make_settings

BASE = f"/api/programs/{PROGRAM}/relationships/{REL}"


@pytest.fixture(scope="module")
def comentor(
    knowledge_retriever: HybridRetriever, tmp_path_factory: pytest.TempPathFactory
) -> Comentor:
    settings = make_settings(tmp_path_factory.mktemp("api-comentor"))
    return Comentor(settings, retriever=knowledge_retriever)


@pytest.fixture
def api(tmp_path: Path, comentor: Comentor) -> Iterator[tuple[TestClient, World]]:
    settings = make_settings(tmp_path / "data")
    workspace = Workspace(settings, comentor=comentor)
    world = build_world(workspace)
    with TestClient(create_app(settings, workspace=workspace)) as client:
        client.headers.update(world.headers("mentee"))
        yield client, world
    workspace.close()


def error(response: Any) -> dict[str, Any]:
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "hint"}
    detail: dict[str, Any] = body["error"]
    return detail


def count_checkins(world: World) -> int:
    return len(world.workspace.list_checkins(PROGRAM, REL))


# -- check-ins ----------------------------------------------------------------------------


def test_checkin_is_stored_summarized_and_readable(api: tuple[TestClient, World]) -> None:
    client, _ = api
    notes = checkin_notes()
    created = client.post(f"{BASE}/checkins", json={"notes": notes, "date": "2026-03-12"})
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["status"] == "summarized" and "notes" not in body
    owners = {item["owner"] for item in body["summary"]["action_items"]}
    assert owners == {"leo", "amara"}
    one = client.get(f"{BASE}/checkins/{body['id']}").json()
    assert one["notes"] == notes and one["summary"] == body["summary"]
    listed = client.get(f"{BASE}/checkins").json()
    assert body["id"] in {c["id"] for c in listed}

    ledger = client.get(f"{BASE}/ledger").json()
    counts = {(d["teacher"], d["learner"]): d["count"] for d in ledger["directions"]}
    # build_world stored the same notes once already: each direction taught twice now.
    assert counts == {("leo", "amara"): 2, ("amara", "leo"): 2}

    # The next agenda follows up the open action items without being told.
    agenda = client.post(f"{BASE}/agenda", json={"minutes": 45}).json()["agenda"]
    assert agenda["total_minutes"] == 45
    text = json.dumps(agenda)
    assert "reusable prompt template" in text


def test_failed_summary_keeps_the_notes_and_retry_summarizes(
    api: tuple[TestClient, World], monkeypatch: pytest.MonkeyPatch
) -> None:
    client, world = api
    comentor = world.workspace.comentor

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise EngineError("the engine is down")

    monkeypatch.setattr(comentor, "summarize", broken)
    created = client.post(f"{BASE}/checkins", json={"notes": checkin_notes()})
    assert created.status_code == 201
    body = created.json()
    assert body["status"] == "failed" and "engine is down" in body["error"]
    assert body["summary"] is None
    monkeypatch.undo()
    retried = client.post(f"{BASE}/checkins/{body['id']}/summarize")
    assert retried.status_code == 200
    assert retried.json()["status"] == "summarized" and retried.json()["error"] is None
    assert client.get(f"{BASE}/checkins/{body['id']}").json()["notes"] == checkin_notes()


def test_bad_notes_are_refused_and_nothing_is_stored(api: tuple[TestClient, World]) -> None:
    client, world = api
    before = count_checkins(world)
    empty = client.post(f"{BASE}/checkins", json={"notes": "  \n "})
    assert empty.status_code == 422 and error(empty)["code"] == "empty_notes"
    # Over the notes' 1 MB but under the body's 1 MiB: the workspace's own error.
    big = client.post(f"{BASE}/checkins", json={"notes": "a" * (MAX_NOTES_BYTES + 1)})
    assert big.status_code == 422 and error(big)["code"] == "notes_too_large"
    wrong_type = client.post(f"{BASE}/checkins", json={"notes": 12})
    assert wrong_type.status_code == 422
    assert "notes" in error(wrong_type)["message"]
    bad_date = client.post(f"{BASE}/checkins", json={"notes": "x", "date": "March"})
    assert error(bad_date)["code"] == "validation_error" and "date" in error(bad_date)["message"]
    typo = client.post(f"{BASE}/checkins", json={"notes": "x", "dat": "2026-03-01"})
    assert typo.status_code == 422 and "dat" in error(typo)["message"]
    assert count_checkins(world) == before


def test_bodies_over_the_limit_get_413_before_being_read(api: tuple[TestClient, World]) -> None:
    client, world = api
    before = count_checkins(world)
    payload = json.dumps({"notes": "a" * (MAX_BODY_BYTES + 10)}).encode()
    declared = client.post(
        f"{BASE}/checkins", content=payload, headers={"Content-Type": "application/json"}
    )
    assert declared.status_code == 413 and error(declared)["code"] == "body_too_large"
    pulled: list[int] = []

    def chunks() -> Iterator[bytes]:
        # A chunked body with no length: refused once it passes the limit, so the rest
        # of the stream is never pulled.
        for start in range(0, len(payload), 65536):
            pulled.append(start)
            yield payload[start : start + 65536]

    chunked = client.post(
        f"{BASE}/checkins", content=chunks(), headers={"Content-Type": "application/json"}
    )
    assert chunked.status_code == 413 and error(chunked)["code"] == "body_too_large"
    assert count_checkins(world) == before


def test_malformed_json_names_the_problem(api: tuple[TestClient, World]) -> None:
    client, _ = api
    response = client.post(
        f"{BASE}/agenda", content=b'{"minutes": 30,', headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 422
    assert "malformed JSON" in error(response)["message"]
    minutes = client.post(f"{BASE}/agenda", json={"minutes": "half an hour"})
    assert error(minutes)["code"] == "validation_error" and "minutes" in error(minutes)["message"]
    too_long = client.post(f"{BASE}/agenda", json={"minutes": 500})
    assert too_long.status_code == 422 and "minutes" in error(too_long)["message"]


def test_unknown_ids_are_404_with_their_code(api: tuple[TestClient, World]) -> None:
    client, _ = api
    client.headers.update(api[1].headers("admin"))
    cases = {
        "/api/programs/nope/relationships": "unknown_program",
        f"/api/programs/{PROGRAM}/relationships/nope/ledger": "unknown_relationship",
        f"{BASE}/checkins/999999": "unknown_checkin",
        "/api/nothing-here": "not_found",
    }
    for path, code in cases.items():
        response = client.get(path)
        assert response.status_code == 404 and error(response)["code"] == code, path
    wrong_method = client.delete(f"{BASE}/ledger")
    assert wrong_method.status_code == 405 and error(wrong_method)["code"] == "method_not_allowed"


def test_jobs_are_stored_with_their_results(api: tuple[TestClient, World]) -> None:
    client, _ = api
    questions = client.post(f"{BASE}/questions")
    assert questions.status_code == 201 and questions.json()["questions"]
    topics = client.post(f"{BASE}/topics")
    assert topics.status_code == 201 and topics.json()["topics"]
    agenda = client.post(f"{BASE}/agenda")  # no body: the defaults
    assert agenda.status_code == 201 and agenda.json()["agenda"]["total_minutes"] == 45
    ids = {questions.json()["id"], topics.json()["id"], agenda.json()["id"]}
    assert len(ids) == 3


# -- programs -----------------------------------------------------------------------------


def test_put_program_json_and_yaml(api: tuple[TestClient, World]) -> None:
    client, world = api
    client.headers.update(world.headers("admin"))
    created = client.put("/api/programs/spring", json=program_document())
    assert created.status_code == 201 and created.json()["created"] is True
    text = (Path(__file__).resolve().parents[1] / "examples" / "program.yaml").read_text()
    replaced = client.put(
        "/api/programs/spring", content=text, headers={"Content-Type": "application/yaml"}
    )
    assert replaced.status_code == 200 and replaced.json()["created"] is False
    assert replaced.json()["relationships"] == len(program_document()["relationships"])

    broken = program_document()
    broken["relationships"][0]["participants"] = ["nobody"]
    invalid = client.put("/api/programs/spring", json=broken)
    assert invalid.status_code == 422 and error(invalid)["code"] == "invalid_program"
    bad_yaml = client.put(
        "/api/programs/spring", content="a: [b", headers={"Content-Type": "application/yaml"}
    )
    assert bad_yaml.status_code == 422 and error(bad_yaml)["code"] == "invalid_program"
    other = client.put("/api/programs/spring", content="x", headers={"Content-Type": "text/csv"})
    assert other.status_code == 415 and error(other)["code"] == "unsupported_media_type"
    # What was stored is untouched by the refused documents.
    stored = world.workspace.get_program("spring")
    assert len(stored.relationships) == len(program_document()["relationships"])
    bad_id = client.put("/api/programs/bad id!", json=program_document())
    assert bad_id.status_code == 422 and error(bad_id)["code"] == "invalid_program_id"


# -- staff views --------------------------------------------------------------------------


def test_summaries_filter_and_page(api: tuple[TestClient, World]) -> None:
    client, world = api
    client.headers.update(world.headers("staff"))
    first = client.get("/api/summaries", params={"limit": 1})
    assert first.status_code == 200
    page = first.json()
    assert len(page["items"]) == 1 and page["next_cursor"]
    second = client.get("/api/summaries", params={"limit": 1, "cursor": page["next_cursor"]})
    assert second.json()["items"][0]["id"] != page["items"][0]["id"]
    one_rel = client.get("/api/summaries", params={"relationship": REL}).json()["items"]
    assert one_rel and {s["relationship_id"] for s in one_rel} == {REL}
    none = client.get("/api/summaries", params={"since": "2999-01-01"}).json()
    assert none["items"] == [] and none["next_cursor"] is None
    assert error(client.get("/api/summaries", params={"cursor": "zzz"}))["code"] == (
        "invalid_cursor"
    )
    assert error(client.get("/api/summaries", params={"flag": "sad"}))["code"] == "invalid_flag"
    assert client.get("/api/summaries", params={"limit": 0}).status_code == 422
    # A mistyped filter is refused rather than silently returning everything.
    typo = client.get("/api/summaries", params={"flg": "one_sided"})
    assert typo.status_code == 422 and error(typo)["code"] == "validation_error"
    assert "flg" in error(typo)["message"] and "flag" in error(typo)["hint"]
    blank = client.get("/api/summaries?=")
    assert blank.status_code == 422


def test_program_health(api: tuple[TestClient, World]) -> None:
    client, world = api
    client.headers.update(world.headers("staff"))
    health = client.get(f"/api/programs/{PROGRAM}/health").json()
    rels = {r["relationship_id"]: r for r in health["relationships"]}
    assert rels[REL]["checkins"] == 1 and rels[REL]["open_action_items"]
    never = [r for r in rels.values() if r["checkins"] == 0]
    assert never and all(r["last_checkin"] is None for r in never)


# -- probes, dev mode, docs -----------------------------------------------------------------


def test_probes(api: tuple[TestClient, World]) -> None:
    client, _ = api
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200, ready.text
    body = ready.json()
    assert body["ready"] and body["passages"] > 0
    assert set(body["checks"]) == {"database", "engine", "store", "index"}


def test_readyz_is_503_with_an_empty_index(tmp_path: Path, make_retriever: Any) -> None:
    settings = make_settings(tmp_path / "empty")
    comentor = Comentor(settings, retriever=make_retriever(settings))
    workspace = Workspace(settings, comentor=comentor)
    with TestClient(create_app(settings, workspace=workspace)) as client:
        ready = client.get("/readyz")
        assert ready.status_code == 503
        assert ready.json()["checks"]["index"]["ok"] is False
        assert ready.json()["checks"]["database"]["ok"] is True
    workspace.close()


def test_dev_mode_needs_no_token_but_answers_loopback_only(
    tmp_path: Path, comentor: Comentor
) -> None:
    settings = make_settings(tmp_path / "dev")
    workspace = Workspace(settings, comentor=comentor)
    app = create_app(settings, workspace=workspace, options=ServiceOptions(dev=True))
    local_url = "http://127.0.0.1:8000"  # dev mode also wants a loopback Host header
    with TestClient(app, base_url=local_url, client=("127.0.0.1", 40000)) as local:
        saved = local.put("/api/programs/demo", json=program_document())
        assert saved.status_code == 201
        made = local.post(f"/api/programs/demo/relationships/{REL}/agenda", json={})
        assert made.status_code == 201
    with TestClient(app, client=("192.0.2.7", 40000)) as remote:
        refused = remote.get("/api/programs/demo/relationships")
        assert refused.status_code == 403
    workspace.close()


def test_without_dev_mode_a_token_is_required(api: tuple[TestClient, World]) -> None:
    client, _ = api
    response = client.get(f"/api/programs/{PROGRAM}/relationships", headers={"Authorization": ""})
    assert response.status_code == 401 and error(response)["code"] == "unauthenticated"
    assert response.headers["www-authenticate"] == "Bearer"
    bogus = client.get(
        f"/api/programs/{PROGRAM}/relationships", headers={"Authorization": "Bearer cm_nope"}
    )
    assert bogus.status_code == 401


def test_openapi_documents_every_route_schema_and_error(api: tuple[TestClient, World]) -> None:
    client, _ = api
    assert client.get("/docs").status_code == 200
    spec = client.get("/openapi.json").json()
    assert "ErrorResponse" in spec["components"]["schemas"]
    ours = {
        p: ops for p, ops in spec["paths"].items() if p.startswith(("/api/", "/healthz", "/readyz"))
    }
    assert len(ours) >= 12
    for path, operations in ours.items():
        for method, op in operations.items():
            success = [s for s in op["responses"] if s.startswith("2")]
            assert success, (method, path)
            assert "application/json" in op["responses"][success[0]]["content"], (method, path)
            if path.startswith("/api"):
                documented = {"401", "403", "422"} | ({"404"} if method == "get" else set())
                for status in documented:
                    ref = op["responses"][status]["content"]["application/json"]["schema"]
                    assert ref["$ref"].endswith("/ErrorResponse"), (method, path, status)
    put = spec["paths"]["/api/programs/{program_id}"]["put"]
    assert set(put["requestBody"]["content"]) == {"application/json", "application/yaml"}
    assert "bearer" in spec["components"]["securitySchemes"]


def test_yaml_example_program_round_trips(api: tuple[TestClient, World]) -> None:
    """The program served back lists exactly the relationships of the YAML file."""
    client, world = api
    rels = client.get(
        f"/api/programs/{PROGRAM}/relationships", headers=world.headers("admin")
    ).json()
    ids = {r["id"] for r in rels}
    data = yaml.safe_load(
        (Path(__file__).resolve().parents[1] / "examples/program.yaml").read_text()
    )
    assert ids == {r["id"] for r in data["relationships"]}


def test_assistant_never_imports_fastapi() -> None:
    """`api/` depends on `assistant/`, never the other way (the CLI imports it lazily)."""
    import subprocess
    import sys

    code = (
        "import sys, assistant.cli.core, assistant.cli.serve, assistant.workspace, "
        "assistant.records.access; "
        "assert not {'fastapi', 'uvicorn', 'api'} & set(sys.modules), sorted(sys.modules)"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).parents[1])
