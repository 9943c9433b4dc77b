"""Benchmark the LLM engines; prints JSON.

1. Decoding speed of ``--engine local`` (Comentor's LangChain wrapper around llama.cpp)
   against raw llama-cpp-python on the same prompt and settings: tokens per second after the
   first token, time to first token, and their ratio (target >= 0.9).
2. End-to-end latency of every job per engine (grounded, fake, local; openai:MODEL too when
   OPENAI_BASE_URL is set and --openai MODEL is given), with the engine each result came
   from (an LLM result or a grounded fallback).

    python scripts/bench_llm.py [--runs 3] [--max-tokens 128] [--openai MODEL]

Needs the `local` extra. Uses a private data directory under /tmp unless COMENTOR_DATA_DIR
is set; ingests the bundled guidance there on first use.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PROMPT = [
    {"role": "system", "content": "You are a helpful mentoring assistant."},
    {
        "role": "user",
        "content": "Give a mentee five concrete tips for preparing their first session with "
        "a senior mentor, one sentence each.",
    },
]


def _timed_stream(pieces: Iterator[str]) -> dict[str, float]:
    start = time.perf_counter()
    first = None
    tokens = 0
    for piece in pieces:
        if not piece:
            continue
        tokens += 1
        if first is None:
            first = time.perf_counter()
    end = time.perf_counter()
    assert first is not None, "no tokens"
    decode = end - first
    return {
        "ttft_ms": (first - start) * 1000,
        "tokens": tokens,
        "tokens_per_s": (tokens - 1) / decode if decode > 0 else 0.0,
        "total_ms": (end - start) * 1000,
    }


def bench_decoding(runs: int, max_tokens: int) -> dict[str, Any]:
    from langchain_core.messages import HumanMessage, SystemMessage
    from llama_cpp import Llama

    from assistant.llm.backends import LlamaCppChatModel, default_local_model

    path = str(default_local_model())
    threads = os.cpu_count() or 1
    raw = Llama(model_path=path, n_ctx=2048, n_threads=threads, verbose=False)
    wrapped = LlamaCppChatModel(model_path=path, n_ctx=2048, n_threads=threads)
    messages = [SystemMessage(PROMPT[0]["content"]), HumanMessage(PROMPT[1]["content"])]

    def raw_run() -> Iterator[str]:
        for chunk in raw.create_chat_completion(
            messages=PROMPT,  # type: ignore[arg-type]
            max_tokens=max_tokens,
            temperature=0.0,
            stream=True,
        ):
            yield chunk["choices"][0]["delta"].get("content") or ""  # type: ignore[index]

    def comentor_run() -> Iterator[str]:
        for chunk in wrapped.stream(messages, max_tokens=max_tokens):
            yield str(chunk.content)

    raw_runs: list[dict[str, float]] = []
    ours: list[dict[str, float]] = []
    _timed_stream(raw_run())  # warm both (page in the weights)
    _timed_stream(comentor_run())
    for _ in range(runs):  # alternate, so background load hits both alike
        raw_runs.append(_timed_stream(raw_run()))
        ours.append(_timed_stream(comentor_run()))

    def med(rows: list[dict[str, float]], key: str) -> float:
        return round(statistics.median(r[key] for r in rows), 2)

    result = {
        "model": Path(path).name,
        "threads": threads,
        "max_tokens": max_tokens,
        "runs": runs,
        "raw_llama_cpp": {k: med(raw_runs, k) for k in raw_runs[0]},
        "comentor_local": {k: med(ours, k) for k in ours[0]},
    }
    result["tokens_per_s_ratio"] = round(
        result["comentor_local"]["tokens_per_s"] / result["raw_llama_cpp"]["tokens_per_s"], 3
    )
    return result


def bench_jobs(engines: list[str], settings: Any) -> dict[str, Any]:
    from assistant.knowledge.ingest import ingest
    from assistant.knowledge.retrieval import build_retriever
    from assistant.program import load_program
    from assistant.service import Comentor

    retriever = build_retriever(settings)
    ingest(None, settings=settings, retriever=retriever)
    program = load_program(ROOT / "examples" / "program.yaml")
    pair = "amara-leo-reverse"
    notes = (
        "Leo walked Amara through prompt engineering for her board reports.\n"
        "- Amara will draft the April board summary with ChatGPT by next Friday.\n"
        "- Leo will send Amara his prompt checklist tomorrow.\n"
    )
    import datetime as dt

    jobs: dict[str, Callable[[Comentor], Any]] = {
        "agenda": lambda s: s.agenda(program, pair, minutes=45, record_rotation=False),
        "questions": lambda s: s.questions(program, pair),
        "topics": lambda s: s.topics(program, pair),
        "summarize": lambda s: s.summarize(program, pair, notes, date=dt.date(2026, 3, 12)),
        "ask": lambda s: s.ask("How do I give feedback to a senior mentee?"),
    }
    out: dict[str, Any] = {}
    for spec in engines:
        service = Comentor(settings, retriever=retriever, engine=spec)
        jobs["agenda"](service)  # warm caches and load the model
        rows = {}
        for name, job in jobs.items():
            start = time.perf_counter()
            result = job(service)
            rows[name] = {
                "ms": round((time.perf_counter() - start) * 1000, 1),
                "engine": result.engine,
                "fallback_reason": result.fallback_reason,
            }
        out[spec] = rows
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--max-tokens", type=int, default=128)
    parser.add_argument("--openai", help="also time openai:MODEL (needs OPENAI_BASE_URL)")
    parser.add_argument("--skip-decoding", action="store_true")
    args = parser.parse_args()

    from assistant.config import Settings

    data = os.environ.get("COMENTOR_DATA_DIR") or tempfile.mkdtemp(prefix="comentor-bench-llm-")
    settings = Settings(_env_file=None, data_dir=Path(data))  # type: ignore[call-arg]
    report: dict[str, Any] = {}
    if not args.skip_decoding:
        report["decoding"] = bench_decoding(args.runs, args.max_tokens)
    engines = ["grounded", "fake", "local"] + ([f"openai:{args.openai}"] if args.openai else [])
    report["jobs"] = bench_jobs(engines, settings)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
