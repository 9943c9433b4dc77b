"""The vector store: one Chroma collection of guidance passages.

Embedded Chroma (``PersistentClient`` under the data directory) by default; a Chroma
server (``HttpClient``) when ``COMENTOR_CHROMA_URL`` is set. Everything after client
construction is the same code path.

Each record's id is the passage's citation id; its metadata carries the source file,
heading, title, applicable modes and audiences (as lists, filterable with ``$contains``),
and the hashes ingestion uses to skip unchanged work. The collection's own metadata holds
a ``generation`` token that changes on every write, so that derived indexes (the BM25
index) can tell they are stale, even when another machine wrote to a shared server.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

import numpy as np

from assistant.errors import ConfigError, StoreError

if TYPE_CHECKING:
    from chromadb.api import ClientAPI
    from chromadb.api.models.Collection import Collection

    from assistant.config import Settings
    from assistant.knowledge.embeddings import MiniLMEmbedder

PAGE = 5000


@dataclass
class Record:
    """A stored passage, as the store returns it."""

    id: str
    text: str
    metadata: dict[str, Any]
    embedding: np.ndarray | None = None


def make_client(settings: Settings) -> ClientAPI:
    """An embedded client under ``data_dir``, or an HTTP client for ``chroma_url``."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False)
    if settings.chroma_url:
        url = urlparse(settings.chroma_url)
        if not url.hostname:
            raise ConfigError(f"COMENTOR_CHROMA_URL has no host: {settings.chroma_url!r}")
        port = url.port or (443 if url.scheme == "https" else 8000)
        try:
            return chromadb.HttpClient(
                host=url.hostname, port=port, ssl=url.scheme == "https", settings=chroma_settings
            )
        except Exception as exc:
            raise StoreError(
                f"Cannot reach the Chroma server at {settings.chroma_url}: {exc}",
                hint="Start it (`chroma run --path DIR`) or unset COMENTOR_CHROMA_URL "
                "to use the embedded store.",
            ) from exc
    try:
        settings.chroma_dir.mkdir(parents=True, exist_ok=True)
        return chromadb.PersistentClient(path=str(settings.chroma_dir), settings=chroma_settings)
    except Exception as exc:
        raise StoreError(
            f"Cannot open the embedded Chroma store in {settings.chroma_dir}: {exc}",
            hint="Check COMENTOR_DATA_DIR points at a writable directory.",
        ) from exc


class GuidanceStore:
    """Read and write guidance passages in one Chroma collection."""

    def __init__(self, client: ClientAPI, name: str, embedder: MiniLMEmbedder) -> None:
        self.client = client
        self.name = name
        self.embedder = embedder
        self._collection: Collection | None = None

    @property
    def collection(self) -> Collection:
        if self._collection is None:
            try:
                self._collection = self.client.get_or_create_collection(
                    self.name,
                    configuration={"hnsw": {"space": "cosine"}},
                    metadata={"generation": "empty"},
                    embedding_function=self.embedder,  # type: ignore[arg-type]
                )
            except Exception as exc:
                raise StoreError(f"Cannot open Chroma collection {self.name!r}: {exc}") from exc
        return self._collection

    # -- state ---------------------------------------------------------------------------

    def count(self) -> int:
        return int(self.collection.count())

    def generation(self) -> str:
        """A token that changes whenever the collection's contents change."""
        meta = self._fresh_collection_metadata()
        return str(meta.get("generation", "unknown"))

    def _fresh_collection_metadata(self) -> dict[str, Any]:
        # Re-read: another process (or machine, with a server) may have written since.
        try:
            fresh = self.client.get_collection(self.name, embedding_function=self.embedder)  # type: ignore[arg-type]
        except Exception:
            return {}
        return dict(fresh.metadata or {})

    def bump_generation(self) -> str:
        token = uuid.uuid4().hex
        self.collection.modify(metadata={"generation": token})
        return token

    # -- reads ---------------------------------------------------------------------------

    def iter_records(
        self,
        *,
        documents: bool = True,
        embeddings: bool = False,
        where: dict[str, Any] | None = None,
    ) -> Iterator[Record]:
        """Every record, page by page (metadata always; text and vectors when asked)."""
        include: list[Any] = ["metadatas"]
        include += ["documents"] if documents else []
        include += ["embeddings"] if embeddings else []
        offset = 0
        while True:
            page = self.collection.get(include=include, limit=PAGE, offset=offset, where=where)
            ids = page["ids"]
            if not ids:
                return
            metas = page["metadatas"] or [{}] * len(ids)
            docs = page["documents"] if documents and page["documents"] else [""] * len(ids)
            vectors = page["embeddings"] if embeddings else None
            for i, rid in enumerate(ids):
                vector = None if vectors is None else np.asarray(vectors[i], dtype=np.float32)
                yield Record(rid, docs[i] or "", dict(metas[i] or {}), vector)
            if len(ids) < PAGE:
                return
            offset += PAGE

    def get(self, ids: Sequence[str]) -> list[Record]:
        """Records for ``ids`` in the order asked; unknown ids are left out."""
        if not ids:
            return []
        page = self.collection.get(ids=list(ids), include=["metadatas", "documents"])
        found = {
            rid: Record(
                rid,
                (page["documents"] or [""])[i] or "",
                dict((page["metadatas"] or [{}])[i] or {}),
            )
            for i, rid in enumerate(page["ids"])
        }
        return [found[i] for i in ids if i in found]

    def query(
        self, embedding: np.ndarray, n: int, where: dict[str, Any] | None = None
    ) -> list[tuple[str, float]]:
        """Nearest passages as (id, cosine similarity), best first."""
        return self.query_many([embedding], min(n, self.count()), where)[0]

    def query_many(
        self, embeddings: Sequence[np.ndarray], n: int, where: dict[str, Any] | None = None
    ) -> list[list[tuple[str, float]]]:
        """:meth:`query` for several vectors in one round trip (``n`` at most the store's
        size: the caller knows it, and counting on every query would cost a round trip)."""
        if n <= 0 or not len(embeddings):
            return [[] for _ in range(len(embeddings))]
        result = self.collection.query(
            query_embeddings=list(embeddings), n_results=n, where=where, include=["distances"]
        )
        distances = result["distances"] or [[1.0] * len(ids) for ids in result["ids"]]
        return [
            [(rid, 1.0 - float(d)) for rid, d in zip(ids, dists, strict=True)]
            for ids, dists in zip(result["ids"], distances, strict=True)
        ]

    # -- writes --------------------------------------------------------------------------

    def upsert(
        self,
        ids: Sequence[str],
        texts: Sequence[str],
        embeddings: np.ndarray,
        metadatas: Sequence[dict[str, Any]],
    ) -> None:
        step = self.client.get_max_batch_size()
        for start in range(0, len(ids), step):
            end = start + step
            self.collection.upsert(
                ids=list(ids[start:end]),
                documents=list(texts[start:end]),
                embeddings=embeddings[start:end],
                metadatas=list(metadatas[start:end]),
            )

    def update_metadata(self, ids: Sequence[str], metadatas: Sequence[dict[str, Any]]) -> None:
        step = self.client.get_max_batch_size()
        for start in range(0, len(ids), step):
            self.collection.update(
                ids=list(ids[start : start + step]),
                metadatas=list(metadatas[start : start + step]),
            )

    def delete(self, ids: Sequence[str]) -> None:
        step = self.client.get_max_batch_size()
        for start in range(0, len(ids), step):
            self.collection.delete(ids=list(ids[start : start + step]))

    def reset(self) -> None:
        """Drop the whole collection (used by `comentor ingest --rebuild`)."""
        with contextlib.suppress(Exception):
            self.client.delete_collection(self.name)
        self._collection = None


def mode_filter(
    modes: Sequence[str] | None,
    audiences: Sequence[str] | None,
    *,
    exclude_quarantined: bool = False,
) -> dict[str, Any] | None:
    """A Chroma ``where`` for passages that apply to any of ``modes`` and ``audiences``.

    Passages marked ``all`` apply everywhere, so they always pass a filter; quarantined
    passages (see :func:`assistant.safety.quarantine_reason`) can be left out too.
    """
    clauses: list[dict[str, Any]] = []
    for field, values in (("modes", modes), ("audiences", audiences)):
        if not values:
            continue
        wanted = sorted({v.lower() for v in values} | {"all"})
        clauses.append({"$or": [{field: {"$contains": v}} for v in wanted]})
    if exclude_quarantined:
        clauses.append({"quarantined": False})
    if not clauses:
        return None
    return clauses[0] if len(clauses) == 1 else {"$and": clauses}


def build_store(settings: Settings, embedder: MiniLMEmbedder | None = None) -> GuidanceStore:
    from assistant.knowledge.embeddings import MiniLMEmbedder

    client = make_client(settings)
    return GuidanceStore(
        client, settings.collection, embedder or MiniLMEmbedder.from_settings(settings)
    )
