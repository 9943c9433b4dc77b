"""The service on a real uvicorn on loopback (`comentor serve` in a subprocess): tokens and
limits over real sockets, a SIGKILL while clients post check-ins, the first start's
ingestion, and a schemathesis run over /openapi.json that must find no server error."""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import textwrap
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.core.result import Ok
from schemathesis.generation.modes import GenerationMode
from schemathesis.specs.openapi.checks import positive_data_acceptance
from typer.testing import CliRunner

from api.limits import MAX_BODY_BYTES
from assistant.cli.core import app as cli_app
from assistant.cli.serve import is_loopback, prepare
from assistant.config import Settings
from assistant.limits import MAX_NOTES_BYTES
from assistant.service import Comentor
from assistant.workspace import Workspace
from tests.api_kit import (
    CANARY,
    PROGRAM,
    REL,
    TARGETS,
    LiveServer,
    World,
    build_world,
    checkin_notes,
    copy_index,
    live_server,
    program_document,
)
from tests.conftest import make_settings
from tests.test_api_roles import REL_PREFIX, ROUTES, expected

BASE = f"/api/programs/{PROGRAM}/relationships/{REL}"
ROLE_NAMES = ("admin", "mentee", "mentor", "staff")


@pytest.fixture(scope="module")
def index_template(
    knowledge_settings: Settings, knowledge_retriever: Any, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    """A data directory holding the session's ingested guidance (copied, never shared)."""
    template = tmp_path_factory.mktemp("live-template")
    copy_index(knowledge_settings.data_dir, template)
    return template


def fresh_data_dir(template: Path, target: Path) -> Path:
    copy_index(template, target)
    return target


# -- the first start --------------------------------------------------------------------------


def test_prepare_ingests_an_empty_index_once_and_loads_the_demo(
    tmp_path: Path, knowledge_copy: Path
) -> None:
    for guide in sorted(knowledge_copy.iterdir())[1:]:
        guide.unlink()  # one guide is enough to see the empty index filled
    settings = make_settings(tmp_path / "data", knowledge_dir=knowledge_copy)
    first = prepare(settings, demo=True, say=lambda m: None)
    assert first["ingested"] and first["passages"] > 0 and first["demo"]
    again = prepare(settings, demo=False, say=lambda m: None)
    assert not again["ingested"] and again["passages"] == first["passages"]
    workspace = Workspace(settings)
    assert workspace.get_program("demo").relationships
    workspace.close()


def test_dev_mode_is_refused_off_loopback(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli_app,
        ["serve", "--dev", "--host", "0.0.0.0"],
        env={"COMENTOR_DATA_DIR": str(tmp_path)},
    )
    assert result.exit_code != 0
    assert "loopback" in result.output
    assert not (tmp_path / "comentor.db").exists()  # refused before touching anything
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.0.2.1")


# -- tokens and limits over real sockets --------------------------------------------------------


# The live tests run on SQLite, and those whose outcome depends on the database also on a
# real PostgreSQL server (tests/pg.py). A test picks its backends with @on(...); tests with
# the same backend share one live server (the parameter is module-scoped).
BOTH = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
SQLITE = ["sqlite"]  # the HTTP layer only, or too slow to run twice (schemathesis, 1 MB)


def on(backends: list[Any]) -> pytest.MarkDecorator:
    return pytest.mark.parametrize("backend", backends, indirect=True, scope="module")


@pytest.fixture(scope="module")
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@dataclass
class Live:
    """A live server over a database holding :func:`build_world`'s programs, users and
    check-ins, plus one check-in whose summary failed (to retry over HTTP)."""

    server: LiveServer
    world: World
    failed_checkin: int

    @property
    def tokens(self) -> dict[str, str | None]:
        return self.world.tokens


FAILED_NOTES = (
    "Leo walked Amara through the new analytics dashboard and how to filter it by region.\n"
    "Amara said it would save her an hour every Monday.\n"
)


@pytest.fixture(scope="module")
def token_server(
    backend: str,
    index_template: Path,
    knowledge_retriever: Any,
    tmp_path_factory: pytest.TempPathFactory,
    request: pytest.FixtureRequest,
) -> Iterator[Live]:
    data = fresh_data_dir(index_template, tmp_path_factory.mktemp(f"live-{backend}"))
    url = None
    if backend == "postgresql":
        url = request.getfixturevalue("postgres_server").new_database()
    settings = make_settings(data, database_url=url)
    comentor = Comentor(settings, retriever=knowledge_retriever)
    workspace = Workspace(settings, comentor=comentor)  # migrates; the server finds the same
    world = build_world(workspace)
    stored = workspace.records.create_checkin(
        PROGRAM, REL, notes=FAILED_NOTES, date=dt.date(2026, 1, 15)
    )
    workspace.records.mark_checkin_failed(stored.id, "engine_error: interrupted (seeded)")
    workspace.close()
    with live_server(data, database_url=url) as server:
        yield Live(server, world, stored.id)


@on(BOTH)
def test_live_roles_and_errors(token_server: Live) -> None:
    server, tokens = token_server.server, token_server.tokens
    mentee = {"Authorization": f"Bearer {tokens['mentee']}"}
    staff = {"Authorization": f"Bearer {tokens['staff']}"}
    with httpx.Client(base_url=server.url, timeout=30) as client:
        notes = checkin_notes(f"\nRoom code {CANARY}.\n")
        created = client.post(f"{BASE}/checkins", json={"notes": notes}, headers=mentee)
        assert created.status_code == 201 and created.json()["status"] == "summarized"
        listed = client.get(f"{BASE}/checkins", headers=mentee).json()
        assert notes in [c["notes"] for c in listed if c["id"] == created.json()["id"]]
        assert client.get(f"{BASE}/checkins", headers=staff).status_code == 403
        summaries = client.get("/api/summaries", headers=staff)
        assert summaries.status_code == 200 and summaries.json()["items"]
        assert CANARY not in summaries.text
        assert client.get(f"{BASE}/ledger").status_code == 401
        assert client.get("/api/programs/south/relationships", headers=staff).status_code == 404


@on(BOTH)
def test_live_body_limits(token_server: Live) -> None:
    server, tokens = token_server.server, token_server.tokens
    headers = {"Authorization": f"Bearer {tokens['mentee']}", "Content-Type": "application/json"}
    body = b'{"notes": "' + b"a" * 2_000_000 + b'"}'
    with httpx.Client(base_url=server.url, timeout=30) as client:
        stored_before = len(client.get(f"{BASE}/checkins", headers=headers).json())
        declared = client.post(f"{BASE}/checkins", content=body, headers=headers)
        assert declared.status_code == 413
        assert declared.json()["error"]["code"] == "body_too_large"

        def stream() -> Iterator[bytes]:
            for start in range(0, len(body), 65536):
                yield body[start : start + 65536]

        chunked = client.post(f"{BASE}/checkins", content=stream(), headers=headers)
        assert chunked.status_code == 413
        # The server is still fine afterwards, and nothing was stored.
        listed = client.get(f"{BASE}/checkins", headers=headers)
        assert listed.status_code == 200
        assert len(listed.json()) == stored_before


GROUP = "northwind-emerging-leaders"  # six members, leo and amara among them


@on(BOTH)
def test_live_programs_jobs_checkins_and_staff_views(token_server: Live) -> None:
    """The service's resources end to end over a real socket, on each database: programs
    PUT (JSON and YAML), every job, a group's rotation, a failed check-in retried, the
    ledger, the staff summaries with their filters and paging, program health, probes."""
    live = token_server
    admin, mentee, mentor, staff = (live.world.headers(r) for r in ROLE_NAMES)
    with httpx.Client(base_url=live.server.url, timeout=60) as client:
        # Programs: created from JSON, replaced from YAML, an invalid document refused.
        document = program_document()
        created = client.put("/api/programs/walk", json=document, headers=admin)
        assert created.status_code == 201, created.text
        as_yaml = {**admin, "Content-Type": "application/yaml"}
        replaced = client.put(
            "/api/programs/walk", content=yaml.safe_dump(document), headers=as_yaml
        )
        assert replaced.status_code == 200, replaced.text
        document["relationships"][0]["participants"] = ["amara", "nobody"]
        invalid = client.put("/api/programs/walk", json=document, headers=admin)
        assert invalid.status_code == 422 and invalid.json()["error"]["code"] == "invalid_program"
        listed = client.get("/api/programs/walk/relationships", headers=admin).json()
        assert {r["id"] for r in listed} == {r["id"] for r in program_document()["relationships"]}

        # Each job, stored and answered with 201.
        ask = {"minutes": 30, "focus": "dashboards"}
        agenda = client.post(f"{BASE}/agenda", json=ask, headers=mentee)
        assert agenda.status_code == 201, agenda.text
        assert agenda.json()["agenda"]["total_minutes"] == 30
        for job in ("questions", "topics"):
            made = client.post(f"{BASE}/{job}", headers=mentee)
            assert made.status_code == 201 and made.json()["id"] > 0, made.text
        group = f"/api/programs/{PROGRAM}/relationships/{GROUP}/agenda"
        turns = [client.post(group, json={"minutes": 20}, headers=mentee) for _ in range(2)]
        assert all(t.status_code == 201 for t in turns), turns[0].text
        first, second = (t.json()["agenda"]["rotation"]["teaching_now"] for t in turns)
        assert first and second and set(first).isdisjoint(second)  # the rotation advanced

        # A check-in whose summary failed is stored with its reason, and retried.
        one = f"{BASE}/checkins/{live.failed_checkin}"
        failed = client.get(one, headers=mentee).json()
        assert failed["status"] == "failed" and "interrupted" in failed["error"]
        assert failed["notes"] == FAILED_NOTES
        retried = client.post(f"{one}/summarize", headers=mentee)
        assert retried.status_code == 200 and retried.json()["status"] == "summarized"
        assert client.get(one, headers=mentee).json()["summary"] == retried.json()["summary"]
        flags = retried.json()["summary"]["flags"]
        assert flags, retried.json()["summary"]  # one-sided notes, no action items

        # The ledger counts the retried check-in's learning (leo taught amara).
        ledger = client.get(f"{BASE}/ledger", headers=mentor).json()
        counts = {(d["teacher"], d["learner"]): d["count"] for d in ledger["directions"]}
        assert counts[("leo", "amara")] > counts[("amara", "leo")] >= 1

        # Staff summaries: filters by relationship, date range and flag, and paging.
        def summaries(**params: Any) -> Any:
            page = client.get("/api/summaries", params=params, headers=staff)
            assert page.status_code == 200, page.text
            assert CANARY not in page.text and "notes" not in page.json()["items"][0]
            return page.json()

        mine = summaries(program=PROGRAM, relationship=REL)["items"]
        assert {i["relationship_id"] for i in mine} == {REL} and len(mine) >= 2
        january = summaries(relationship=REL, since="2026-01-01", until="2026-01-31")["items"]
        assert [i["checkin_id"] for i in january] == [live.failed_checkin]
        flag = flags[0]["code"]
        flagged = summaries(program=PROGRAM, flag=flag)["items"]
        assert live.failed_checkin in {i["checkin_id"] for i in flagged}
        assert all(flag in i["flags"] for i in flagged)
        page_one = summaries(program=PROGRAM, limit=1)
        assert len(page_one["items"]) == 1 and page_one["next_cursor"]
        page_two = summaries(program=PROGRAM, limit=1, cursor=page_one["next_cursor"])
        assert page_two["items"][0]["id"] != page_one["items"][0]["id"]
        backwards = client.get(
            "/api/summaries", params={"since": "2026-02-01", "until": "2026-01-01"}, headers=staff
        )
        assert backwards.status_code == 422
        assert backwards.json()["error"]["code"] == "invalid_range"

        # Program health: per relationship, nothing pending after the retry.
        health = client.get(f"/api/programs/{PROGRAM}/health", headers=staff)
        assert health.status_code == 200 and CANARY not in health.text
        rel = next(r for r in health.json()["relationships"] if r["relationship_id"] == REL)
        assert rel["checkins"] >= 2 and rel["pending"] == 0 and rel["last_checkin"]
        assert {(d["teacher"], d["learner"]) for d in rel["ledger"]} >= {("leo", "amara")}

        assert client.get("/healthz").status_code == 200
        ready = client.get("/readyz")
        assert ready.status_code == 200 and ready.json()["checks"]["database"]["ok"] is True


@on(BOTH)
@pytest.mark.parametrize("role", ["mentee", "staff", "revoked"])
def test_live_role_matrix_slice(token_server: Live, role: str) -> None:
    """test_api_roles' matrix for three roles over a real socket: every route x own
    relationship / another relationship / the other program."""
    world = token_server.world
    problems = []
    with httpx.Client(base_url=token_server.server.url, timeout=60) as client:
        for route in ROUTES:
            targets = ["own", "other_program"] if route.scope == "program" else list(TARGETS)
            for target in targets:
                program_id, rel = TARGETS[target]
                path = route.path.replace("{rel}", REL_PREFIX).format(
                    program_id=program_id, relationship_id=rel, checkin_id=world.checkins[target]
                )
                params = {"program": program_id} if route.scope == "query" else {}
                if route.scope == "query" and target != "own":
                    params["relationship"] = rel
                body = program_document() if route.body == "program" else route.body
                response = client.request(
                    route.method, path, headers=world.headers(role), params=params, json=body
                )
                want = expected(role, route, target)
                if response.status_code != want:
                    problems.append(f"{route.method} {path}: {response.status_code}, want {want}")
                if role == "staff":
                    assert CANARY not in response.text, f"notes leaked to staff: {path}"
    assert not problems, "\n".join(problems)


def short_line_notes(size: int) -> str:
    """Realistic notes of exactly ``size`` bytes in short lines (20 characters): JSON
    escapes every newline as two bytes, so the request body outgrows the notes by ~5%."""
    words = " ".join(checkin_notes().split())
    text = "\n".join(textwrap.wrap(words, 20)) + "\n"
    notes = (text * (size // len(text) + 2)).encode("utf-8")[:size].decode("utf-8")
    assert len(notes.encode("utf-8")) == size
    return notes


@on(SQLITE)
def test_live_notes_up_to_their_limit_fit_the_body_limit(token_server: Live) -> None:
    """The body limit leaves a margin over the notes limit (the JSON envelope and its
    escaping): notes of 1 MB - 1 are stored, notes of 1 MB + 1 get the workspace's own
    422 ``notes_too_large``, a 2 MB body is cut off with 413 (test_live_body_limits)."""
    server, tokens = token_server.server, token_server.tokens
    headers = {"Authorization": f"Bearer {tokens['mentee']}", "Content-Type": "application/json"}
    fits = short_line_notes(MAX_NOTES_BYTES - 1)
    body = json.dumps({"notes": fits}).encode("utf-8")
    # Over 1 MiB once escaped (the old limit refused it), within the notes limit + 64 KiB.
    assert MAX_NOTES_BYTES + 48_576 < len(body) <= MAX_BODY_BYTES
    with httpx.Client(base_url=server.url, timeout=120) as client:
        created = client.post(f"{BASE}/checkins", content=body, headers=headers)
        assert created.status_code == 201, created.text[:500]
        stored = client.get(f"{BASE}/checkins/{created.json()['id']}", headers=headers)
        assert stored.json()["notes"] == fits
        over = json.dumps({"notes": short_line_notes(MAX_NOTES_BYTES + 1)}).encode("utf-8")
        assert len(over) <= MAX_BODY_BYTES
        refused = client.post(f"{BASE}/checkins", content=over, headers=headers)
        assert refused.status_code == 422, refused.text[:500]
        assert refused.json()["error"]["code"] == "notes_too_large"


# -- SIGKILL while check-ins are posted ---------------------------------------------------------


def test_sigkill_loses_no_acknowledged_checkin(index_template: Path, tmp_path: Path) -> None:
    data = fresh_data_dir(index_template, tmp_path / "data")
    acknowledged: dict[int, str] = {}
    cut_off: list[int] = []  # clients whose request was in flight when the server died
    lock = threading.Lock()
    enough = threading.Event()
    url = f"/api/programs/demo/relationships/{REL}/checkins"

    def client(n: int) -> None:
        with httpx.Client(base_url=server.url, timeout=30) as http:
            for i in range(1000):
                notes = checkin_notes(
                    f"\nClient {n}, check-in {i}: code K{n}-{i}-{os.urandom(4).hex()}.\n"
                )
                try:
                    response = http.post(url, json={"notes": notes})
                except httpx.HTTPError:
                    with lock:
                        cut_off.append(n)
                    return  # the server is gone
                assert response.status_code == 201, response.text
                with lock:
                    acknowledged[response.json()["id"]] = notes
                    if len(acknowledged) >= 16:
                        enough.set()

    with live_server(data, "--dev", "--demo") as server:
        threads = [threading.Thread(target=client, args=(n,)) for n in range(4)]
        for t in threads:
            t.start()
        assert enough.wait(timeout=120), "the clients did not get 16 check-ins through"
        server.process.send_signal(signal.SIGKILL)  # mid-way: requests are in flight
        server.process.wait()
        for t in threads:
            t.join(timeout=60)
    assert len(acknowledged) >= 16
    assert cut_off, "no request was in flight at the kill"

    with live_server(data, "--dev") as again, httpx.Client(base_url=again.url, timeout=30) as http:
        stored = {c["id"]: c for c in http.get(url).json()}
        missing = [i for i in acknowledged if i not in stored]
        assert not missing, f"acknowledged check-ins lost: {missing}"
        for ident, notes in acknowledged.items():
            assert stored[ident]["notes"] == notes
            assert stored[ident]["status"] == "summarized"  # 201 came after the summary
        # Check-ins whose summary was cut off are kept (pending) and can be retried.
        for view in stored.values():
            if view["status"] != "summarized":
                retried = http.post(f"{url}/{view['id']}/summarize")
                assert retried.status_code == 200 and retried.json()["status"] == "summarized"


# -- schemathesis ---------------------------------------------------------------------------


@on(SQLITE)
def test_schemathesis_finds_no_server_error(token_server: Live) -> None:
    """Generated requests, schema-valid and schema-invalid, against every documented
    operation of ours, as an admin (so every route is reached past the token check). The
    default checks run: no 5xx, documented statuses, content types and response schemas,
    invalid input rejected, invalid auth refused. Left out: "schema-valid data must be
    accepted", since a program document is also checked for meaning (relationships name
    real participants), which a JSON schema cannot express."""
    server, tokens = token_server.server, token_server.tokens
    headers = {"Authorization": f"Bearer {tokens['admin']}"}
    schema = schemathesis.openapi.from_url(f"{server.url}/openapi.json")
    failures: list[str] = []
    operations = 0
    for result in schema.get_all_operations():
        assert isinstance(result, Ok), result  # the schema itself is valid
        operation = result.ok()
        if not operation.path.startswith(("/api/", "/healthz", "/readyz")):
            continue  # other features' routes have their own tests
        operations += 1
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @given(case=operation.as_strategy(generation_mode=mode))
            @settings(
                max_examples=15,
                deadline=None,
                derandomize=True,
                database=None,
                suppress_health_check=list(HealthCheck),
            )
            def run(case: Any) -> None:
                case.call_and_validate(
                    base_url=server.url,
                    headers=headers,
                    timeout=30,
                    excluded_checks=[positive_data_acceptance],
                )

            try:
                run()
            except Unsatisfiable:
                pass  # no invalid request exists for an operation without inputs
            except Exception as exc:
                failures.append(f"{operation.method.upper()} {operation.path} {mode}: {exc}")
    assert operations >= 14
    assert not failures, "\n\n".join(failures)
