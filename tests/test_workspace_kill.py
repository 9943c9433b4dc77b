"""A process submitting check-ins from several threads is killed (SIGKILL) mid-stream:
every check-in it acknowledged is stored with its notes, nothing is half-written, and the
ones caught mid-summary are retried to completion. SQLite and PostgreSQL."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import yaml

from assistant.config import Settings, bundled_knowledge_dir
from assistant.knowledge.retrieval import HybridRetriever
from assistant.service import Comentor
from assistant.workspace import Workspace
from tests.checkin_worker import NOTES
from tests.conftest import make_settings

REPO = Path(__file__).resolve().parents[1]
PAIR = "marcus-hana-comentoring"


def test_killed_worker_loses_no_acknowledged_checkin(
    database_url: str,
    tmp_path: Path,
    make_retriever: Callable[[Settings], HybridRetriever],
) -> None:
    guides = tmp_path / "guides"  # one guide keeps the worker's own ingest short
    guides.mkdir()
    shutil.copy(bundled_knowledge_dir() / "guides" / "goal-setting.md", guides)
    data_dir = tmp_path / "data"
    settings = make_settings(data_dir, database_url=database_url)
    setup = Workspace(settings)
    document = yaml.safe_load((REPO / "evals" / "programs" / "northwind.yaml").read_text())
    setup.put_program("nw", document)
    setup.close()

    env = {k: v for k, v in os.environ.items() if not k.startswith("COMENTOR_")}
    env.update(COMENTOR_DATA_DIR=str(data_dir), COMENTOR_DATABASE_URL=database_url)
    errlog = (tmp_path / "worker.err").open("w")
    worker = subprocess.Popen(
        [sys.executable, str(REPO / "tests" / "checkin_worker.py"), str(guides), "3"],
        stdout=subprocess.PIPE,
        stderr=errlog,
        text=True,
        env=env,
    )
    lines: list[str] = []

    def read_all() -> None:  # reads until EOF, so no line written before the kill is lost
        assert worker.stdout is not None
        for line in worker.stdout:
            lines.append(line)

    reader = threading.Thread(target=read_all)
    reader.start()
    try:
        deadline = time.monotonic() + 300
        while sum(x.startswith("ok ") for x in lines) < 9 and worker.poll() is None:
            assert time.monotonic() < deadline, "the worker is too slow"
            time.sleep(0.05)
        worker.send_signal(signal.SIGKILL)
    finally:
        if worker.poll() is None:
            worker.kill()
        worker.wait()
        reader.join()
        errlog.close()
    err = (tmp_path / "worker.err").read_text()
    acknowledged = {int(x.split()[1]): x.split()[3] for x in lines if x.startswith("ok ")}
    assert len(acknowledged) >= 9, f"the worker acknowledged too few check-ins: {err[-2000:]}"

    ws = Workspace(settings, comentor=Comentor(settings, retriever=make_retriever(settings)))
    stored = {c.id: c for c in ws.list_checkins("nw", PAIR)}
    for ident, marker in acknowledged.items():
        assert stored[ident].notes == NOTES.format(marker=marker)
        assert stored[ident].status == "summarized" and stored[ident].summary is not None
    # whatever was caught mid-summary kept its notes, is pending, and retries to the end
    unfinished = [c for c in stored.values() if c.status != "summarized"]
    for checkin in unfinished:
        assert checkin.status == "pending" and checkin.summary is None
        assert checkin.notes.startswith("Check-in m")
    for checkin in stored.values():
        assert (checkin.summary is not None) == (checkin.status == "summarized")
    for checkin in unfinished:
        assert ws.retry_checkin("nw", PAIR, checkin.id).status == "summarized"
    ledger_ids = {e.checkin_id for e in ws.ledger("nw", PAIR).entries}
    assert ledger_ids <= set(stored)
    print(f"{len(acknowledged)} acknowledged, {len(stored)} stored, {len(unfinished)} retried")
    ws.close()
