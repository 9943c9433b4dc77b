"""Test helper: run an ingest in its own process, reporting progress on stdout.

    python tests/ingest_worker.py DATA_DIR FOLDER [--flush N] [--pause SECONDS]
                                   [--hold-until PATH]

Prints ``file <done>/<total>`` after each file and ``stored <count>`` after each write to
the store, flushing stdout, so a test can kill the process (SIGKILL) at a known point or
run `comentor ask` while it is still writing. ``--flush`` makes store writes smaller and
more frequent; ``--pause`` sleeps after each file so a run lasts long enough to watch;
``--hold-until`` stops after the first write (lock held, passages stored) until PATH exists.
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
    parser.add_argument("--hold-until", type=Path, default=None)
    args = parser.parse_args()
    if args.flush:
        ingest_module.EMBED_FLUSH = ingest_module.EMBED_FIRST_FLUSH = args.flush
    settings = Settings(_env_file=None, data_dir=args.data_dir)
    retriever = build_retriever(settings)
    store = retriever.store
    upsert = store.upsert
    writes: list[int] = []

    def reporting_upsert(*a: object, **kw: object) -> None:
        upsert(*a, **kw)  # type: ignore[arg-type]
        writes.append(store.count())
        print(f"stored {writes[-1]}", flush=True)

    store.upsert = reporting_upsert  # type: ignore[method-assign]

    def progress(done: int, total: int, name: str) -> None:
        print(f"file {done}/{total}", flush=True)
        if args.pause:
            time.sleep(args.pause)
        if args.hold_until is not None and writes:
            print("holding", flush=True)
            while not args.hold_until.exists():
                time.sleep(0.05)
            args.hold_until = None

    report = ingest_module.ingest(
        [args.folder], settings=settings, retriever=retriever, progress=progress
    )
    print(f"done {report.total_chunks}", flush=True)


if __name__ == "__main__":
    main()
