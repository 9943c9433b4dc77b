"""Benchmark the planners in-process and print JSON (never part of the test suite).

    .venv/bin/python scripts/bench_planners.py [--runs 5]

For every relationship of the eval programs, times `agenda`, `questions` and `topics`:
  * warm: the service as a long-running process sees it (phrase embeddings and the fixed
    guidance look-ups cached after the first call);
  * cold: the program-phrase cache emptied before every call (the model, the index, the
    embedded catalog and the per-mode guidance look-ups stay), i.e. the first request
    about a program the service has not seen; and cold including the guidance look-ups,
    i.e. the very first request of a freshly started service for that mode.
Uses a temporary data directory with the bundled knowledge ingested.
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

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from assistant.config import Settings  # noqa: E402
from assistant.knowledge.ingest import ingest  # noqa: E402
from assistant.knowledge.retrieval import build_retriever  # noqa: E402
from assistant.planners.common import GuidanceLookup  # noqa: E402
from assistant.program import Program, load_program  # noqa: E402
from assistant.service import Comentor  # noqa: E402


def calls(service: Comentor, programs: list[Program]) -> dict[str, list[Callable[[], Any]]]:
    out: dict[str, list[Callable[[], Any]]] = {"agenda": [], "questions": [], "topics": []}
    for program in programs:
        for rel in program.relationships:
            minutes = 25 if rel.mode.value == "flash" else 45

            def agenda(p: Program = program, r: str = rel.id, m: int = minutes) -> Any:
                return service.agenda(p, r, minutes=m, record_rotation=False)

            def questions(p: Program = program, r: str = rel.id) -> Any:
                return service.questions(p, r)

            out["agenda"].append(agenda)
            out["questions"].append(questions)
            if len(rel.participants) == 2:

                def topics(p: Program = program, r: str = rel.id) -> Any:
                    return service.topics(p, r)

                out["topics"].append(topics)
    return out


def timed(fn: Callable[[], Any]) -> float:
    start = time.perf_counter()
    fn()
    return (time.perf_counter() - start) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    programs = [load_program(p) for p in sorted((ROOT / "evals" / "programs").glob("*.yaml"))]
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(_env_file=None, data_dir=Path(tmp))  # type: ignore[call-arg]
        retriever = build_retriever(settings)
        ingest(None, settings=settings, retriever=retriever)
        service = Comentor(settings, retriever=retriever)
        jobs = calls(service, programs)
        for fns in jobs.values():  # load the model, the index and the data files once
            fns[0]()
        result: dict[str, Any] = {}
        for name, fns in jobs.items():
            warm = [timed(fn) for _ in range(args.runs) for fn in fns]
            cold, cold_guidance = [], []
            for _ in range(max(1, args.runs // 2)):
                for fn in fns:
                    service.matcher.forget()  # phrases of programs; the catalog stays
                    cold.append(timed(fn))
                    service.matcher.forget()
                    service.guidance = GuidanceLookup(retriever)  # and the fixed look-ups
                    cold_guidance.append(timed(fn))
            result[name] = {
                "calls": len(warm),
                "warm_p50_ms": round(statistics.median(warm), 2),
                "warm_p95_ms": round(sorted(warm)[int(0.95 * (len(warm) - 1))], 2),
                "cold_p50_ms": round(statistics.median(cold), 2),
                "cold_p95_ms": round(sorted(cold)[int(0.95 * (len(cold) - 1))], 2),
                "cold_incl_guidance_lookups_p50_ms": round(statistics.median(cold_guidance), 2),
            }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
