"""Retrieval quality on the labelled knowledge questions: hit@k and mean reciprocal rank."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from assistant.knowledge.retrieval import HybridRetriever
from evals import EVALS_DIR

QUESTIONS = EVALS_DIR / "knowledge" / "questions.yaml"


@dataclass
class RetrievalResult:
    k: int
    cases: int
    hit_at_k: float
    mrr: float
    misses: list[dict[str, Any]] = field(default_factory=list)


def load_questions(path: Path = QUESTIONS) -> list[dict[str, Any]]:
    cases = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    if not isinstance(cases, list):
        raise ValueError(f"{path}: expected a list of cases")
    return cases


def first_relevant_rank(sources: Sequence[str], expected: Sequence[str]) -> int | None:
    """1-based rank of the first passage from an expected source, or None."""
    for rank, source in enumerate(sources, start=1):
        if source in expected:
            return rank
    return None


def evaluate_retrieval(
    retriever: HybridRetriever, cases: Sequence[dict[str, Any]], k: int = 5
) -> RetrievalResult:
    results = retriever.search_many([c["question"] for c in cases], k)
    hits, reciprocal, misses = 0, 0.0, []
    for case, passages in zip(cases, results, strict=True):
        rank = first_relevant_rank([p.source for p in passages], case["expected_sources"])
        if rank is None:
            misses.append(
                {
                    "id": case["id"],
                    "question": case["question"],
                    "expected": case["expected_sources"],
                    "got": [p.id for p in passages],
                }
            )
            continue
        hits += 1
        reciprocal += 1.0 / rank
    n = max(1, len(cases))
    return RetrievalResult(k, len(cases), hits / n, reciprocal / n, misses)
