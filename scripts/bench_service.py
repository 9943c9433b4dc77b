"""Benchmark the REST service against the same jobs run in-process; print JSON.

    .venv/bin/python scripts/bench_service.py [--runs 3] [--requests 60 160 160]
                                              [--concurrency 1 8 32] [--data-dir DIR]

For agenda POSTs and check-in POSTs at 1, 8 and 32 concurrent clients (one httpx client per
thread, bounded request counts), against a live `comentor serve` on loopback (one worker,
bearer token, SQLite): requests/s, p50/p95 latency and errors; then the same jobs through
:class:`assistant.workspace.Workspace` in this process with the same concurrency
(threads), and the ratio service ÷ in-process throughput (target ≥ 0.8). The server's RSS
(peak, sampled with psutil) is reported too. Each cell is the median of ``--runs`` runs.
Never part of `make test`.

The data directory (a temporary one unless ``--data-dir``) gets the bundled guidance
ingested once (the first start's step) and the demo program; the server and the
in-process runs never use it at the same time (embedded Chroma is one process's store).
"""

from __future__ import annotations

import argparse
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

from assistant.cli.serve import DEMO_PROGRAM_ID, prepare  # noqa: E402
from assistant.config import Settings  # noqa: E402
from assistant.records import Role  # noqa: E402
from assistant.workspace import Workspace  # noqa: E402

# Pairs of the demo program (groups serialize on their rotation row, by design).
PAIRS = ["amara-leo-reverse", "diane-kwame-traditional", "marcus-hana-comentoring"]
NOTES = yaml.safe_load(
    (ROOT / "evals" / "checkins" / "ci-001-reverse-bullets.yaml").read_text(encoding="utf-8")
)["notes"]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


def measure(n: int, concurrency: int, call: Callable[[int], bool]) -> dict[str, Any]:
    """Run ``call(i)`` for i in range(n) on ``concurrency`` threads."""
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()

    def one(i: int) -> None:
        nonlocal errors
        start = time.perf_counter()
        ok = call(i)
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
    """`comentor serve` in a subprocess, with an RSS sampler."""

    def __init__(self, data_dir: Path, job_threads: int) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {k: v for k, v in os.environ.items() if not k.startswith("COMENTOR_")}
        env["COMENTOR_DATA_DIR"] = str(data_dir)
        exe = Path(sys.executable).with_name("comentor")
        self.log = (data_dir / "bench-serve.log").open("wb")
        self.proc = subprocess.Popen(
            [
                str(exe),
                "serve",
                "--port",
                str(self.port),
                "--job-threads",
                str(job_threads),
                "--log-level",
                "warning",
            ],
            stdout=self.log,
            stderr=subprocess.STDOUT,
            env=env,
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


def service_jobs(url: str, token: str) -> dict[str, Callable[[], Callable[[int], bool]]]:
    """Per job, a factory of per-thread callables (each thread keeps its own client)."""
    headers = {"Authorization": f"Bearer {token}"}
    local = threading.local()

    def client() -> httpx.Client:
        if not hasattr(local, "client"):
            local.client = httpx.Client(base_url=url, headers=headers, timeout=120)
        http: httpx.Client = local.client
        return http

    def path(i: int, job: str) -> str:
        return f"/api/programs/{DEMO_PROGRAM_ID}/relationships/{PAIRS[i % len(PAIRS)]}/{job}"

    def agenda(i: int) -> bool:
        response = client().post(path(i, "agenda"), json={"minutes": 45})
        return response.status_code == 201

    def checkin(i: int) -> bool:
        response = client().post(path(i, "checkins"), json={"notes": NOTES})
        return response.status_code == 201 and response.json()["status"] == "summarized"

    return {"agenda": lambda: agenda, "checkin": lambda: checkin}


def inprocess_jobs(workspace: Workspace) -> dict[str, Callable[[], Callable[[int], bool]]]:
    def agenda(i: int) -> bool:
        record = workspace.agenda(DEMO_PROGRAM_ID, PAIRS[i % len(PAIRS)], minutes=45)
        return record.agenda.total_minutes == 45

    def checkin(i: int) -> bool:
        view = workspace.submit_checkin(DEMO_PROGRAM_ID, PAIRS[i % len(PAIRS)], notes=NOTES)
        return view.status == "summarized"

    return {"agenda": lambda: agenda, "checkin": lambda: checkin}


def run_matrix(
    jobs: dict[str, Callable[[], Callable[[int], bool]]],
    plan: list[tuple[int, int]],
) -> dict[str, dict[int, dict[str, Any]]]:
    out: dict[str, dict[int, dict[str, Any]]] = {}
    for job, make in jobs.items():
        call = make()
        for _ in range(4):  # warm-up: first-use loading is not what is measured
            call(0)
        out[job] = {c: measure(n, c, call) for c, n in plan}
    return out


def median_cells(runs: list[dict[str, dict[int, dict[str, Any]]]]) -> dict[str, Any]:
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 8, 32])
    parser.add_argument("--requests", type=int, nargs="+", default=[60, 160, 160])
    parser.add_argument("--data-dir", type=Path, default=None)
    parser.add_argument("--job-threads", type=int, default=4, help="comentor serve --job-threads")
    parser.add_argument("--skip-in-process", action="store_true")
    args = parser.parse_args()
    if len(args.requests) != len(args.concurrency):
        parser.error("give one --requests count per --concurrency level")
    plan = list(zip(args.concurrency, args.requests, strict=True))

    data_dir = args.data_dir or Path(tempfile.mkdtemp(prefix="comentor-bench-service-"))
    settings = Settings(_env_file=None, data_dir=data_dir)
    prepare(settings, demo=True, say=lambda m: print(m, file=sys.stderr))
    setup = Workspace(settings)
    try:
        token = setup.records.add_user(f"bench-{os.getpid()}", Role.ADMIN)[1]
    finally:
        setup.close()

    service_runs, inprocess_runs, peak_rss = [], [], 0
    for run in range(args.runs):
        print(f"run {run + 1}/{args.runs}: service", file=sys.stderr)
        server = Server(data_dir, args.job_threads)
        try:
            service_runs.append(run_matrix(service_jobs(server.url, token), plan))
        finally:
            server.stop()
        peak_rss = max(peak_rss, server.peak_rss)
        if args.skip_in_process:
            continue
        print(f"run {run + 1}/{args.runs}: in-process", file=sys.stderr)
        workspace = Workspace(settings)
        try:
            inprocess_runs.append(run_matrix(inprocess_jobs(workspace), plan))
        finally:
            workspace.close()

    service = median_cells(service_runs)
    inprocess = median_cells(inprocess_runs) if inprocess_runs else {}
    ratio = {
        job: {c: round(service[job][c]["rps"] / inprocess[job][c]["rps"], 2) for c in service[job]}
        for job in inprocess
    }
    report = {
        "benchmark": "service",
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "runs": args.runs,
        "server": {
            "workers": 1,
            "job_threads": args.job_threads,
            "database": "sqlite",
            "auth": "bearer token",
        },
        "service": service,
        "in_process": inprocess,
        "service_over_in_process": ratio,
        "target_ratio": 0.8,
        "errors": sum(c["errors"] for job in service.values() for c in job.values()),
        "server_peak_rss_mb": round(peak_rss / 2**20, 1),
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
