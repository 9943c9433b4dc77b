"""The structured guidance (question bank, topic catalog) is valid and cites real passages."""

from __future__ import annotations

import re
from collections import Counter

from assistant.config import bundled_knowledge_dir
from assistant.guidance import load_question_bank, load_topic_catalog
from assistant.knowledge.retrieval import HybridRetriever
from assistant.planners.common import fill

KNOWLEDGE = bundled_knowledge_dir()
MODES = {
    "all",
    "traditional",
    "co-mentoring",
    "reverse",
    "peer",
    "near-peer",
    "lateral",
    "cross-functional",
    "group",
    "circle",
    "flash",
}


def test_every_citation_in_the_data_files_resolves(knowledge_retriever: HybridRetriever) -> None:
    bank, catalog = load_question_bank(KNOWLEDGE), load_topic_catalog(KNOWLEDGE)
    cited = [c for q in bank.questions for c in q.citations]
    cited += [c for cat in bank.categories for c in cat.citations]
    cited += [c for t in catalog.topics for c in t.citations]
    cited += [c for p in catalog.pitfalls for c in p.citations]
    unique = sorted(set(cited))
    found = {p.id for p in knowledge_retriever.get(unique)}
    assert sorted(set(unique) - found) == []
    assert all(q.citations for q in bank.questions)
    assert all(t.citations for t in catalog.topics)


def test_question_bank_shape() -> None:
    bank = load_question_bank(KNOWLEDGE)
    categories = {c.id for c in bank.categories}
    assert {c.typical_of for c in bank.categories} == {"junior", "senior", "any"}
    assert len(bank.questions) >= 80
    assert len({q.id for q in bank.questions}) == len(bank.questions)
    texts = Counter(q.text.lower() for q in bank.questions)
    assert max(texts.values()) == 1
    for q in bank.questions:
        assert q.category in categories
        assert set(q.modes) <= MODES
        slots = set(re.findall(r"\{(\w+)\}", q.text))
        assert slots <= {"skill", "goal", "asker", "answerer"}
        filled = fill(
            q.text, skill="data visualization", goal="public speaking", asker="Sam", answerer="Ana"
        )
        assert "{" not in filled and filled.endswith("?")
    # Every category can be asked in every direction (directly or through "any").
    for category in categories:
        ways = {q.direction for q in bank.questions if q.category == category}
        assert "any" in ways or {"junior-teaches", "senior-teaches", "peer"} <= ways


def test_topic_catalog_shape() -> None:
    catalog = load_topic_catalog(KNOWLEDGE)
    assert len(catalog.topics) >= 15
    assert {"senior-resistance", "power-dynamics"} <= {p.id for p in catalog.pitfalls}
    for topic in catalog.topics:
        assert topic.skills and len(topic.starter_questions) >= 3
        assert all(q.endswith(("?", ".")) for q in topic.starter_questions)
