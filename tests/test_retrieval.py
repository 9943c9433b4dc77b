from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from assistant.config import Settings
from assistant.errors import EmptyIndexError
from assistant.knowledge.ingest import ingest
from assistant.knowledge.langchain_retriever import GuidanceRetriever
from assistant.knowledge.lexical import LexicalIndex
from assistant.knowledge.retrieval import HybridRetriever, reciprocal_rank_fusion
from assistant.knowledge.store import mode_filter

Factory = Callable[[Settings], HybridRetriever]


def test_rrf_rewards_agreement_between_rankers() -> None:
    fused = reciprocal_rank_fusion([["a", "b", "c"], ["b", "c", "d"]], k=60)
    order = [rid for rid, _ in fused]
    assert order[0] == "b"  # ranked 2nd and 1st beats 1st and absent
    assert set(order) == {"a", "b", "c", "d"}
    scores = dict(fused)
    assert scores["b"] == pytest.approx(1 / 62 + 1 / 61)
    assert scores["d"] == pytest.approx(1 / 63)


def test_rrf_is_deterministic_on_ties() -> None:
    assert reciprocal_rank_fusion([["x"], ["y"]]) == reciprocal_rank_fusion([["x"], ["y"]])
    assert [r for r, _ in reciprocal_rank_fusion([["y"], ["x"]])] == ["x", "y"]


def test_mode_filter_builds_chroma_where() -> None:
    assert mode_filter(None, None) is None
    assert mode_filter(["reverse"], None) == {
        "$or": [{"modes": {"$contains": "all"}}, {"modes": {"$contains": "reverse"}}]
    }
    both = mode_filter(["group"], ["coordinator"])
    assert both is not None and set(both) == {"$and"} and len(both["$and"]) == 2


def test_search_returns_citable_passages(knowledge_retriever: HybridRetriever) -> None:
    hits = knowledge_retriever.search("a senior leader refuses to learn from a junior mentor", 5)
    assert len(hits) == 5
    assert "knowledge/guides/reverse-mentoring.md#handling-senior-resistance" in [
        h.id for h in hits[:3]
    ]
    top = next(h for h in hits if h.anchor == "handling-senior-resistance")
    assert hits[0].source == top.source
    assert top.title == "Reverse mentoring"
    assert top.heading == "Handling senior resistance"
    assert top.source == "knowledge/guides/reverse-mentoring.md"
    assert top.anchor == "handling-senior-resistance"
    assert "resist" in top.text.lower()
    assert top.similarity is not None and top.similarity > 0.4
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    assert len({h.id for h in hits}) == 5


def test_mode_filter_applies_to_both_retrievers(knowledge_retriever: HybridRetriever) -> None:
    query = "how should the group take turns so everyone gets time"
    hits = knowledge_retriever.search(query, 8, modes=["circle"])
    assert hits
    for hit in hits:
        assert "circle" in hit.modes or "all" in hit.modes
    assert any("circle" in h.modes for h in hits)


def test_audience_filter(knowledge_retriever: HybridRetriever) -> None:
    hits = knowledge_retriever.search("when should staff step in", 10, audiences=["coordinator"])
    assert hits
    assert all("coordinator" in h.audiences or "all" in h.audiences for h in hits)


def test_lexical_only_match_is_found(knowledge_retriever: HybridRetriever) -> None:
    # A rare exact term: BM25 carries it even where the dense side is weak.
    lexical = knowledge_retriever.lexical()
    found = lexical.search("round-robin", 5)
    assert found and all(score > 0 for _, score in found)
    hybrid_ids = {p.id for p in knowledge_retriever.search("round-robin", 10)}
    assert found[0][0] in hybrid_ids


def test_search_many_matches_single_searches(knowledge_retriever: HybridRetriever) -> None:
    queries = ["giving feedback to my boss", "what is flash mentoring", "thank my mentor"]
    batched = knowledge_retriever.search_many(queries, 4)
    for query, result in zip(queries, batched, strict=True):
        assert [p.id for p in result] == [p.id for p in knowledge_retriever.search(query, 4)]


def test_get_resolves_citation_ids(knowledge_retriever: HybridRetriever) -> None:
    existing = knowledge_retriever.search("thank you", 2)
    wanted = [existing[1].id, "knowledge/guides/nope.md#missing", existing[0].id]
    found = knowledge_retriever.get(wanted)
    assert [p.id for p in found] == [existing[1].id, existing[0].id]
    assert found[1].text == existing[0].text and found[1].title == existing[0].title


def test_empty_index_raises_a_helpful_error(settings: Settings, make_retriever: Factory) -> None:
    with pytest.raises(EmptyIndexError) as info:
        make_retriever(settings).search("anything")
    assert "comentor ingest" in str(info.value)


def test_lexical_index_is_saved_and_reloaded(
    settings: Settings, make_retriever: Factory, knowledge_copy: Path
) -> None:
    retriever = make_retriever(settings)
    ingest([knowledge_copy], settings=settings, retriever=retriever)
    generation = retriever.store.generation()
    loaded = LexicalIndex.load(retriever.lexical_dir, generation)
    assert loaded is not None and len(loaded) == retriever.store.count()
    assert LexicalIndex.load(retriever.lexical_dir, "another-generation") is None
    fresh = make_retriever(settings)  # a new process would do this
    assert fresh.search("gratitude", 1)[0].source.endswith("gratitude.md")


def test_external_write_makes_lexical_index_stale(
    settings: Settings, make_retriever: Factory, knowledge_copy: Path, tmp_path: Path
) -> None:
    reader = make_retriever(settings)
    ingest([knowledge_copy], settings=settings, retriever=reader)
    reader.search("gratitude", 1)
    writer = make_retriever(settings)  # e.g. `comentor ingest` while a server runs
    extra = tmp_path / "zebra.md"
    extra.write_text("# Zebra\n\n## Zebra crossings\n\nZebra-striped mentoring badges are fun.\n")
    ingest([extra], settings=settings, retriever=writer)
    reader._checked_at = 0.0  # skip the short re-check interval
    assert reader.search("zebra badges", 1)[0].id == "zebra.md#zebra-crossings"


def test_langchain_retriever(knowledge_retriever: HybridRetriever) -> None:
    lc = GuidanceRetriever(hybrid=knowledge_retriever, k=3, modes=["flash"])
    docs = lc.invoke("one quick question for an expert")
    assert len(docs) == 3
    assert all(d.metadata["citation"] == d.id for d in docs)
    assert any("flash" in d.id for d in docs)


def test_post_filtering_matches_the_stores_own_filter(
    knowledge_retriever: HybridRetriever,
) -> None:
    # The retriever filters a wider unfiltered result; Chroma's `where` is the reference.
    lexical = knowledge_retriever.lexical()
    queries = ["how do I run the session", "feedback from a junior", "taking turns in a group"]
    embeddings = knowledge_retriever.store.embedder.embed(queries)
    for modes, audiences in (
        (["reverse"], None),
        (["circle"], ["coordinator"]),
        (None, ["mentee"]),
    ):
        mask = lexical.mask(modes, audiences)
        where = mode_filter(modes, audiences)
        ours = knowledge_retriever._dense(embeddings, 10, lexical, mask, where)
        reference = knowledge_retriever.store.query_many(embeddings, 10, where)
        for got, expected in zip(ours, reference, strict=True):
            assert [rid for rid, _ in got] == [rid for rid, _ in expected]


def test_a_filter_nothing_passes_returns_nothing(
    settings: Settings, make_retriever: Factory, tmp_path: Path
) -> None:
    root = tmp_path / "only-reverse"
    root.mkdir()
    (root / "r.md").write_text(
        "---\nmodes: [reverse]\n---\n# Reverse\n\n## Sessions\n\n"
        "The junior mentor leads every reverse session.\n"
    )
    retriever = make_retriever(settings)
    ingest([root], settings=settings, retriever=retriever)
    assert retriever.search("who leads", 5, modes=["flash"]) == []
    assert [p.id for p in retriever.search("who leads", 5, modes=["reverse"])] == [
        "only-reverse/r.md#sessions"
    ]
