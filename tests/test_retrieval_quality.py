"""The labelled retrieval set (evals/knowledge/questions.yaml) against the bundled guidance."""

from __future__ import annotations

from collections import Counter

from assistant.config import bundled_knowledge_dir
from assistant.knowledge.retrieval import HybridRetriever
from evals.retrieval import evaluate_retrieval, first_relevant_rank, load_questions


def test_question_set_is_large_labelled_and_covers_every_guide() -> None:
    cases = load_questions()
    assert len(cases) >= 40
    assert len({c["id"] for c in cases}) == len(cases)
    assert {c["audience"] for c in cases} == {"mentee", "mentor", "coordinator"}
    guides = {
        f"knowledge/guides/{p.name}" for p in (bundled_knowledge_dir() / "guides").glob("*.md")
    }
    counts = Counter(src for c in cases for src in c["expected_sources"])
    assert set(counts) <= guides, "a label names a guide that does not exist"
    assert set(counts) == guides, "every guide should be the answer to some question"


def test_first_relevant_rank() -> None:
    assert first_relevant_rank(["a", "b", "c"], ["c", "x"]) == 3
    assert first_relevant_rank(["a"], ["b"]) is None


def test_hit_at_5_and_mrr(knowledge_retriever: HybridRetriever) -> None:
    result = evaluate_retrieval(knowledge_retriever, load_questions(), k=5)
    print(f"\nretrieval: hit@5={result.hit_at_k:.3f} MRR={result.mrr:.3f} over {result.cases}")
    for miss in result.misses:
        print(f"  miss {miss['id']}: expected {miss['expected']}, got {miss['got'][:3]}")
    assert result.hit_at_k >= 0.95
    assert result.mrr >= 0.7
