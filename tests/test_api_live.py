"""The service on a real uvicorn on loopback (`comentor serve` in a subprocess): tokens and
limits over real sockets, a SIGKILL while clients post check-ins, the first start's
ingestion, and a schemathesis run over /openapi.json that must find no server error."""

from __future__ import annotations

import json
import os
import signal
import textwrap
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
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
from assistant.records import Role
from assistant.workspace import Workspace
from tests.api_kit import (
    CANARY,
    PROGRAM,
    REL,
    LiveServer,
    checkin_notes,
    copy_index,
    live_server,
    program_document,
)
from tests.conftest import make_settings

BASE = f"/api/programs/{PROGRAM}/relationships/{REL}"


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


@pytest.fixture(scope="module")
def token_server(
    index_template: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[LiveServer, dict[str, str]]]:
    data = fresh_data_dir(index_template, tmp_path_factory.mktemp("live-tokens"))
    settings = make_settings(data)
    workspace = Workspace(settings)  # migrates; the server will find the same database
    workspace.put_program(PROGRAM, program_document())
    records = workspace.records
    tokens = {
        "mentee": records.add_user("Leo", Role.MENTEE, participant_id="leo", program_id=PROGRAM)[1],
        "staff": records.add_user("Sam", Role.STAFF, program_id=PROGRAM)[1],
        "admin": records.add_user("Ada", Role.ADMIN)[1],
    }
    workspace.close()
    with live_server(data) as server:
        yield server, tokens


def test_live_roles_and_errors(token_server: tuple[LiveServer, dict[str, str]]) -> None:
    server, tokens = token_server
    mentee = {"Authorization": f"Bearer {tokens['mentee']}"}
    staff = {"Authorization": f"Bearer {tokens['staff']}"}
    with httpx.Client(base_url=server.url, timeout=30) as client:
        notes = checkin_notes(f"\nRoom code {CANARY}.\n")
        created = client.post(f"{BASE}/checkins", json={"notes": notes}, headers=mentee)
        assert created.status_code == 201 and created.json()["status"] == "summarized"
        assert client.get(f"{BASE}/checkins", headers=mentee).json()[0]["notes"] == notes
        assert client.get(f"{BASE}/checkins", headers=staff).status_code == 403
        summaries = client.get("/api/summaries", headers=staff)
        assert summaries.status_code == 200 and summaries.json()["items"]
        assert CANARY not in summaries.text
        assert client.get(f"{BASE}/ledger").status_code == 401
        assert client.get("/api/programs/south/relationships", headers=staff).status_code == 404


def test_live_body_limits(token_server: tuple[LiveServer, dict[str, str]]) -> None:
    server, tokens = token_server
    headers = {"Authorization": f"Bearer {tokens['mentee']}", "Content-Type": "application/json"}
    body = b'{"notes": "' + b"a" * 2_000_000 + b'"}'
    with httpx.Client(base_url=server.url, timeout=30) as client:
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
        assert all(len(c["notes"]) < 1_000_000 for c in listed.json())


def short_line_notes(size: int) -> str:
    """Realistic notes of exactly ``size`` bytes in short lines (20 characters): JSON
    escapes every newline as two bytes, so the request body outgrows the notes by ~5%."""
    words = " ".join(checkin_notes().split())
    text = "\n".join(textwrap.wrap(words, 20)) + "\n"
    notes = (text * (size // len(text) + 2)).encode("utf-8")[:size].decode("utf-8")
    assert len(notes.encode("utf-8")) == size
    return notes


def test_live_notes_up_to_their_limit_fit_the_body_limit(
    token_server: tuple[LiveServer, dict[str, str]],
) -> None:
    """The body limit leaves a margin over the notes limit (the JSON envelope and its
    escaping): notes of 1 MB - 1 are stored, notes of 1 MB + 1 get the workspace's own
    422 ``notes_too_large``, a 2 MB body is cut off with 413 (test_live_body_limits)."""
    server, tokens = token_server
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


def test_schemathesis_finds_no_server_error(
    token_server: tuple[LiveServer, dict[str, str]],
) -> None:
    """Generated requests, schema-valid and schema-invalid, against every documented
    operation of ours, as an admin (so every route is reached past the token check). The
    default checks run: no 5xx, documented statuses, content types and response schemas,
    invalid input rejected, invalid auth refused. Left out: "schema-valid data must be
    accepted", since a program document is also checked for meaning (relationships name
    real participants), which a JSON schema cannot express."""
    server, tokens = token_server
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
