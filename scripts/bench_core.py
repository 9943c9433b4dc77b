"""Benchmark the grounded core and print JSON (never part of the test suite).

    .venv/bin/python scripts/bench_core.py [--sizes 1000 10000 100000] [--runs 5]
                                           [--external ../shared/external/handbooks]

Measures, on this machine:
  * embedding throughput of MiniLMEmbedder vs raw onnxruntime on the same texts
    (same tokenizer, same batch size; interleaved runs, median);
  * ingest throughput (chunks/s) of the bundled knowledge into a fresh store, and of a
    folder of real handbooks when --external is given;
  * hybrid query latency p50/p95 at several corpus sizes. Large corpora are synthetic:
    each passage recombines 3-5 real guidance sentences, and its vector is the normalised
    mean of those sentences' real embeddings plus noise, so texts, vocabulary and vector
    geometry resemble the real index without embedding 100k passages;
  * cold start of `comentor ask` (a new process, median of several) and peak memory.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from assistant.answer import split_sentences  # noqa: E402
from assistant.config import Settings, bundled_knowledge_dir  # noqa: E402
from assistant.knowledge.chunking import chunk_document  # noqa: E402
from assistant.knowledge.embeddings import MiniLMEmbedder  # noqa: E402
from assistant.knowledge.ingest import ingest  # noqa: E402
from assistant.knowledge.loaders import load_document  # noqa: E402
from assistant.knowledge.retrieval import build_retriever  # noqa: E402
from assistant.knowledge.store import build_store  # noqa: E402


def settings_for(data_dir: Path, **extra: Any) -> Settings:
    return Settings(_env_file=None, data_dir=data_dir, **extra)  # type: ignore[call-arg]


def guidance_chunks() -> list[Any]:
    chunks = []
    for path in sorted((bundled_knowledge_dir() / "guides").glob("*.md")):
        doc = load_document(path, f"knowledge/guides/{path.name}", path.read_bytes())
        chunks.extend(chunk_document(doc))
    return chunks


def raw_onnx_embed(session: Any, tokenizer: Any, texts: list[str], batch: int) -> np.ndarray:
    """The reference: plain tokenizers + onnxruntime + mean pooling, no Comentor code."""
    out = []
    for start in range(0, len(texts), batch):
        enc = tokenizer.encode_batch(texts[start : start + batch])
        ids = np.array([e.ids for e in enc], dtype=np.int64)
        mask = np.array([e.attention_mask for e in enc], dtype=np.int64)
        hidden = session.run(
            None, {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
        )[0]
        m = mask[:, :, None].astype(np.float32)
        pooled = (hidden * m).sum(1) / m.sum(1)
        out.append(pooled / np.linalg.norm(pooled, axis=1, keepdims=True))
    return np.vstack(out)


def bench_embedding(texts: list[str], runs: int) -> dict[str, Any]:
    import onnxruntime as ort
    from tokenizers import Tokenizer

    from assistant.knowledge.embeddings import BUNDLED_TOKENIZER, bundled_model_path

    # No cache of recent texts: the same texts are embedded in every run.
    embedder = MiniLMEmbedder(cache_size=0)
    embedder.embed(texts[:4])
    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    session = ort.InferenceSession(
        str(bundled_model_path()), sess_options=options, providers=["CPUExecutionProvider"]
    )
    tokenizer = Tokenizer.from_file(str(BUNDLED_TOKENIZER))
    tokenizer.enable_truncation(embedder.max_tokens)
    tokenizer.enable_padding()
    raw_onnx_embed(session, tokenizer, texts[:4], embedder.batch_size)
    pipeline_s, raw_s = [], []
    for _ in range(runs):  # interleaved so machine noise hits both alike
        t = time.perf_counter()
        ours = embedder.embed(texts)
        pipeline_s.append(time.perf_counter() - t)
        t = time.perf_counter()
        ref = raw_onnx_embed(session, tokenizer, texts, embedder.batch_size)
        raw_s.append(time.perf_counter() - t)
    agreement = float(np.min(np.sum(ours * ref, axis=1)))
    pipeline = len(texts) / statistics.median(pipeline_s)
    raw = len(texts) / statistics.median(raw_s)
    return {
        "texts": len(texts),
        "batch_size": embedder.batch_size,
        "pipeline_texts_per_s": round(pipeline, 1),
        "raw_onnxruntime_texts_per_s": round(raw, 1),
        "ratio_pipeline_vs_raw": round(pipeline / raw, 3),
        "min_cosine_pipeline_vs_raw": round(agreement, 5),
    }


def bench_ingest(folder: Path | None, runs: int) -> dict[str, Any]:
    results = []
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as tmp:
            settings = settings_for(Path(tmp))
            retriever = build_retriever(settings)
            t = time.perf_counter()
            report = ingest([folder] if folder else None, settings=settings, retriever=retriever)
            elapsed = time.perf_counter() - t
            t = time.perf_counter()
            again = ingest([folder] if folder else None, settings=settings, retriever=retriever)
            rerun = time.perf_counter() - t
            results.append((report.chunks_added / elapsed, elapsed, rerun, report, again))
    results.sort(key=lambda r: r[0])
    rate, elapsed, rerun, report, again = results[len(results) // 2]
    return {
        "source": str(folder or "bundled knowledge"),
        "files": report.files_found,
        "files_skipped": len(report.files_failed),
        "chunks": report.chunks_added,
        "seconds": round(elapsed, 2),
        "chunks_per_s": round(rate, 1),
        "unchanged_rerun_seconds": round(rerun, 2),
        "unchanged_rerun_chunks_written": again.chunks_added + again.chunks_updated,
    }


def synthetic_corpus(n: int, seed: int = 7) -> tuple[list[str], np.ndarray, list[dict[str, Any]]]:
    rng = random.Random(seed)
    sentences = sorted({s for c in guidance_chunks() for s in split_sentences(c.text)})
    vectors = MiniLMEmbedder().embed(sentences)
    modes = ["all", "reverse", "group", "circle", "peer", "flash", "traditional"]
    audiences = ["all", "mentor", "mentee", "coordinator"]
    texts, embs, metas = [], np.empty((n, vectors.shape[1]), dtype=np.float32), []
    noise = np.random.default_rng(seed)
    for i in range(n):
        picks = rng.sample(range(len(sentences)), rng.randint(3, 5))
        texts.append(" ".join(sentences[p] for p in picks))
        v = vectors[picks].mean(axis=0) + noise.normal(0, 0.02, vectors.shape[1])
        embs[i] = v / np.linalg.norm(v)
        metas.append(
            {
                "source": f"synthetic/doc-{i // 8:05d}.md",
                "title": f"Synthetic guide {i // 8}",
                "heading": f"Section {i % 8}",
                "modes": [rng.choice(modes)],
                "audiences": [rng.choice(audiences)],
            }
        )
    return texts, embs, metas


def peak_rss_mb() -> float:
    """This process's own peak resident memory (VmHWM). ``ru_maxrss`` would not do: on
    Linux a child started from this script inherits the parent's maximum."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(np.array(values), q))


def build_corpus(directory: Path, size: int) -> float:
    """Fill a store with a synthetic corpus; returns seconds taken."""
    settings = settings_for(directory)
    store = build_store(settings)
    texts, embs, metas = synthetic_corpus(size)
    t = time.perf_counter()
    store.upsert([f"synthetic/{i}#s" for i in range(size)], texts, embs, metas)
    store.bump_generation()
    build_retriever(settings, store).refresh()
    return time.perf_counter() - t


def measure_queries(directory: Path, queries: list[str], repeats: int) -> dict[str, Any]:
    """Query latency in a fresh process, as a CLI call or a restarted server would see it."""
    settings = settings_for(directory)
    retriever = build_retriever(settings)
    # The queries repeat: without this their embeddings would come from the LRU of recent
    # texts after the first pass, and the latency would leave the embedding out.
    retriever.store.embedder.cache_size = 0
    for q in queries[:5]:
        retriever.search(q, 5)
    timings, filtered, embed_ms = [], [], []
    for _ in range(repeats):
        for q in queries:
            t = time.perf_counter()
            retriever.search(q, 5)
            timings.append((time.perf_counter() - t) * 1000)
    for q in queries:
        t = time.perf_counter()
        retriever.search(q, 5, modes=["reverse"], audiences=["mentor"])
        filtered.append((time.perf_counter() - t) * 1000)
        t = time.perf_counter()
        retriever.store.embedder.embed([q])
        embed_ms.append((time.perf_counter() - t) * 1000)
    return {
        "chunks": retriever.store.count(),
        "queries": len(timings),
        "p50_ms": round(percentile(timings, 50), 2),
        "p95_ms": round(percentile(timings, 95), 2),
        "filtered_p50_ms": round(percentile(filtered, 50), 2),
        "filtered_p95_ms": round(percentile(filtered, 95), 2),
        "of_which_query_embedding_p50_ms": round(percentile(embed_ms, 50), 2),
        "process_peak_rss_mb": peak_rss_mb(),
    }


def bench_queries(sizes: list[int], repeats: int) -> list[dict[str, Any]]:
    """Each size is built in one process and measured in another: Chroma indexes in the
    background after a bulk write, which would otherwise compete with the measurement."""
    out = []
    for size in sizes:
        with tempfile.TemporaryDirectory() as tmp:
            built = subprocess.run(
                [sys.executable, __file__, "--internal-build", tmp, str(size)],
                capture_output=True,
                text=True,
                check=True,
            )
            measured = subprocess.run(
                [sys.executable, __file__, "--internal-measure", tmp, str(repeats)],
                capture_output=True,
                text=True,
                check=True,
            )
            row = json.loads(measured.stdout)
            row["index_build_s"] = round(float(built.stdout.strip()), 1)
            out.append(row)
    return out


def bench_cold_start(runs: int) -> dict[str, Any]:
    exe = Path(sys.executable).with_name("comentor")
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "COMENTOR_DATA_DIR": tmp}
        subprocess.run([str(exe), "ingest", "-q"], env=env, check=True)
        times, peaks = [], []
        question = "How do I handle a senior leader who resists reverse mentoring?"
        for _ in range(runs):
            t = time.perf_counter()
            proc = subprocess.run(
                ["/usr/bin/time", "-f", "%M", str(exe), "ask", "--json", question],
                env=env,
                capture_output=True,
                text=True,
                check=True,
            )
            times.append(time.perf_counter() - t)
            peaks.append(int(proc.stderr.strip().splitlines()[-1]) / 1024)
        help_times = []
        for _ in range(runs):
            t = time.perf_counter()
            subprocess.run([str(exe), "--help"], env=env, capture_output=True, check=True)
            help_times.append(time.perf_counter() - t)
    return {
        "ask_cold_start_s_median": round(statistics.median(times), 3),
        "ask_cold_start_s_min": round(min(times), 3),
        "ask_peak_rss_mb": round(statistics.median(peaks), 1),
        "help_s_median": round(statistics.median(help_times), 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 100000])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument(
        "--external",
        type=Path,
        default=None,
        help="a folder of real handbooks to time ingestion on",
    )
    parser.add_argument(
        "--skip", nargs="*", default=[], choices=["embedding", "ingest", "queries", "cold_start"]
    )
    parser.add_argument("--internal-build", nargs=2, help=argparse.SUPPRESS)
    parser.add_argument("--internal-measure", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.internal_build:
        print(build_corpus(Path(args.internal_build[0]), int(args.internal_build[1])))
        return
    if args.internal_measure:
        import yaml

        cases = yaml.safe_load((ROOT / "evals" / "knowledge" / "questions.yaml").read_text())
        queries = [c["question"] for c in cases][:40]
        directory, repeats = Path(args.internal_measure[0]), int(args.internal_measure[1])
        print(json.dumps(measure_queries(directory, queries, repeats)))
        return

    result: dict[str, Any] = {"machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0]}}
    # Cold start first: the heavier steps leave background work that would skew it.
    if "cold_start" not in args.skip:
        result["cold_start"] = bench_cold_start(args.runs)
    if "embedding" not in args.skip:
        result["embedding"] = bench_embedding([c.embed_text for c in guidance_chunks()], args.runs)
    if "ingest" not in args.skip:
        result["ingest"] = [bench_ingest(None, args.runs)]
        if args.external:
            result["ingest"].append(bench_ingest(args.external, 1))
    if "queries" not in args.skip:
        result["queries"] = bench_queries(args.sizes, max(1, args.runs // 2))
        p50 = {q["chunks"]: q["p50_ms"] for q in result["queries"]}
        if len(p50) > 1:
            result["queries_p50_ratio_largest_vs_smallest"] = round(
                p50[max(p50)] / p50[min(p50)], 2
            )
    result["bench_process_peak_rss_mb"] = peak_rss_mb()
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
