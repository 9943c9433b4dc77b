"""Measure how precisely the summarizer redacts, on the development check-ins; print JSON.

    .venv/bin/python scripts/measure_redaction.py [--cases evals/checkins] [--no-embed]

Summaries leave out what the notes mark private and, by default, sensitive personal details
(health, family, legal, money, criticism of colleagues). Over-redaction costs the staff
summary ordinary work content, so this counts, over every sentence of every case (with the
real MiniLM embedder unless ``--no-embed``):

* ``redacted``: sentences left out, split into ``by_marker`` (the notes mark them, or they
  reply to or sit beside marked text) and ``by_default`` (unmarked sensitive details);
* ``gold_sensitive``: sentences holding one of the case's gold ``redacted_terms``;
* ``precision``: the share of redacted sentences that the gold considers sensitive, and
  ``recall``: the share of gold-sensitive sentences redacted. Sentences next to a marker
  that hold no gold term count against precision: the figure is a strict one;
* ``default_precision``: the same for the by-default redactions alone, with each of them
  listed in ``default_redacted`` so a person can judge them;
* ``gold_items_lost``: gold action items and learned entries whose words sit only in
  redacted sentences (content the gold wants in the summary but redaction removed).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from assistant.program import load_program  # noqa: E402
from assistant.summary import redact  # noqa: E402
from assistant.summary.parse import Notes, parse_notes  # noqa: E402
from assistant.summary.people import People  # noqa: E402
from assistant.summary.text import normalize  # noqa: E402

PROGRAMS = ROOT / "evals" / "programs"
_WORD = re.compile(r"[a-z][a-z'-]{2,}")


def _words(text: str) -> set[str]:
    return set(_WORD.findall(text.lower()))


def _parse(case: dict[str, Any], embed: Any, sensitive: bool) -> Notes:
    program = load_program(PROGRAMS / case["program"])
    people = People(program, program.relationship(case["pair"]))
    notes = parse_notes(normalize(case["notes"]), people)
    original = redact.mark_sensitive
    if not sensitive:
        redact.mark_sensitive = lambda notes, people, embed: 0
    try:
        redact.mark(notes, people, embed)
    finally:
        redact.mark_sensitive = original
    return notes


def _item_lost(text: str, kept: list[set[str]], dropped: list[set[str]]) -> bool:
    """A gold item whose words are mostly in a redacted sentence and in no kept one."""
    words = _words(text)
    if not words:
        return False

    def covered(pool: list[set[str]]) -> bool:
        return any(len(words & s) >= 0.6 * len(words) for s in pool)

    return covered(dropped) and not covered(kept)


def measure(cases_dir: Path, embed: Any) -> dict[str, Any]:
    """The redaction counts and figures over every case in ``cases_dir``."""
    totals = {"sentences": 0, "redacted": 0, "by_marker": 0, "by_default": 0}
    gold_sensitive = true_pos = default_true = found_gold = 0
    default_rows: list[dict[str, str]] = []
    items = lost = 0
    lost_rows: list[dict[str, str]] = []
    paths = sorted(cases_dir.glob("*.yaml"))
    for path in paths:
        case = yaml.safe_load(path.read_text(encoding="utf-8"))
        terms = [t.lower() for t in case["expected"].get("redacted_terms", [])]
        markers_only = _parse(case, embed, sensitive=False)
        full = _parse(case, embed, sensitive=True)
        marked = {s.index for s in markers_only.sentences if s.private}
        for sentence in full.sentences:
            totals["sentences"] += 1
            is_gold = any(t in sentence.text.lower() for t in terms)
            gold_sensitive += is_gold
            if not sentence.private:
                continue
            totals["redacted"] += 1
            true_pos += is_gold
            found_gold += is_gold
            if sentence.index in marked:
                totals["by_marker"] += 1
            else:
                totals["by_default"] += 1
                default_true += is_gold
                default_rows.append({"case": case["id"], "sentence": sentence.text})
        kept = [_words(s.text) for s in full.sentences if not s.private]
        dropped = [_words(s.text) for s in full.sentences if s.private]
        expected = case["expected"]
        for kind, key in (("action_items", "task"), ("learned", "what")):
            for item in expected.get(kind, []):
                items += 1
                if _item_lost(item[key], kept, dropped):
                    lost += 1
                    lost_rows.append({"case": case["id"], kind: item[key]})
    redacted, by_default = totals["redacted"], totals["by_default"]
    return {
        "cases": len(paths),
        **totals,
        "gold_sensitive": gold_sensitive,
        "precision": round(true_pos / redacted, 3) if redacted else None,
        "recall": round(found_gold / gold_sensitive, 3) if gold_sensitive else None,
        "default_precision": round(default_true / by_default, 3) if by_default else None,
        "default_redacted": default_rows,
        "gold_items": items,
        "gold_items_lost": lost,
        "gold_items_lost_detail": lost_rows,
    }


def main(argv: list[str] | None = None) -> int:
    """Measure and print the JSON report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=Path, default=ROOT / "evals" / "checkins")
    parser.add_argument("--no-embed", action="store_true", help="cue words only, no embedder")
    args = parser.parse_args(argv)
    embed = None
    if not args.no_embed:
        from assistant.knowledge.embeddings import MiniLMEmbedder
        from assistant.planners.common import SemanticMatcher

        embed = SemanticMatcher(MiniLMEmbedder()).embed
    report = {"embedder": "MiniLM" if embed else None, **measure(args.cases, embed)}
    print(json.dumps(report, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
