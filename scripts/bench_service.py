"""Benchmark the service against the same work run in-process; print JSON.

    .venv/bin/python scripts/bench_service.py [--suite jobs chat] [--runs 3]
        [--concurrency 1 8 32] [--requests 60 160 160] [--workers CPUS] [--job-threads 4]
        [--questions 24] [--data-dir DIR] [--out FILE]

Two suites, each against a live `comentor serve` on loopback (bearer tokens, SQLite, one
worker per core unless ``--workers``, each warmed up; keep-alive ``http.client`` clients, one
per thread) and in this process with the same concurrency (threads), never both at once.
The two sides take turns cell by cell (the service's 8 clients, then 8 threads in-process,
then 32 and 32...; which side goes first alternates from run to run), so that a machine
whose speed drifts over a minute (a shared VM's does) slows both sides of a ratio alike:

* ``jobs``: agenda POSTs and check-in POSTs versus the same jobs through
  :class:`assistant.workspace.Workspace` (which stores them too);
* ``chat``: knowledge questions through ``POST /chat`` (as a mentee) versus
  ``Comentor.ask`` in-process; plus intent-routing latency over the 222 labelled utterances
  of ``evals/chat/intents.yaml`` (in-process) and the time to the first SSE event of a
  streamed ``/chat`` for a wording the server has not seen.

For every cell: requests/s, p50/p95 latency and errors; per suite the ratio service ÷
in-process throughput (target ≥ 0.8: HTTP, auth and the database cost at most a fifth) and
the server's peak RSS (psutil, all workers). In-process is one process, its threads sharing
one GIL; the service runs one worker per core as it would be deployed (``--workers 1``
measures a single worker against the same). Every side is warmed up first (first-use loading
and the sentence-embedding cache are not what is measured). Each cell is the median of ``--runs``
runs; a ratio is the median of the runs' paired ratios (each run's service cell over the
in-process cell measured right beside it). Never part of `make test`.
"""

from __future__ import annotations

import argparse
import http.client
import itertools
import json
import os
import platform
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
import psutil  # noqa: E402
import yaml  # noqa: E402

from assistant.chat import Conversation, IntentClassifier, ProgramJobs  # noqa: E402
from assistant.chat.router import route  # noqa: E402
from assistant.cli.serve import DEMO_PROGRAM_ID, prepare  # noqa: E402
from assistant.config import Settings  # noqa: E402
from assistant.program import load_program  # noqa: E402
from assistant.records import Role  # noqa: E402
from assistant.workspace import Workspace  # noqa: E402
from evals.intents import score_intents  # noqa: E402

# Pairs of the demo program (groups serialize on their rotation row, by design).
PAIRS = ["amara-leo-reverse", "diane-kwame-traditional", "marcus-hana-comentoring"]
NOTES = yaml.safe_load(
    (ROOT / "evals" / "checkins" / "ci-001-reverse-bullets.yaml").read_text(encoding="utf-8")
)["notes"]
CHAT_USER = "leo"  # the demo program's mentee the chat suite signs in as

Call = Callable[[int], bool]
Suite = dict[str, Callable[[], Call]]  # per measured job, a factory of callables


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


def measure(n: int, concurrency: int, call: Call) -> dict[str, Any]:
    """Run ``call(i)`` for i in range(n) on ``concurrency`` threads."""
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()

    def one(i: int) -> None:
        nonlocal errors
        start = time.perf_counter()
        try:
            ok = call(i)
        except Exception as exc:  # an error is counted, never fatal to the run
            print(f"error: {type(exc).__name__}: {exc}"[:300], file=sys.stderr)
            ok = False
        took = time.perf_counter() - start
        with lock:
            latencies.append(took)
            errors += 0 if ok else 1

    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        list(pool.map(one, range(n)))
    wall = time.perf_counter() - start
    return {
        "requests": n,
        "rps": n / wall,
        "p50_ms": 1000 * percentile(latencies, 0.5),
        "p95_ms": 1000 * percentile(latencies, 0.95),
        "errors": errors,
    }


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Server:
    """`comentor serve` in a subprocess, with an RSS sampler (the workers' included)."""

    def __init__(
        self, data_dir: Path, *, job_threads: int, workers: int, env: dict[str, str]
    ) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        environ = {k: v for k, v in os.environ.items() if not k.startswith("COMENTOR_")}
        environ.update(env, COMENTOR_DATA_DIR=str(data_dir))
        exe = Path(sys.executable).with_name("comentor")
        self.log = (data_dir / "bench-serve.log").open("wb")
        command = [str(exe), "serve", "--port", str(self.port)]
        command += ["--job-threads", str(job_threads), "--workers", str(workers)]
        self.proc = subprocess.Popen(
            [*command, "--log-level", "warning"],
            stdout=self.log,
            stderr=subprocess.STDOUT,
            env=environ,
            cwd=ROOT,
        )
        self.peak_rss = 0
        self._stop = threading.Event()
        deadline = time.monotonic() + 180
        while True:
            try:
                if httpx.get(f"{self.url}/readyz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise SystemExit("comentor serve did not become ready")
            time.sleep(0.25)
        self._sampler = threading.Thread(target=self._sample, daemon=True)
        self._sampler.start()

    def _sample(self) -> None:
        process = psutil.Process(self.proc.pid)
        while not self._stop.is_set():
            try:
                rss = process.memory_info().rss + sum(
                    c.memory_info().rss for c in process.children(recursive=True)
                )
            except psutil.Error:
                return
            self.peak_rss = max(self.peak_rss, rss)
            time.sleep(0.1)

    def stop(self) -> None:
        self._stop.set()
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.log.close()


class Poster:
    """A keep-alive JSON poster on the standard library's ``http.client``, one per thread.

    The load generator shares the machine's cores with the server, so its own cost counts
    against the service: on 2 cores httpx spent 6-7 ms of CPU per request at 32 client
    threads (1.5-2 ms at one), ``http.client`` under 1 ms, for the same requests."""

    def __init__(self, url: str, token: str) -> None:
        host, port = url.removeprefix("http://").split(":")
        self.host, self.port = host, int(port)
        self.headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        self.connection: http.client.HTTPConnection | None = None

    def post(self, path: str, body: dict[str, Any]) -> tuple[int, Any]:
        payload = json.dumps(body).encode()
        for attempt in (1, 2):
            fresh = self.connection is None
            if self.connection is None:
                self.connection = http.client.HTTPConnection(self.host, self.port, timeout=300)
            try:
                self.connection.request("POST", path, payload, self.headers)
                response = self.connection.getresponse()
                data = response.read()
                return response.status, json.loads(data) if data else None
            except (OSError, http.client.HTTPException):
                self.connection.close()
                self.connection = None
                # The server closes keep-alive connections left idle (uvicorn: 5 s); the
                # request never reached it, so it is sent again once on a new connection.
                if fresh or attempt == 2:
                    raise
        raise AssertionError("unreachable")


def _client_factory(url: str, token: str) -> Callable[[], Poster]:
    """One keep-alive poster per thread."""
    local = threading.local()

    def client() -> Poster:
        if not hasattr(local, "client"):
            local.client = Poster(url, token)
        poster: Poster = local.client
        return poster

    return client


# -- the jobs suite --------------------------------------------------------------------------


def service_jobs(url: str, token: str) -> Suite:
    client = _client_factory(url, token)

    def path(i: int, job: str) -> str:
        return f"/api/programs/{DEMO_PROGRAM_ID}/relationships/{PAIRS[i % len(PAIRS)]}/{job}"

    def agenda(i: int) -> bool:
        status, _ = client().post(path(i, "agenda"), {"minutes": 45})
        return status == 201

    def checkin(i: int) -> bool:
        status, body = client().post(path(i, "checkins"), {"notes": NOTES})
        return status == 201 and body["status"] == "summarized"

    return {"agenda": lambda: agenda, "checkin": lambda: checkin}


def inprocess_jobs(workspace: Workspace) -> Suite:
    def agenda(i: int) -> bool:
        record = workspace.agenda(DEMO_PROGRAM_ID, PAIRS[i % len(PAIRS)], minutes=45)
        return record.agenda.total_minutes == 45

    def checkin(i: int) -> bool:
        view = workspace.submit_checkin(DEMO_PROGRAM_ID, PAIRS[i % len(PAIRS)], notes=NOTES)
        return view.status == "summarized"

    return {"agenda": lambda: agenda, "checkin": lambda: checkin}


# -- the chat suite --------------------------------------------------------------------------


def ask_questions(classifier: IntentClassifier, limit: int) -> list[str]:
    """Knowledge questions the router sends to `ask` (as the mentee, no conversation yet),
    numbered as :func:`wordings` numbers them too."""
    raw = yaml.safe_load((ROOT / "evals" / "knowledge" / "questions.yaml").read_text())
    program = load_program(ROOT / "examples" / "program.yaml")
    scope = ProgramJobs(None, program, program_id=DEMO_PROGRAM_ID, me=CHAT_USER).scope()  # type: ignore[arg-type]

    def asks(text: str) -> bool:
        return route(text, Conversation(), scope, classifier).intent == "ask"

    routed = [
        c["question"]
        for c in raw
        if asks(c["question"])
        and asks(wording(c["question"], 0))
        and asks(wording(c["question"], 999))
    ]
    return routed[:limit]


def wording(question: str, n: int) -> str:
    """``question`` with the case of its letters flipped as the bits of ``n`` say: a text no
    cache has seen, which the (uncased) embedder, the lexical index and the router read
    exactly as the question itself, so every request does the same work."""
    out, bit = [], 0
    for char in question:
        if char.isalpha():
            out.append(char.swapcase() if (n >> bit) & 1 else char)
            bit += 1
        else:
            out.append(char)
    return "".join(out)


def wordings(questions: list[str], start: int = 1) -> Callable[[], str]:
    """Each call a wording no side has seen, so no query is answered from a cache; the
    guidance's sentences are cached on both sides alike after the warm-up. Give each run
    its own ``start`` (far apart) when a process outlives a run."""
    counter = itertools.count(start)

    def next_wording() -> str:
        n = next(counter)
        return wording(questions[n % len(questions)], n)

    return next_wording


def service_chat(url: str, token: str, questions: list[str], start: int = 1) -> Suite:
    client = _client_factory(url, token)
    wording = wordings(questions, start)

    def ask(i: int) -> bool:
        status, body = client().post("/chat", {"message": wording()})
        return status == 200 and body["intent"] == "ask"

    return {"knowledge": lambda: ask}


def inprocess_chat(workspace: Workspace, questions: list[str], start: int = 1) -> Suite:
    wording = wordings(questions, start)

    def ask(i: int) -> bool:
        return bool(workspace.comentor.ask(wording()).answer)

    return {"knowledge": lambda: ask}


def first_sse_event(url: str, token: str, questions: list[str]) -> list[float]:
    """Milliseconds to the first SSE event, for wordings the server has not seen."""
    firsts: list[float] = []
    with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}) as http:
        for n, question in enumerate(questions):
            fresh = f"One more thing ({n}): {question[0].lower()}{question[1:]}"
            start = time.perf_counter()
            seen = False
            body = {"message": fresh, "stream": True}
            with http.stream("POST", "/chat", json=body, timeout=300) as response:
                for line in response.iter_lines():  # read to the end: the whole reply is served
                    if not seen and line.startswith("event:"):
                        firsts.append((time.perf_counter() - start) * 1000)
                        seen = True
    return firsts


def routing_latency(classifier: IntentClassifier) -> dict[str, Any]:
    scores = score_intents(
        classifier, ROOT / "evals" / "chat" / "intents.yaml", ROOT / "evals" / "programs"
    )
    times = [o.ms for o in scores.outcomes]
    return {
        "utterances": len(times),
        "p50_ms": round(statistics.median(times), 2),
        "p95_ms": round(percentile(times, 0.95), 2),
        "intent_accuracy": round(scores.accuracy, 4),
    }


# -- running and reporting -------------------------------------------------------------------


def run_paired(
    sides: list[Suite], plan: list[tuple[int, int]], warm: int, flip: bool, workers: int = 1
) -> list[dict[str, Any]]:
    """Each suite's cells, the sides taking turns cell by cell (``flip``: the last side
    first), every side warmed up before its first cell."""
    out: list[dict[str, Any]] = [{} for _ in sides]
    top = max(c for c, _ in plan)
    for job in sides[0]:
        calls = [suite[job]() for suite in sides]
        for call in calls:
            # Warm-up: first-use loading and caches are not measured. Then as many clients
            # at once as the busiest cell, and enough requests that every worker of a
            # `--workers N` server (each has caches of its own, and onnxruntime keeps
            # getting faster over the first few hundred inputs; the kernel places the
            # connections) gets about 8 of each request.
            for i in range(warm):
                call(i)
            measure(max(8 * warm * workers, 2 * top), top, call)
        for result in out:
            result[job] = {}
        order = list(range(len(sides)))[::-1] if flip else list(range(len(sides)))
        for c, n in plan:
            for side in order:
                out[side][job][c] = measure(n, c, calls[side])
    return out


def median_cells(runs: list[dict[str, Any]]) -> dict[str, Any]:
    merged: dict[str, Any] = {}
    for job in runs[0]:
        merged[job] = {}
        for c in runs[0][job]:
            cells = [r[job][c] for r in runs]
            merged[job][str(c)] = {
                "requests": cells[0]["requests"],
                "rps": round(statistics.median(x["rps"] for x in cells), 1),
                "p50_ms": round(statistics.median(x["p50_ms"] for x in cells), 1),
                "p95_ms": round(statistics.median(x["p95_ms"] for x in cells), 1),
                "errors": sum(x["errors"] for x in cells),
            }
    return merged


def compare(service_runs: list[Any], inprocess_runs: list[Any]) -> dict[str, Any]:
    service = median_cells(service_runs)
    inprocess = median_cells(inprocess_runs) if inprocess_runs else {}
    ratio = {
        job: {
            str(c): round(
                statistics.median(
                    s[job][c]["rps"] / i[job][c]["rps"]
                    for s, i in zip(service_runs, inprocess_runs, strict=True)
                ),
                2,
            )
            for c in service_runs[0][job]
        }
        for job in inprocess
    }
    errors = sum(c["errors"] for job in service.values() for c in job.values())
    return {
        "service": service,
        "in_process": inprocess,
        "service_over_in_process": ratio,
        "errors": errors,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--suite", nargs="+", choices=["jobs", "chat"], default=["jobs", "chat"])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 8, 32])
    parser.add_argument("--requests", type=int, nargs="+", default=[60, 160, 160])
    parser.add_argument("--questions", type=int, default=24, help="chat: distinct questions")
    parser.add_argument("--data-dir", type=Path, default=None)
    parser.add_argument(
        "--workers",
        type=int,
        default=os.cpu_count() or 1,
        help="comentor serve --workers (default: one per core, as the service is meant to run)",
    )
    parser.add_argument("--job-threads", type=int, default=4, help="comentor serve --job-threads")
    parser.add_argument("--skip-in-process", action="store_true")
    parser.add_argument("--out", type=Path, help="also write the JSON here")
    args = parser.parse_args()
    if len(args.requests) != len(args.concurrency):
        parser.error("give one --requests count per --concurrency level")
    plan = list(zip(args.concurrency, args.requests, strict=True))

    data_dir = args.data_dir or Path(tempfile.mkdtemp(prefix="comentor-bench-service-"))
    settings = Settings(_env_file=None, data_dir=data_dir)
    prepare(settings, demo=True, say=lambda m: print(m, file=sys.stderr))
    setup = Workspace(settings)
    try:
        tag = f"{os.getpid()}-{int(time.time())}"
        admin = setup.records.add_user(f"bench-admin-{tag}", Role.ADMIN)[1]
        mentee = setup.records.add_user(
            f"bench-leo-{tag}", Role.MENTEE, participant_id=CHAT_USER, program_id=DEMO_PROGRAM_ID
        )[1]
        classifier = IntentClassifier.from_file(setup.comentor.retriever.store.embedder)
        classifier.warm()
        questions = ask_questions(classifier, args.questions) if "chat" in args.suite else []
        routing = routing_latency(classifier) if "chat" in args.suite else None
    finally:
        setup.close()

    # The chat's rate limit protects users, not benchmarks.
    env = {"COMENTOR_CHAT_RATE_PER_MINUTE": "1000000", "COMENTOR_CHAT_BURST": "100000"}
    runs: dict[str, tuple[list[Any], list[Any]]] = {s: ([], []) for s in args.suite}
    firsts: list[float] = []
    peak_rss = 0
    for run in range(args.runs):
        print(f"run {run + 1}/{args.runs}", file=sys.stderr)
        # Both sides open (the embedded store is read by both; only one side works at a
        # time), so that their cells can take turns.
        server = Server(data_dir, job_threads=args.job_threads, workers=args.workers, env=env)
        workspace = None if args.skip_in_process else Workspace(settings)
        start = 1 + run * 1_000_000  # this run's wordings: none seen in an earlier run
        try:
            for name in args.suite:
                if name == "jobs":
                    sides = [service_jobs(server.url, admin)]
                    if workspace is not None:
                        sides.append(inprocess_jobs(workspace))
                    warm = 4
                else:
                    sides = [service_chat(server.url, mentee, questions, start)]
                    if workspace is not None:
                        sides.append(inprocess_chat(workspace, questions, start))
                    warm = len(questions)
                cells = run_paired(sides, plan, warm, flip=run % 2 == 1, workers=args.workers)
                for side, result in enumerate(cells):
                    runs[name][side].append(result)
            if "chat" in args.suite:
                firsts += first_sse_event(server.url, mentee, questions)
        finally:
            server.stop()
            if workspace is not None:
                workspace.close()
        peak_rss = max(peak_rss, server.peak_rss)

    report: dict[str, Any] = {
        "benchmark": "service",
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "load_average": [round(x, 2) for x in os.getloadavg()],
        },
        "runs": args.runs,
        "server": {
            "workers": args.workers,
            "job_threads": args.job_threads,
            "database": "sqlite",
            "auth": "bearer token",
        },
        "target_ratio": 0.8,
    }
    if "jobs" in args.suite:
        report["jobs"] = compare(*runs["jobs"])
    if "chat" in args.suite:
        report["chat"] = {
            "questions": len(questions),
            "knowledge": compare(*runs["chat"]),
            "routing": routing,
            "time_to_first_sse_event": {
                "requests": len(firsts),
                "p50_ms": round(percentile(firsts, 0.5), 1),
                "p95_ms": round(percentile(firsts, 0.95), 1),
            },
        }
    report["errors"] = sum(
        part["errors"]
        for part in (report.get("jobs"), report.get("chat", {}).get("knowledge"))
        if part
    )
    report["server_peak_rss_mb"] = round(peak_rss / 2**20, 1)
    text = json.dumps(report, indent=2)
    print(text)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text + "\n")


if __name__ == "__main__":
    main()
