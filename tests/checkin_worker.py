"""Test helper: submit check-ins through a Workspace from several threads, forever.

    python tests/checkin_worker.py GUIDES_DIR THREADS

Settings come from the environment (COMENTOR_DATA_DIR, COMENTOR_DATABASE_URL). The
worker ingests GUIDES_DIR, prints ``ready``, then each thread submits check-ins to the
program ``nw`` (which the test stores first) and prints ``ok <id> <status> <marker>`` once
``submit_checkin`` has returned, flushing stdout, so a test can SIGKILL the process at any
moment and check that every acknowledged check-in is stored. Not used by the product.
"""

from __future__ import annotations

import itertools
import sys
import threading
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from assistant.config import Settings
from assistant.knowledge.ingest import ingest
from assistant.knowledge.retrieval import build_retriever
from assistant.service import Comentor
from assistant.workspace import Workspace

NOTES = (
    "Check-in {marker}. Hana showed Marcus how window functions work in SQL and he tried two "
    "on the carrier table. Marcus explained why planners override the route optimizer. "
    "Hana will send Marcus a practice exercise by Friday; Marcus will pull the override log."
)
_lock = threading.Lock()
_counter = itertools.count(1)


def main() -> None:
    guides, threads = Path(sys.argv[1]), int(sys.argv[2])
    settings = Settings(_env_file=None)
    retriever = build_retriever(settings)
    ingest([guides], settings=settings, retriever=retriever)
    workspace = Workspace(settings, comentor=Comentor(settings, retriever=retriever))
    print("ready", flush=True)

    def submit() -> None:
        while True:
            marker = f"m{next(_counter)}"
            view = workspace.submit_checkin(
                "nw", "marcus-hana-comentoring", notes=NOTES.format(marker=marker)
            )
            with _lock:
                print(f"ok {view.id} {view.status.value} {marker}", flush=True)

    workers = [threading.Thread(target=submit, daemon=True) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()


if __name__ == "__main__":
    main()
