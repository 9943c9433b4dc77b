"""Benchmark the chat service and print JSON (never part of the test suite).

    .venv/bin/python scripts/bench_chat.py [--clients 1 8 32] [--questions 24]
                                           [--index-from DATA_DIR] [--out reports/bench_chat.json]

Measures, on this machine, in one run:
  * intent routing latency (p50/p95) in-process: every utterance of evals/chat/intents.yaml
    routed as its case's user (classification, slots, relationship; no job runs);
  * knowledge questions (evals/knowledge/questions.yaml, those the router sends to `ask`)
    through ``POST /chat`` on a live ``comentor serve`` at 1, 8 and 32 concurrent clients,
    versus ``answer_question`` in-process (``Comentor.ask``) at the same concurrency:
    requests/s, p50/p95 latency, errors, and the service / in-process throughput ratio;
  * time to the first SSE event of ``POST /chat`` with ``stream: true`` (p50/p95).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from assistant.chat import Conversation, IntentClassifier, ProgramJobs  # noqa: E402
from assistant.chat.router import route  # noqa: E402
from assistant.config import Settings  # noqa: E402
from assistant.knowledge.ingest import ingest  # noqa: E402
from assistant.knowledge.retrieval import build_retriever  # noqa: E402
from assistant.program import load_program  # noqa: E402
from assistant.records import Records, Role  # noqa: E402
from assistant.service import Comentor  # noqa: E402
from assistant.workspace import Workspace  # noqa: E402
from evals.intents import score_intents  # noqa: E402


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * (len(ordered) - 1)))], 2)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def run_clients(
    call: Callable[[str], None], items: list[str], clients: int, rounds: int = 1
) -> dict[str, Any]:
    """``call`` over ``items`` (repeated ``rounds`` times) from ``clients`` threads."""
    work = items * rounds
    latencies: list[float] = []
    errors: list[str] = []

    def one(item: str) -> None:
        start = time.perf_counter()
        try:
            call(item)
            latencies.append((time.perf_counter() - start) * 1000)
        except Exception as exc:
            errors.append(f"{type(exc).__name__}: {exc}"[:200])

    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=clients) as pool:
        list(pool.map(one, work))
    elapsed = time.perf_counter() - start
    return {
        "clients": clients,
        "requests": len(work),
        "rps": round(len(latencies) / elapsed, 2),
        "p50_ms": pct(latencies, 0.5) if latencies else None,
        "p95_ms": pct(latencies, 0.95) if latencies else None,
        "errors": len(errors),
        "first_errors": errors[:3],
    }


def routing_latency(classifier: IntentClassifier) -> dict[str, Any]:
    path = ROOT / "evals" / "chat" / "intents.yaml"
    scores = score_intents(classifier, path, ROOT / "evals" / "programs")
    times = [o.ms for o in scores.outcomes]
    return {
        "utterances": len(times),
        "p50_ms": round(statistics.median(times), 2),
        "p95_ms": pct(times, 0.95),
        "intent_accuracy": round(scores.accuracy, 4),
    }


def ask_questions(classifier: IntentClassifier, limit: int) -> tuple[list[str], int]:
    """Knowledge questions the router sends to `ask` (as Leo, no conversation yet)."""
    raw = yaml.safe_load((ROOT / "evals" / "knowledge" / "questions.yaml").read_text())
    program = load_program(ROOT / "examples" / "program.yaml")
    scope = ProgramJobs(None, program, program_id="demo", me="leo").scope()  # type: ignore[arg-type]
    questions = [c["question"] for c in raw][: limit * 2]
    routed = [q for q in questions if route(q, Conversation(), scope, classifier).intent == "ask"]
    return routed[:limit], len(questions)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clients", type=int, nargs="+", default=[1, 8, 32])
    parser.add_argument("--questions", type=int, default=24)
    parser.add_argument("--index-from", type=Path, help="an ingested data dir to copy")
    parser.add_argument("--out", type=Path, help="also write the JSON here")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="bench-chat-"))
    data = work / "data"
    data.mkdir()
    if args.index_from:
        for name in ("chroma", "lexical"):
            if (args.index_from / name).exists():
                shutil.copytree(args.index_from / name, data / name)
    settings = Settings(_env_file=None, data_dir=data)
    retriever = build_retriever(settings)
    ingest(None, settings=settings, retriever=retriever)
    comentor = Comentor(settings, retriever=retriever)
    classifier = IntentClassifier.from_file(retriever.store.embedder)
    classifier.warm()
    report: dict[str, Any] = {"routing": routing_latency(classifier)}
    questions, considered = ask_questions(classifier, args.questions)
    report["questions"] = {"routed_to_ask": len(questions), "considered": considered}

    workspace = Workspace(settings, comentor=comentor)
    workspace.put_program("demo", yaml.safe_load((ROOT / "examples" / "program.yaml").read_text()))
    records: Records = workspace.records
    _, token = records.add_user("bench-leo", Role.MENTEE, participant_id="leo", program_id="demo")
    workspace.close()

    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("COMENTOR_")}
    env.update(
        COMENTOR_DATA_DIR=str(data),
        COMENTOR_CHAT_RATE_PER_MINUTE="1000000",
        COMENTOR_CHAT_BURST="100000",
    )
    log = (work / "serve.log").open("wb")
    exe = Path(sys.executable).with_name("comentor")
    proc = subprocess.Popen(
        [str(exe), "serve", "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"],
        stdout=log,
        stderr=subprocess.STDOUT,
        env=env,
        cwd=ROOT,
    )
    url = f"http://127.0.0.1:{port}"
    headers = {"Authorization": f"Bearer {token}"}
    try:
        deadline = time.monotonic() + 180
        while True:
            try:
                if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(
                    f"server did not start:\n{(work / 'serve.log').read_text()[-2000:]}"
                )
            time.sleep(0.25)
        with httpx.Client(base_url=url, headers=headers, timeout=300) as warm:
            warm.post("/chat", json={"message": questions[0]}).raise_for_status()

        def in_process(question: str) -> None:
            comentor.ask(question)

        client = httpx.Client(
            base_url=url,
            headers=headers,
            timeout=300,
            limits=httpx.Limits(max_connections=64, max_keepalive_connections=64),
        )

        def via_chat(question: str) -> None:
            response = client.post("/chat", json={"message": question})
            response.raise_for_status()
            if response.json()["intent"] not in ("ask", "decline"):
                raise RuntimeError(f"routed to {response.json()['intent']}")

        levels = []
        comentor.ask(questions[0])  # warm the in-process path too
        for clients in args.clients:
            rounds = max(1, clients // len(questions) + 1) if clients > len(questions) else 1
            local = run_clients(in_process, questions, clients, rounds)
            served = run_clients(via_chat, questions, clients, rounds)
            ratio = round(served["rps"] / local["rps"], 3) if local["rps"] else None
            levels.append({"clients": clients, "chat": served, "in_process": local, "ratio": ratio})
            print(json.dumps(levels[-1]), file=sys.stderr, flush=True)
        report["knowledge_via_chat"] = levels

        firsts: list[float] = []
        for question in questions:
            # A wording the server has not seen, so routing embeds it afresh.
            fresh = f"One more thing: {question[0].lower()}{question[1:]}"
            start = time.perf_counter()
            with client.stream("POST", "/chat", json={"message": fresh, "stream": True}) as r:
                seen = False
                for line in r.iter_lines():  # read to the end: the whole reply is served
                    if not seen and line.startswith("event:"):
                        firsts.append((time.perf_counter() - start) * 1000)
                        seen = True
        report["time_to_first_sse_event"] = {
            "requests": len(firsts),
            "p50_ms": pct(firsts, 0.5),
            "p95_ms": pct(firsts, 0.95),
        }
        client.close()
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
        shutil.rmtree(work, ignore_errors=True)
    text = json.dumps(report, indent=2)
    print(text)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text + "\n")


if __name__ == "__main__":
    main()
