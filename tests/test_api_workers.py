"""`comentor serve --workers 2` on loopback: several clients post agendas (pair and group)
and check-ins at once; every 201 is stored exactly once, reads agree whichever worker
answers them, a chat conversation goes on across the workers, a group's rotation never
repeats a teacher across the two processes, and both worker processes really served (their
CPU time, measured with psutil)."""

from __future__ import annotations

import re
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import psutil
import pytest

from assistant.config import Settings
from assistant.records import Records
from tests.api_kit import REL, LiveServer, checkin_notes, copy_index, live_server
from tests.conftest import make_settings

PAIR = f"/api/programs/demo/relationships/{REL}"
GROUP = "/api/programs/demo/relationships/northwind-emerging-leaders"  # six members
CLIENTS = 4
ROUNDS = 3  # per client: a check-in, a pair agenda and a group agenda each round
# A new connection per request, so the kernel spreads them over both workers' accept().
FRESH = httpx.Limits(max_keepalive_connections=0)


def worker_pids(server: LiveServer, count: int, timeout: float = 180.0) -> list[int]:
    """The worker processes' PIDs, once each has finished its start-up (uvicorn logs one
    "Started server process [PID]" and one "Application startup complete." per worker)."""
    deadline = time.monotonic() + timeout
    while True:
        log = server.log.read_text(errors="replace")
        pids = [int(p) for p in re.findall(r"Started server process \[(\d+)\]", log)]
        if len(pids) >= count and log.count("Application startup complete.") >= count:
            return pids
        if time.monotonic() > deadline or server.process.poll() is not None:
            raise AssertionError(f"{count} workers did not start:\n{server.tail()}")
        time.sleep(0.25)


def cpu_seconds(pid: int) -> float:
    times = psutil.Process(pid).cpu_times()
    return float(times.user + times.system)


@pytest.fixture
def data_dir(knowledge_settings: Settings, knowledge_retriever: Any, tmp_path: Path) -> Path:
    copy_index(knowledge_settings.data_dir, tmp_path / "data")
    return tmp_path / "data"


def test_two_workers_store_every_201_once_and_both_serve(data_dir: Path) -> None:
    checkins: dict[int, str] = {}
    agendas: list[int] = []
    group_turns: list[list[str]] = []
    failures: list[str] = []
    lock = threading.Lock()

    def client(n: int) -> None:
        with httpx.Client(base_url=server.url, timeout=120, limits=FRESH) as http:
            for i in range(ROUNDS):
                notes = checkin_notes(f"\nClient {n}, round {i}: code W{n}-{i}.\n")
                posted = http.post(f"{PAIR}/checkins", json={"notes": notes})
                pair = http.post(f"{PAIR}/agenda", json={"minutes": 30})
                group = http.post(f"{GROUP}/agenda", json={"minutes": 20})
                with lock:
                    for response in (posted, pair, group):
                        if response.status_code != 201:
                            failures.append(f"{response.status_code}: {response.text[:300]}")
                    if posted.status_code == 201:
                        body = posted.json()
                        checkins[body["id"]] = notes
                        if body["status"] != "summarized":
                            failures.append(f"check-in {body['id']}: {body['status']}")
                    if pair.status_code == 201:
                        agendas.append(pair.json()["id"])
                    if group.status_code == 201:
                        agendas.append(group.json()["id"])
                        group_turns.append(group.json()["agenda"]["rotation"]["teaching_now"])

    with live_server(data_dir, "--workers", "2", "--dev", "--demo") as server:
        pids = worker_pids(server, 2)
        assert len(set(pids)) == 2 and server.process.pid not in pids
        before = {pid: cpu_seconds(pid) for pid in pids}
        threads = [threading.Thread(target=client, args=(n,)) for n in range(CLIENTS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=600)
        used = {pid: cpu_seconds(pid) - before[pid] for pid in pids}
        assert not failures, failures[:5]
        assert len(checkins) == CLIENTS * ROUNDS and len(agendas) == 2 * CLIENTS * ROUNDS

        # Both processes served: each did a real share of the jobs (one agenda or
        # summary costs tens of milliseconds of CPU; an idle worker uses next to none).
        total = sum(used.values())
        assert min(used.values()) > 0.1 * total, used

        # Every acknowledged check-in is stored once, with its notes; the same reads from
        # fresh connections (either worker) agree with each other.
        with httpx.Client(base_url=server.url, timeout=60, limits=FRESH) as http:
            listings = [http.get(f"{PAIR}/checkins").json() for _ in range(4)]
            assert all(listing == listings[0] for listing in listings[1:])
            counted = Counter(c["id"] for c in listings[0])
            assert all(counted[i] == 1 for i in checkins), counted
            assert set(counted) == set(checkins)  # nothing stored without a 201
            stored = {c["id"]: c for c in listings[0]}
            for ident, notes in checkins.items():
                assert stored[ident]["notes"] == notes and stored[ident]["status"] == "summarized"
                again = http.get(f"{PAIR}/checkins/{ident}").json()
                assert again["summary"] == stored[ident]["summary"]
            ledgers = [http.get(f"{PAIR}/ledger").json() for _ in range(4)]
            assert all(ledger == ledgers[0] for ledger in ledgers[1:])
            counts = {(d["teacher"], d["learner"]): d["count"] for d in ledgers[0]["directions"]}
            # Each of these notes records one lesson each way.
            assert counts == {("leo", "amara"): len(checkins), ("amara", "leo"): len(checkins)}

            # A chat conversation goes on whichever worker takes the next message (it is
            # stored in the database): each follow-up, on a fresh connection, changes the
            # remembered agenda.
            first = http.post(
                "/chat",
                json={"message": "plan 45 minutes", "program_id": "demo", "relationship_id": REL},
            ).json()
            assert first["intent"] == "agenda" and first["result"]["total_minutes"] == 45
            agendas.append(first["result"]["id"])
            for minutes in (30, 40, 35, 50):
                sent = {
                    "message": f"make it {minutes} minutes",
                    "conversation_id": first["conversation_id"],
                }
                again = http.post("/chat", json=sent).json()
                assert again["intent"] == "agenda", again
                assert again["result"]["total_minutes"] == minutes
                assert again["conversation_id"] == first["conversation_id"]
                agendas.append(again["result"]["id"])

    # Every acknowledged agenda was stored once; the group's rotation went round the
    # six members without a repeat within a cycle, though the picks ran in two processes.
    records = Records(make_settings(data_dir))
    try:
        stored_agendas = [
            ident
            for rel in (REL, "northwind-emerging-leaders")
            for ident, _, _ in records.job_results("demo", rel, "agenda", limit=1000)
        ]
        assert sorted(stored_agendas) == sorted(agendas)
        history = records.rotation_history("demo", "northwind-emerging-leaders")
    finally:
        records.dispose()
    assert sorted(map(sorted, history)) == sorted(map(sorted, group_turns))
    assert all(len(turn) == 2 for turn in history)
    for start in range(0, len(history) - 2, 3):  # three turns of two cover all six
        cycle = [t for turn in history[start : start + 3] for t in turn]
        assert len(set(cycle)) == 6, history
