"""Hybrid retrieval: dense (Chroma) + BM25 (bm25s), fused by reciprocal rank.

``HybridRetriever.search`` returns :class:`Passage` objects carrying a stable citation id
(``source#anchor``), title, heading and text. Filters on mode and audience apply to both
retrievers; passages marked ``all`` always pass. ``GuidanceRetriever`` exposes the same
search as a LangChain retriever (``assistant.knowledge.langchain_retriever``).
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assistant.errors import EmptyIndexError
from assistant.knowledge.lexical import LexicalIndex
from assistant.knowledge.store import GuidanceStore, Record, build_store, mode_filter

if TYPE_CHECKING:
    from assistant.config import Settings

GENERATION_CHECK_SECONDS = 2.0
POST_FILTER_MIN = 120
POST_FILTER_MAX = 3000


@dataclass
class Passage:
    """One retrieved piece of guidance."""

    id: str
    title: str
    source: str
    heading: str
    text: str
    score: float = 0.0
    similarity: float | None = None
    modes: list[str] = field(default_factory=list)
    audiences: list[str] = field(default_factory=list)

    @property
    def anchor(self) -> str:
        return self.id.partition("#")[2]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_record(
        cls, record: Record, score: float = 0.0, similarity: float | None = None
    ) -> Passage:
        meta = record.metadata
        return cls(
            id=record.id,
            title=str(meta.get("title", "")),
            source=str(meta.get("source", record.id.partition("#")[0])),
            heading=str(meta.get("heading", "")),
            text=record.text,
            score=score,
            similarity=similarity,
            modes=list(meta.get("modes") or []),
            audiences=list(meta.get("audiences") or []),
        )


def reciprocal_rank_fusion(
    rankings: Sequence[Sequence[str]], k: int = 60
) -> list[tuple[str, float]]:
    """Fuse ranked id lists: score(id) = sum over lists of 1 / (k + rank), rank from 1."""
    scores: dict[str, float] = {}
    for ranking in rankings:
        for rank, rid in enumerate(ranking, start=1):
            scores[rid] = scores.get(rid, 0.0) + 1.0 / (k + rank)
    return sorted(scores.items(), key=lambda item: (-item[1], item[0]))


class HybridRetriever:
    """Dense + lexical search over a :class:`GuidanceStore`."""

    def __init__(
        self,
        store: GuidanceStore,
        lexical_dir: Path,
        *,
        top_k: int = 5,
        candidates: int = 30,
        rrf_k: int = 60,
    ) -> None:
        self.store = store
        self.lexical_dir = lexical_dir
        self.top_k = top_k
        self.candidates = candidates
        self.rrf_k = rrf_k
        self._lexical: LexicalIndex | None = None
        self._generation: str | None = None
        self._checked_at = 0.0
        self._lock = threading.Lock()
        self.repairs: list[str] = []  # damaged saved indexes found (and rebuilt) so far

    # -- the lexical side, kept in step with the store ------------------------------------

    def lexical(self) -> LexicalIndex:
        now = time.monotonic()
        with self._lock:
            if self._lexical is not None and now - self._checked_at < GENERATION_CHECK_SECONDS:
                return self._lexical
            generation = self.store.generation()
            self._checked_at = now
            if self._lexical is None or generation != self._generation:
                index = LexicalIndex.load(
                    self.lexical_dir, generation, self.store.count(), problems=self.repairs
                )
                if index is None:
                    index = self._rebuild(generation)
                self._lexical, self._generation = index, generation
            return self._lexical

    def _rebuild(self, generation: str) -> LexicalIndex:
        # Read while an ingest may be writing: the generation was read first, and every
        # write bumps it afterwards, so a snapshot that misses a write is rebuilt next time.
        index = LexicalIndex.build(
            (r.id, _index_text(r), r.metadata) for r in _unique(self.store.iter_records())
        )
        index.save(self.lexical_dir, generation)
        return index

    def generation(self) -> str:
        """The store generation the indexes currently reflect (a cache key for callers)."""
        self.lexical()
        return self._generation or "unknown"

    def refresh(self) -> LexicalIndex:
        """Rebuild the lexical index now (called after ingestion changed the store)."""
        with self._lock:
            generation = self.store.generation()
            self._lexical = self._rebuild(generation)
            self._generation = generation
            self._checked_at = time.monotonic()
            return self._lexical

    # -- search ----------------------------------------------------------------------------

    def search(
        self,
        query: str,
        k: int | None = None,
        *,
        modes: Sequence[str] | None = None,
        audiences: Sequence[str] | None = None,
    ) -> list[Passage]:
        return self.search_many([query], k, modes=modes, audiences=audiences)[0]

    def search_many(
        self,
        queries: Sequence[str],
        k: int | None = None,
        *,
        modes: Sequence[str] | None = None,
        audiences: Sequence[str] | None = None,
    ) -> list[list[Passage]]:
        """Search several queries at once (one embedding batch, one store round trip)."""
        if not queries:
            return []
        k = k or self.top_k
        lexical = self.lexical()
        if len(lexical) == 0:
            raise EmptyIndexError()
        n = min(max(self.candidates, k), len(lexical))
        embeddings = self.store.embedder.embed(list(queries))
        mask = lexical.mask(modes, audiences)
        where = mode_filter(modes, audiences, exclude_quarantined=lexical.has_quarantined)
        dense_all = self._dense(embeddings, n, lexical, mask, where)
        fused_all: list[list[tuple[str, float]]] = []
        for query, dense in zip(queries, dense_all, strict=True):
            lex = self._lexical_hits(lexical, query, n, mask)
            fused = reciprocal_rank_fusion([[d for d, _ in dense], [i for i, _ in lex]], self.rrf_k)
            fused_all.append(fused[:k])
        wanted = list(dict.fromkeys(rid for fused in fused_all for rid, _ in fused))
        records = {r.id: r for r in self.store.get(wanted)}
        results: list[list[Passage]] = []
        for fused, dense in zip(fused_all, dense_all, strict=True):
            sims = dict(dense)
            results.append(
                [
                    Passage.from_record(records[rid], score, sims.get(rid))
                    for rid, score in fused
                    if rid in records
                ]
            )
        return results

    def _dense(
        self,
        embeddings: Any,
        n: int,
        lexical: LexicalIndex,
        mask: Any,
        where: dict[str, Any] | None,
    ) -> list[list[tuple[str, float]]]:
        """Nearest passages per query. A filter is applied to a wider unfiltered result
        (Chroma's own metadata filter scans every record and is slow on large stores);
        only a query left with too few passages falls back to the filtered store query."""
        if mask is None:
            return self.store.query_many(embeddings, n, None)
        allowed = int(mask.sum())
        need = min(n, allowed)
        if need == 0:
            return [[] for _ in range(len(embeddings))]
        wide = _post_filter_width(n, len(lexical), allowed)
        if wide > POST_FILTER_MAX:  # a narrow filter: let the store filter
            return self.store.query_many(embeddings, need, where)
        out = self.store.query_many(embeddings, wide, None)
        filtered = []
        for i, hits in enumerate(out):
            kept = [(rid, sim) for rid, sim in hits if lexical.allows(rid, mask)][:n]
            if len(kept) < need and wide < len(lexical):
                kept = self.store.query_many(embeddings[i : i + 1], need, where)[0]
            filtered.append(kept)
        return filtered

    @staticmethod
    def _lexical_hits(
        lexical: LexicalIndex, query: str, n: int, mask: Any
    ) -> list[tuple[str, float]]:
        """BM25 hits, post-filtered the same way (a masked BM25 pass is the fallback)."""
        if mask is None:
            return lexical.search(query, n)
        wide = _post_filter_width(n, len(lexical), int(mask.sum()))
        if wide > POST_FILTER_MAX:
            return lexical.search(query, n, mask)
        hits = lexical.search(query, wide)
        kept = [(rid, score) for rid, score in hits if lexical.allows(rid, mask)]
        if len(kept) >= n or len(hits) < wide:  # enough, or no other passage matches at all
            return kept[:n]
        return lexical.search(query, n, mask)

    def get(self, ids: Sequence[str]) -> list[Passage]:
        """Passages by citation id (unknown ids are left out)."""
        return [Passage.from_record(r) for r in self.store.get(list(ids))]


def _post_filter_width(n: int, total: int, allowed: int) -> int:
    """How many unfiltered hits to fetch so that about n survive a filter passing
    ``allowed`` of ``total`` passages (with a margin)."""
    if allowed == 0:
        return 0
    expected = int(2 * n * total / allowed)
    return min(total, max(POST_FILTER_MIN, expected))


def _unique(records: Iterable[Record]) -> Iterator[Record]:
    """Records once each (paging through a store that is being written can repeat one)."""
    seen: set[str] = set()
    for record in records:
        if record.id not in seen:
            seen.add(record.id)
            yield record


def _index_text(record: Record) -> str:
    meta = record.metadata
    return f"{meta.get('title', '')}\n{meta.get('heading', '')}\n{record.text}"


def lexical_dir_for(settings: Settings) -> Path:
    """The BM25 index lives beside the store; a remote store gets a directory of its own."""
    if settings.chroma_url:
        tag = hashlib.sha1(settings.chroma_url.encode()).hexdigest()[:10]
        return settings.data_dir / "lexical" / f"remote-{tag}" / settings.collection
    return settings.lexical_dir


def build_retriever(settings: Settings, store: GuidanceStore | None = None) -> HybridRetriever:
    return HybridRetriever(
        store or build_store(settings),
        lexical_dir_for(settings),
        top_k=settings.top_k,
        candidates=settings.candidates,
        rrf_k=settings.rrf_k,
    )
