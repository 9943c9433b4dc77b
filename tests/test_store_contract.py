"""One contract, two backends: embedded Chroma and a live `chroma run` server.

The same code path (``build_store(settings)``) serves both; only ``COMENTOR_CHROMA_URL``
differs. The server class starts a real Chroma server on loopback (see conftest)."""

from __future__ import annotations

import uuid
from pathlib import Path

import numpy as np
import pytest

from assistant.config import Settings
from assistant.knowledge import store as store_module
from assistant.knowledge.embeddings import MiniLMEmbedder
from assistant.knowledge.ingest import ingest
from assistant.knowledge.retrieval import build_retriever
from assistant.knowledge.store import GuidanceStore, build_store, mode_filter
from tests.conftest import make_settings


def meta(source: str, modes: list[str], audiences: list[str] | None = None) -> dict[str, object]:
    return {
        "source": source,
        "title": "T",
        "heading": "H",
        "modes": modes,
        "audiences": audiences or ["all"],
    }


class StoreContract:
    """Behaviour every store backend must have. Subclasses provide ``backend_settings``."""

    @pytest.fixture
    def store(self, backend_settings: Settings, embedder: MiniLMEmbedder) -> GuidanceStore:
        return build_store(backend_settings, embedder)

    def test_starts_empty_with_a_generation(self, store: GuidanceStore) -> None:
        assert store.count() == 0
        assert store.generation() == "empty"

    def test_upsert_get_query_delete(self, store: GuidanceStore) -> None:
        texts = [
            "Reverse mentoring: a junior employee teaches a senior leader digital skills.",
            "Thank your mentor for their time with a specific example of what helped.",
            "Mentoring circles rotate who presents so every member leads once.",
        ]
        ids = ["a.md#reverse", "a.md#thanks", "b.md#circles"]
        vectors = store.embedder.embed(texts)
        metas = [meta("a.md", ["reverse"]), meta("a.md", ["all"]), meta("b.md", ["circle"])]
        store.upsert(ids, texts, vectors, metas)
        assert store.count() == 3
        got = store.get(["b.md#circles", "missing", "a.md#reverse"])
        assert [r.id for r in got] == ["b.md#circles", "a.md#reverse"]
        assert got[1].text == texts[0]
        assert got[1].metadata["modes"] == ["reverse"]

        query = store.embedder.embed(["an executive learning from a younger colleague"])[0]
        hits = store.query(query, 3)
        assert hits[0][0] == "a.md#reverse"
        assert hits[0][1] > hits[-1][1]
        filtered = store.query(query, 3, where=mode_filter(["circle"], None))
        assert {rid for rid, _ in filtered} == {"a.md#thanks", "b.md#circles"}

        store.delete(["a.md#thanks"])
        assert store.count() == 2
        assert store.get(["a.md#thanks"]) == []

    def test_upsert_replaces_text_and_vector(self, store: GuidanceStore) -> None:
        first = store.embedder.embed(["gratitude and thanks"])
        store.upsert(["x#1"], ["gratitude and thanks"], first, [meta("x", ["all"])])
        second = store.embedder.embed(["flash mentoring in thirty minutes"])
        store.upsert(["x#1"], ["flash mentoring in thirty minutes"], second, [meta("x", ["flash"])])
        assert store.count() == 1
        record = store.get(["x#1"])[0]
        assert record.text == "flash mentoring in thirty minutes"
        assert record.metadata["modes"] == ["flash"]
        hit = store.query(store.embedder.embed(["a quick half-hour mentoring chat"])[0], 1)[0]
        assert hit[0] == "x#1" and hit[1] > 0.3

    def test_update_metadata_keeps_text(self, store: GuidanceStore) -> None:
        vec = store.embedder.embed(["text"])
        store.upsert(["m#1"], ["text kept"], vec, [meta("m", ["all"])])
        store.update_metadata(["m#1"], [{**meta("m", ["peer"]), "file_sha": "abc"}])
        record = store.get(["m#1"])[0]
        assert record.text == "text kept" and record.metadata["file_sha"] == "abc"

    def test_generation_changes_on_bump(self, store: GuidanceStore) -> None:
        before = store.generation()
        token = store.bump_generation()
        assert store.generation() == token != before

    def test_iter_records_pages_through_everything(
        self, store: GuidanceStore, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setattr(store_module, "PAGE", 7)
        n = 23
        vecs = np.tile(store.embedder.embed(["same"]), (n, 1))
        store.upsert(
            [f"p#{i:02d}" for i in range(n)],
            [f"passage {i}" for i in range(n)],
            vecs,
            [meta("p", ["all"]) for _ in range(n)],
        )
        records = list(store.iter_records())
        assert sorted(r.id for r in records) == [f"p#{i:02d}" for i in range(n)]
        assert all(r.text.startswith("passage") for r in records)
        assert all(r.text == "" for r in store.iter_records(documents=False))

    def test_reset_drops_everything(self, store: GuidanceStore) -> None:
        store.upsert(["r#1"], ["t"], store.embedder.embed(["t"]), [meta("r", ["all"])])
        store.reset()
        assert store.count() == 0

    def test_ingest_and_hybrid_search_through_this_backend(
        self, backend_settings: Settings, embedder: MiniLMEmbedder, knowledge_copy: Path
    ) -> None:
        retriever = build_retriever(backend_settings, build_store(backend_settings, embedder))
        report = ingest([knowledge_copy], settings=backend_settings, retriever=retriever)
        assert report.chunks_added > 20
        again = ingest([knowledge_copy], settings=backend_settings, retriever=retriever)
        assert again.chunks_added == again.chunks_updated == 0
        top = retriever.search("how do I thank my mentor properly", 3)
        assert any(p.source == "handbook/gratitude.md" for p in top)


class TestEmbeddedStore(StoreContract):
    @pytest.fixture
    def backend_settings(self, tmp_path: Path) -> Settings:
        return make_settings(tmp_path / "data")

    def test_data_lives_under_the_data_dir(
        self, backend_settings: Settings, store: GuidanceStore
    ) -> None:
        store.count()
        assert (backend_settings.data_dir / "chroma").is_dir()


@pytest.mark.chroma_server
class TestServerStore(StoreContract):
    @pytest.fixture
    def backend_settings(self, tmp_path: Path, chroma_server: str) -> Settings:
        # A fresh collection per test on the shared server keeps tests independent.
        name = f"t-{uuid.uuid4().hex[:12]}"
        return make_settings(tmp_path / "data", chroma_url=chroma_server, collection=name)

    def test_nothing_is_written_to_the_local_chroma_dir(
        self, backend_settings: Settings, store: GuidanceStore
    ) -> None:
        store.upsert(["s#1"], ["t"], store.embedder.embed(["t"]), [meta("s", ["all"])])
        assert not (backend_settings.data_dir / "chroma").exists()
        assert store.count() == 1


def test_unreachable_server_gives_a_store_error(tmp_path: Path, embedder: MiniLMEmbedder) -> None:
    from assistant.errors import StoreError

    settings = make_settings(tmp_path, chroma_url="http://127.0.0.1:9")
    with pytest.raises(StoreError, match=r"127\.0\.0\.1:9"):
        build_store(settings, embedder).count()
