"""What the records cost: the same jobs through the Workspace (stored, history-aware) and
through the planning service alone, on SQLite and (with --postgres) on a throwaway
PostgreSQL server. Prints JSON.

    python scripts/bench_records.py [--rounds 40] [--postgres]

Uses a private temporary data directory; ingests the bundled guidance there first.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from assistant.config import Settings  # noqa: E402
from assistant.knowledge.ingest import ingest  # noqa: E402
from assistant.knowledge.retrieval import build_retriever  # noqa: E402
from assistant.service import Comentor  # noqa: E402
from assistant.workspace import Workspace  # noqa: E402

PAIR = "marcus-hana-comentoring"


def timed(fn: Callable[[], Any], rounds: int) -> dict[str, float]:
    fn()  # warm caches
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    return {
        "p50_ms": round(statistics.median(samples), 2),
        "p95_ms": round(samples[int(0.95 * (len(samples) - 1))], 2),
        "mean_ms": round(statistics.fmean(samples), 2),
    }


def run(url: str | None, data_dir: Path, comentor: Comentor, rounds: int) -> dict[str, Any]:
    settings = Settings(_env_file=None, data_dir=data_dir, database_url=url)  # type: ignore[call-arg]
    ws = Workspace(settings, comentor=comentor)
    document = yaml.safe_load((REPO / "evals" / "programs" / "northwind.yaml").read_text())
    ws.put_program("nw", document)
    program = ws.get_program("nw")
    case = yaml.safe_load(
        (REPO / "evals" / "checkins" / "ci-048-comentoring-messy.yaml").read_text()
    )
    notes = case["notes"]
    out = {
        "agenda_in_process": timed(lambda: comentor.agenda(program, PAIR), rounds),
        "agenda_workspace": timed(lambda: ws.agenda("nw", PAIR), rounds),
        "summary_in_process": timed(lambda: comentor.summarize(program, PAIR, notes), rounds),
        "checkin_workspace": timed(lambda: ws.submit_checkin("nw", PAIR, notes=notes), rounds),
    }
    for job, base in (
        ("agenda_workspace", "agenda_in_process"),
        ("checkin_workspace", "summary_in_process"),
    ):
        out[f"{job}_throughput_ratio"] = round(out[base]["mean_ms"] / out[job]["mean_ms"], 3)
    ws.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=40)
    parser.add_argument("--postgres", action="store_true", help="also run on PostgreSQL")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="comentor-bench-records-") as tmp:
        index = Settings(_env_file=None, data_dir=Path(tmp) / "index")  # type: ignore[call-arg]
        retriever = build_retriever(index)
        ingest(None, settings=index, retriever=retriever)
        comentor = Comentor(index, retriever=retriever)
        results: dict[str, Any] = {"rounds": args.rounds}
        results["sqlite"] = run(None, Path(tmp) / "sqlite", comentor, args.rounds)
        if args.postgres:
            from tests.pg import PostgresServer, find_pg_bin

            bin_dir = find_pg_bin()
            if bin_dir is None:
                raise SystemExit("PostgreSQL binaries not found: apt-get install postgresql")
            server = PostgresServer(bin_dir)
            server.start()
            try:
                results["postgresql"] = run(
                    server.new_database(), Path(tmp) / "pg", comentor, args.rounds
                )
            finally:
                server.stop()
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
