"""Test helper: run an ingest in its own process, reporting progress on stdout.

    python tests/ingest_worker.py DATA_DIR FOLDER [--flush N] [--pause SECONDS]

Prints ``file <done>/<total>`` after each file and ``stored <count>`` after each write to
the store, flushing stdout, so a test can kill the process (SIGKILL) at a known point or
run `comentor ask` while it is still writing. ``--flush`` makes store writes smaller and
more frequent; ``--pause`` sleeps after each file so a run lasts long enough to watch.
Not used by the product.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from assistant.config import Settings
from assistant.knowledge import ingest as ingest_module
from assistant.knowledge.retrieval import build_retriever


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("data_dir", type=Path)
    parser.add_argument("folder", type=Path)
    parser.add_argument("--flush", type=int, default=0)
    parser.add_argument("--pause", type=float, default=0.0)
    args = parser.parse_args()
    if args.flush:
        ingest_module.EMBED_FLUSH = ingest_module.EMBED_FIRST_FLUSH = args.flush
    settings = Settings(_env_file=None, data_dir=args.data_dir)
    retriever = build_retriever(settings)
    store = retriever.store
    upsert = store.upsert

    def reporting_upsert(*a: object, **kw: object) -> None:
        upsert(*a, **kw)  # type: ignore[arg-type]
        print(f"stored {store.count()}", flush=True)

    store.upsert = reporting_upsert  # type: ignore[method-assign]

    def progress(done: int, total: int, name: str) -> None:
        print(f"file {done}/{total}", flush=True)
        if args.pause:
            time.sleep(args.pause)

    report = ingest_module.ingest(
        [args.folder], settings=settings, retriever=retriever, progress=progress
    )
    print(f"done {report.total_chunks}", flush=True)


if __name__ == "__main__":
    main()
