"""Ingestion: files → passages → embeddings → the store, idempotently.

* An unchanged file (same bytes, same pipeline settings) writes nothing.
* A changed file replaces its passages: new ones are added, changed ones re-embedded,
  vanished ones deleted; passages whose text did not change are not re-embedded.
* ``prune=True`` deletes the passages of files that are no longer under the given folders.
* A file that cannot be read (binary, empty, broken PDF…) is named and skipped; the
  passages it had from an earlier run are kept. The run fails only when files were
  found but none of them could be ingested.

Each passage's source is ``<folder name>/<path inside it>`` (just the file name when a
single file is given), so the bundled guidance is cited as ``knowledge/guides/...``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from assistant.config import Settings, bundled_knowledge_dir
from assistant.errors import IngestError
from assistant.knowledge.chunking import Chunk, chunk_document
from assistant.knowledge.loaders import (
    SUPPORTED_SUFFIXES,
    LoadedDocument,
    UnreadableFile,
    file_sha256,
    load_document,
    read_bytes,
)
from assistant.knowledge.retrieval import HybridRetriever
from assistant.safety import quarantine_reason

PIPELINE_VERSION = "3"
EMBED_FLUSH = 256

Progress = Callable[[int, int, str], None]


@dataclass
class SkippedFile:
    path: str
    reason: str


@dataclass
class IngestReport:
    files_found: int = 0
    files_changed: int = 0
    files_unchanged: int = 0
    files_failed: list[SkippedFile] = field(default_factory=list)
    files_pruned: int = 0
    chunks_added: int = 0
    chunks_updated: int = 0
    chunks_removed: int = 0
    chunks_skipped: int = 0
    total_chunks: int = 0
    warnings: list[str] = field(default_factory=list)
    quarantined: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.chunks_added or self.chunks_updated or self.chunks_removed)

    def summary(self) -> str:
        line = (
            f"{self.files_found} files ({self.files_changed} changed, {self.files_unchanged} "
            f"unchanged, {len(self.files_failed)} skipped"
            + (f", {self.files_pruned} pruned" if self.files_pruned else "")
            + f"); chunks: {self.chunks_added} added, {self.chunks_updated} updated, "
            f"{self.chunks_removed} removed, {self.chunks_skipped} skipped; "
            f"{self.total_chunks} in the index"
            + (f"; {len(self.quarantined)} quarantined" if self.quarantined else "")
        )
        return line

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["summary"] = self.summary()
        return data


@dataclass
class _Target:
    root: Path
    path: Path
    source: str


def pipeline_fingerprint(settings: Settings, embedder_name: str) -> str:
    model = str(settings.embedding_model_path or "bundled")
    raw = (
        f"{PIPELINE_VERSION}|{settings.chunk_size}|{settings.chunk_overlap}|{embedder_name}|{model}"
    )
    return hashlib.sha256(raw.encode()).hexdigest()[:16]


def discover(paths: Sequence[Path]) -> tuple[list[_Target], list[SkippedFile], list[str]]:
    """Files to ingest under ``paths``; explicitly named unsupported files; folder prefixes."""
    targets: list[_Target] = []
    rejected: list[SkippedFile] = []
    prefixes: list[str] = []
    bundled = bundled_knowledge_dir().resolve()
    for given in paths:
        path = given.expanduser()
        if not path.exists():
            raise IngestError(f"No such file or folder: {given}")
        path = path.resolve()
        if path.is_file():
            if path.suffix.lower() not in SUPPORTED_SUFFIXES:
                rejected.append(
                    SkippedFile(str(given), f"unsupported file type {path.suffix or '(none)'}")
                )
            else:
                targets.append(_Target(path.parent, path, path.name))
            continue
        prefixes.append(f"{path.name}/")
        for file in sorted(path.rglob("*")):
            rel = file.relative_to(path)
            if any(part.startswith(".") for part in rel.parts) or not file.is_file():
                continue
            if file.suffix.lower() not in SUPPORTED_SUFFIXES:
                continue
            if path == bundled and file.name == "README.md":
                continue  # describes the knowledge base; not guidance
            targets.append(_Target(path, file, f"{path.name}/{rel.as_posix()}"))
    seen: set[str] = set()
    unique = []
    for target in targets:
        if target.source not in seen:
            seen.add(target.source)
            unique.append(target)
    return unique, rejected, prefixes


def _chunk_digest(chunk: Chunk, doc: LoadedDocument) -> str:
    payload = "|".join(
        (
            chunk.digest,
            ",".join(doc.modes),
            ",".join(doc.audiences),
            ",".join(doc.topics),
            doc.doc_id,
            doc.kind,
        )
    )
    return hashlib.sha256(payload.encode()).hexdigest()[:32]


def _metadata(
    chunk: Chunk, doc: LoadedDocument, target: _Target, sha: str, pipeline: str, digest: str
) -> dict[str, Any]:
    meta: dict[str, Any] = {
        "source": chunk.source,
        "anchor": chunk.anchor,
        "title": chunk.title,
        "heading": chunk.heading,
        "ordinal": chunk.ordinal,
        "doc_id": doc.doc_id,
        "kind": doc.kind,
        "modes": doc.modes,
        "audiences": doc.audiences,
        "root": str(target.root),
        "file_sha": sha,
        "pipeline": pipeline,
        "digest": digest,
        "quarantined": False,
    }
    if doc.topics:
        meta["topics"] = doc.topics
    if chunk.page is not None:
        meta["page"] = chunk.page
    return meta


class _Writer:
    """Buffers passages so embeddings run in full batches across small files."""

    def __init__(self, retriever: HybridRetriever) -> None:
        self.store = retriever.store
        self.ids: list[str] = []
        self.texts: list[str] = []
        self.embed_texts: list[str] = []
        self.metas: list[dict[str, Any]] = []

    def add(self, chunk: Chunk, meta: dict[str, Any]) -> None:
        self.ids.append(chunk.id)
        self.texts.append(chunk.text)
        self.embed_texts.append(chunk.embed_text)
        self.metas.append(meta)
        if len(self.ids) >= EMBED_FLUSH:
            self.flush()

    def flush(self) -> None:
        if not self.ids:
            return
        vectors: np.ndarray = self.store.embedder.embed(self.embed_texts)
        self.store.upsert(self.ids, self.texts, vectors, self.metas)
        self.ids, self.texts, self.embed_texts, self.metas = [], [], [], []


def ingest(
    paths: Sequence[Path] | None,
    *,
    settings: Settings,
    retriever: HybridRetriever,
    prune: bool = False,
    progress: Progress | None = None,
) -> IngestReport:
    """Bring the store in line with the files under ``paths`` (default: bundled knowledge)."""
    store = retriever.store
    roots = list(paths) if paths else [settings.knowledge_dir]
    targets, rejected, prefixes = discover(roots)
    report = IngestReport(files_found=len(targets) + len(rejected), files_failed=list(rejected))
    if not targets:
        if rejected:
            raise IngestError(
                "Nothing could be ingested: " + "; ".join(f"{s.path}: {s.reason}" for s in rejected)
            )
        shown = ", ".join(str(p) for p in roots)
        raise IngestError(
            f"No .md, .txt, .html or .pdf files found in {shown}.",
            hint="Point `comentor ingest` at a folder or file of guidance.",
        )

    pipeline = pipeline_fingerprint(settings, store.embedder.name())
    existing: dict[str, dict[str, dict[str, Any]]] = {}
    for record in store.iter_records(documents=False):
        source = str(record.metadata.get("source", ""))
        existing.setdefault(source, {})[record.id] = record.metadata

    writer = _Writer(retriever)
    meta_ids: list[str] = []
    meta_updates: list[dict[str, Any]] = []
    delete_ids: list[str] = []
    ingested_any = False

    for done, target in enumerate(targets, start=1):
        old = existing.get(target.source, {})
        try:
            data = read_bytes(target.path)
            sha = file_sha256(data)
            if old and all(
                m.get("file_sha") == sha and m.get("pipeline") == pipeline for m in old.values()
            ):
                report.files_unchanged += 1
                report.chunks_skipped += len(old)
                ingested_any = True
                continue
            doc = load_document(target.path, target.source, data)
            chunks = chunk_document(
                doc, chunk_size=settings.chunk_size, chunk_overlap=settings.chunk_overlap
            )
            if not chunks:
                raise UnreadableFile("no passages long enough to index")
        except UnreadableFile as exc:
            report.files_failed.append(SkippedFile(str(target.path), str(exc)))
            continue
        finally:
            if progress:
                progress(done, len(targets), target.source)
        report.warnings.extend(f"{target.source}: {w}" for w in doc.warnings)
        ingested_any = True
        report.files_changed += 1
        new_ids = set()
        for chunk in chunks:
            new_ids.add(chunk.id)
            digest = _chunk_digest(chunk, doc)
            meta = _metadata(chunk, doc, target, sha, pipeline, digest)
            reason = quarantine_reason(chunk.text)
            if reason:
                # Kept in the index (so re-runs stay idempotent) but never retrieved or quoted.
                meta["quarantined"] = True
                meta["quarantine_reason"] = reason
                report.quarantined.append(f"{chunk.id}: {reason}")
            previous = old.get(chunk.id)
            if (
                previous is not None
                and previous.get("digest") == digest
                and (previous.get("pipeline") == pipeline)
            ):
                report.chunks_skipped += 1
                meta_ids.append(chunk.id)
                meta_updates.append(meta)
                continue
            if previous is None:
                report.chunks_added += 1
            else:
                report.chunks_updated += 1
            writer.add(chunk, meta)
        gone = [cid for cid in old if cid not in new_ids]
        delete_ids.extend(gone)
        report.chunks_removed += len(gone)

    if not ingested_any:
        raise IngestError(
            "Nothing could be ingested: "
            + "; ".join(f"{s.path}: {s.reason}" for s in report.files_failed)
        )

    if prune:
        current = {t.source for t in targets}
        for source, chunk_map in existing.items():
            if source in current or not any(source.startswith(p) for p in prefixes):
                continue
            report.files_pruned += 1
            report.chunks_removed += len(chunk_map)
            delete_ids.extend(chunk_map)

    writer.flush()
    if meta_ids:
        store.update_metadata(meta_ids, meta_updates)
    if delete_ids:
        store.delete(delete_ids)
    if report.changed:
        store.bump_generation()
        retriever.refresh()
    else:
        retriever.lexical()  # make sure a derived index exists for this generation
    report.total_chunks = store.count()
    return report
