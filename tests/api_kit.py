"""Shared set-up for the API tests: two stored programs, a user per role, a check-in
with a canary in its notes in every relationship the role matrix touches, and a live
`comentor serve` launcher for the tests against a real uvicorn on loopback."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import yaml

from assistant.records import Role
from assistant.workspace import Workspace

REPO = Path(__file__).resolve().parents[1]
PROGRAM = "north"
OTHER_PROGRAM = "south"
REL = "amara-leo-reverse"  # leo (mentee) and amara (mentor) are in it
OTHER_REL = "diane-kwame-traditional"  # same program, neither of them in it
CANARY = "ZQX-CANARY-4417"


def program_document() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(
        (REPO / "examples" / "program.yaml").read_text(encoding="utf-8")
    )
    return data


def checkin_notes(extra: str = "") -> str:
    """Realistic notes (an eval case's) with learning both ways and four action items."""
    case = yaml.safe_load(
        (REPO / "evals" / "checkins" / "ci-001-reverse-bullets.yaml").read_text(encoding="utf-8")
    )
    return str(case["notes"]) + extra


@dataclass
class World:
    """What the in-process tests share: tokens by role, and stored check-in ids by target."""

    workspace: Workspace
    tokens: dict[str, str | None] = field(default_factory=dict)
    checkins: dict[str, int] = field(default_factory=dict)  # target -> a check-in id

    def headers(self, role: str) -> dict[str, str]:
        token = self.tokens[role]
        return {"Authorization": f"Bearer {token}"} if token else {}


def build_world(workspace: Workspace) -> World:
    """Programs north and south (the same people: ids only differ by program), users for
    every role, and one summarized check-in whose notes carry :data:`CANARY` in each of
    the own relationship, another relationship and the other program's relationship."""
    records = workspace.records
    workspace.put_program(PROGRAM, program_document())
    workspace.put_program(OTHER_PROGRAM, program_document())
    world = World(workspace=workspace)
    world.tokens["mentee"] = records.add_user(
        "Leo", Role.MENTEE, participant_id="leo", program_id=PROGRAM
    )[1]
    world.tokens["mentor"] = records.add_user(
        "Amara", Role.MENTOR, participant_id="amara", program_id=PROGRAM
    )[1]
    world.tokens["staff"] = records.add_user("Sam Staff", Role.STAFF, program_id=PROGRAM)[1]
    world.tokens["admin"] = records.add_user("Ada Admin", Role.ADMIN)[1]
    revoked = records.add_user("Rex", Role.MENTEE, participant_id="leo", program_id=PROGRAM)
    records.revoke_user(revoked[0].name)
    world.tokens["revoked"] = revoked[1]
    world.tokens["none"] = None
    notes = checkin_notes(f"\nSide note: the room code was {CANARY}, we met in the annex.\n")
    for target, (program_id, rel) in TARGETS.items():
        view = workspace.submit_checkin(program_id, rel, notes=notes)
        assert view.status == "summarized", view.error
        world.checkins[target] = view.id
    return world


TARGETS = {
    "own": (PROGRAM, REL),
    "other_rel": (PROGRAM, OTHER_REL),
    "other_program": (OTHER_PROGRAM, REL),
}


# -- live servers -------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class LiveServer:
    url: str
    process: subprocess.Popen[bytes]
    data_dir: Path
    log: Path

    def tail(self) -> str:
        return self.log.read_text(errors="replace")[-3000:]


def copy_index(source: Path, target: Path) -> None:
    """Copy an ingested data directory's vector store and lexical index (not its records)."""
    for name in ("chroma", "lexical"):
        if (source / name).exists():
            shutil.copytree(source / name, target / name)


@contextmanager
def live_server(
    data_dir: Path,
    *args: str,
    ready_timeout: float = 120.0,
    database_url: str | None = None,
) -> Iterator[LiveServer]:
    """`comentor serve` in a subprocess on a free loopback port, until /readyz says ready
    (with ``database_url``, its records are there instead of SQLite in ``data_dir``)."""
    data_dir.mkdir(parents=True, exist_ok=True)
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("COMENTOR_")}
    env["COMENTOR_DATA_DIR"] = str(data_dir)
    if database_url is not None:
        env["COMENTOR_DATABASE_URL"] = database_url
    log = data_dir / f"serve-{port}.log"
    exe = Path(sys.executable).with_name("comentor")
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [str(exe), "serve", "--host", "127.0.0.1", "--port", str(port), *args],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
            cwd=REPO,
        )
    server = LiveServer(f"http://127.0.0.1:{port}", proc, data_dir, log)
    try:
        deadline = time.monotonic() + ready_timeout
        while True:
            try:
                if httpx.get(f"{server.url}/readyz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"comentor serve did not become ready:\n{server.tail()}")
            time.sleep(0.25)
        yield server
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
