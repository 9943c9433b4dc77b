"""Benchmark the check-in summarizer and print JSON (never part of the test suite).

    .venv/bin/python scripts/bench_summary.py [--sizes 1000 5000 10000 50000] [--runs 5]
                                              [--qmsum ../shared/external/qmsum/test.jsonl]

Measures, on this machine:
  * summary time for transcripts of about 1k, 5k, 10k and 50k words (median of several
    runs), built by concatenating the transcript fixtures in evals/checkins with their
    speaker names kept, summarized as one group of everyone who speaks in them;
  * with --qmsum, the summary time and output counts for real meeting transcripts (QMSum:
    parliamentary committees, product design and research meetings), each mapped onto a
    made-up program whose participants are the meeting's speakers.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from assistant.program import Program, load_program  # noqa: E402
from assistant.summary import summarize_checkin  # noqa: E402

CHECKINS = ROOT / "evals" / "checkins"
PROGRAMS = ROOT / "evals" / "programs"
DATE = dt.date(2026, 3, 10)


def fixture_transcripts() -> tuple[list[str], Program]:
    """The transcript fixtures and one program holding everyone who speaks in them."""
    texts: list[str] = []
    people: dict[str, dict[str, Any]] = {}
    for path in sorted(CHECKINS.glob("*.yaml")):
        case = yaml.safe_load(path.read_text(encoding="utf-8"))
        if case.get("style") != "transcript":
            continue
        program = load_program(PROGRAMS / case["program"])
        relationship = program.relationship(case["pair"])
        for person in program.members(relationship):
            people.setdefault(person.id, person.model_dump())
        texts.append(case["notes"].strip())
    group = {
        "id": "bench-everyone",
        "mode": "group",
        "participants": sorted(people),
    }
    program = Program.model_validate(
        {"name": "bench", "participants": list(people.values()), "relationships": [group]}
    )
    return texts, program


def build_transcript(texts: list[str], words: int) -> str:
    """Fixture transcript lines, in order and cycling, until about ``words`` words."""
    lines = [line for text in texts for line in text.splitlines() if line.strip()]
    out: list[str] = []
    count = 0
    i = 0
    while count < words:
        line = lines[i % len(lines)]
        out.append(line)
        count += len(line.split())
        i += 1
    return "\n".join(out)


def time_summary(notes: str, program: Program, runs: int) -> tuple[float, Any]:
    """Median seconds of ``runs`` summaries, and the last summary."""
    relationship = program.relationships[0]
    times = []
    summary = None
    for _ in range(runs):
        start = time.perf_counter()
        summary = summarize_checkin(notes, program=program, relationship=relationship, date=DATE)
        times.append(time.perf_counter() - start)
    return statistics.median(times), summary


def bench_sizes(sizes: list[int], runs: int) -> list[dict[str, Any]]:
    """Timings for synthetic transcripts of the given word counts."""
    texts, program = fixture_transcripts()
    rows = []
    for size in sizes:
        notes = build_transcript(texts, size)
        seconds, summary = time_summary(notes, program, runs)
        rows.append(
            {
                "words": len(notes.split()),
                "bytes": len(notes.encode("utf-8")),
                "median_ms": round(seconds * 1000, 1),
                "ms_per_1k_words": round(seconds * 1000 / (len(notes.split()) / 1000), 2),
                "action_items": len(summary.action_items),
                "learned": len(summary.learned),
            }
        )
    return rows


def _slug(label: str) -> str:
    slug = re.sub(r"[^A-Za-z0-9]+", "-", label).strip("-").lower()
    return slug or "speaker"


def _label(speaker: Any) -> str:
    """A speaker label as notes would write it: "The Hon. Bill Blair (Minister of …)" ->
    "The Hon. Bill Blair"; at most four words, no colon."""
    label = re.sub(r"\s*\(.*?\)\s*", " ", str(speaker)).replace(":", " ")
    return " ".join(label.split()[:4]) or "Unknown"


def qmsum_meeting(meeting: dict[str, Any], index: int) -> tuple[str, Program]:
    """A QMSum meeting as "Speaker: text" lines and a program of its speakers."""
    turns = meeting["meeting_transcripts"]
    ids: dict[str, str] = {}
    for turn in turns:
        label = _label(turn["speaker"])
        if label not in ids:
            base = _slug(label)[:56]
            pid = base
            n = 2
            while pid in ids.values():
                pid, n = f"{base}-{n}", n + 1
            ids[label] = pid
    participants = [{"id": pid, "name": label, "seniority": "mid"} for label, pid in ids.items()]
    members = list(ids.values())
    if len(members) < 2:  # a relationship needs two people; add a silent chair
        participants.append({"id": "chair", "name": "Chair Person", "seniority": "mid"})
        members.append("chair")
    relationship = {
        "id": f"qmsum-{index}",
        "mode": "group" if len(members) > 2 else "peer",
        "participants": members,
    }
    program = Program.model_validate(
        {"name": "QMSum", "participants": participants, "relationships": [relationship]}
    )
    lines = []
    for turn in turns:
        label = _label(turn["speaker"])
        # QMSum marks disfluencies and noises in braces ("{disfmarker}", "{vocalsound}").
        text = " ".join(re.sub(r"\{\w+\}", " ", str(turn["content"])).split())
        if text:
            lines.append(f"{label}: {text}")
    return "\n".join(lines), program


def bench_qmsum(path: Path, runs: int) -> dict[str, Any]:
    """Timings and output counts for every QMSum meeting."""
    meetings = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    rows: list[dict[str, Any]] = []
    for index, meeting in enumerate(meetings):
        notes, program = qmsum_meeting(meeting, index)
        seconds, summary = time_summary(notes, program, runs)
        rows.append(
            {
                "meeting": index,
                "speakers": len(program.participants),
                "words": len(notes.split()),
                "median_ms": round(seconds * 1000, 1),
                "action_items": len(summary.action_items),
                "learned": len(summary.learned),
                "decisions": len(summary.decisions),
                "concerns": len(summary.concerns),
                "flags": sorted(summary.flag_codes()),
                "sample_actions": [
                    {"owner": a.owner, "due": str(a.due) if a.due else None, "task": a.task}
                    for a in summary.action_items[:3]
                ],
            }
        )
    words = sum(r["words"] for r in rows)
    total_ms = sum(r["median_ms"] for r in rows)
    return {
        "meetings": len(rows),
        "words": words,
        "total_ms": round(total_ms, 1),
        "ms_per_1k_words": round(total_ms / (words / 1000), 2) if words else None,
        "slowest_ms": max((r["median_ms"] for r in rows), default=None),
        "meetings_detail": rows,
    }


def main(argv: list[str] | None = None) -> int:
    """Run the benchmarks and print the JSON report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 5000, 10000, 50000])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--qmsum", type=Path, default=None, help="path to QMSum test.jsonl")
    args = parser.parse_args(argv)

    report: dict[str, Any] = {
        "python": sys.version.split()[0],
        "transcripts": bench_sizes(args.sizes, args.runs),
    }
    if args.qmsum is not None:
        report["qmsum"] = bench_qmsum(args.qmsum, max(1, min(args.runs, 3)))
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
