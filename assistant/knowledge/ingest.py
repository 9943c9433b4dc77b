"""Ingestion: files → passages → embeddings → the store, idempotently and safely.

* An unchanged file (same bytes, same pipeline settings, same detectors, all of its passages
  stored) writes nothing. After the quarantine or hidden-content detectors change, every
  file is loaded and checked again; only passages whose text changed are re-embedded.
* A changed file replaces its passages: new ones are added, changed ones re-embedded,
  vanished ones deleted; passages whose text did not change are not re-embedded.
* ``prune=True`` deletes the passages of files that are no longer under the given folders;
  it only ever touches passages of those folders (roots are told apart by their full path).
* A file that cannot be read (binary, empty, broken PDF…), or a symlink pointing outside
  its folder, is named and skipped; passages a file had from an earlier run are kept. The
  run fails only when files were found but none of them could be ingested.
* A run killed at any moment leaves the store consistent: each passage records its file's
  fingerprint *and the number of passages the file has*, so a file counts as unchanged only
  when every one of its passages is stored; the next run completes it (re-embedding nothing
  already stored). Every write also changes the store's generation token, so the lexical
  index never stays behind the store, and a concurrent `ask` sees what is stored so far.
* One ingest at a time per data directory: a second one waits for the lock (up to
  ``lock_timeout`` seconds), then stops with a clear message.

Each passage's source is ``<root label>/<path inside it>`` (the label alone for a single
file); see :mod:`assistant.knowledge.discovery`. The bundled guidance is cited as
``knowledge/guides/...``.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import importlib.metadata
import importlib.util
import logging
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from assistant.config import Settings, bundled_knowledge_dir
from assistant.errors import ConflictError, IngestError
from assistant.knowledge.chunking import Chunk, chunk_document
from assistant.knowledge.discovery import (
    SkippedFile,
    Target,
    discover,
    label_roots,
    stored_root,
)
from assistant.knowledge.loaders import (
    LoadedDocument,
    UnreadableFile,
    file_sha256,
    load_document,
    read_bytes,
)
from assistant.knowledge.retrieval import HybridRetriever
from assistant.knowledge.store import GuidanceStore
from assistant.safety import quarantine_reason

# 4: roots keyed by full path (root_label), passage count per file (file_chunks), titles and
# headings checked for quarantine, hidden HTML dropped at load.
PIPELINE_VERSION = "4"
# Bump by hand when what decides quarantine or hidden content changes in a way the source
# hashes below cannot see (for instance data read from elsewhere).
DETECTOR_VERSION = "1"
# The code whose change alters which passages are quarantined or which parts of a page are
# dropped as hidden. Every stored passage records a hash of it (``detectors``), so after an
# upgrade every file is loaded and checked again, although its bytes did not change; passages
# whose text is the same are not embedded again. (knowledge/data/*.yaml feed the summarizer,
# not these checks, so they are not part of it.)
DETECTOR_MODULES = ("assistant.safety", "assistant.privacy", "assistant.knowledge.hidden")
# Look-alike letters are folded with this package's data before the privacy checks.
DETECTOR_PACKAGES = ("confusable_homoglyphs",)
EMBED_FLUSH = 256
# The first batch is written early, so an `ask` during a long first ingest finds passages.
EMBED_FIRST_FLUSH = 32
LOCK_TIMEOUT_SECONDS = 30.0
LOCK_NAME = "ingest.lock"

Progress = Callable[[int, int, str], None]
log = logging.getLogger(__name__)

__all__ = [
    "IngestReport",
    "SkippedFile",
    "detector_fingerprint",
    "ingest",
    "ingest_lock",
    "pipeline_fingerprint",
]


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


def pipeline_fingerprint(settings: Settings, embedder_name: str) -> str:
    model = str(settings.embedding_model_path or "bundled")
    raw = (
        f"{PIPELINE_VERSION}|{settings.chunk_size}|{settings.chunk_overlap}|{embedder_name}|{model}"
    )
    return hashlib.sha256(raw.encode()).hexdigest()[:16]


@functools.lru_cache(maxsize=1)
def detector_fingerprint() -> str:
    """A hash of the quarantine and hidden-content detectors (their source files, the
    version of the data package they use and :data:`DETECTOR_VERSION`)."""
    files: list[Path | None] = []
    for name in DETECTOR_MODULES:
        origin = getattr(importlib.util.find_spec(name), "origin", None)
        files.append(Path(origin) if origin else None)
    return _fingerprint(files, DETECTOR_PACKAGES, DETECTOR_VERSION)


def _fingerprint(files: Sequence[Path | None], packages: Sequence[str], version: str) -> str:
    digest = hashlib.sha256(version.encode())
    for path in files:
        try:
            digest.update(path.read_bytes() if path else b"?")
        except OSError:
            digest.update(b"?")  # no source shipped: the version constant still counts
    for package in packages:
        try:
            digest.update(f"|{package}={importlib.metadata.version(package)}".encode())
        except importlib.metadata.PackageNotFoundError:
            digest.update(f"|{package}=?".encode())
    return digest.hexdigest()[:16]


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
    chunk: Chunk,
    doc: LoadedDocument,
    target: Target,
    sha: str,
    pipeline: str,
    digest: str,
    file_chunks: int,
    detectors: str,
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
        "root": target.root.key,
        "root_label": target.root.label,
        "file_sha": sha,
        "file_chunks": file_chunks,
        "pipeline": pipeline,
        "detectors": detectors,
        "digest": digest,
        "quarantined": False,
        "quarantine_reason": "",  # clears a reason stored before the detectors changed
    }
    if doc.topics:
        meta["topics"] = doc.topics
    if chunk.page is not None:
        meta["page"] = chunk.page
    return meta


class _Writer:
    """Buffers passages so embeddings run in full batches across small files, and changes
    the store's generation around every write (see the module docstring)."""

    def __init__(self, store: GuidanceStore) -> None:
        self.store = store
        self.dirty = False
        self.ids: list[str] = []
        self.texts: list[str] = []
        self.embed_texts: list[str] = []
        self.metas: list[dict[str, Any]] = []

    def add(self, chunk: Chunk, meta: dict[str, Any]) -> None:
        self.ids.append(chunk.id)
        self.texts.append(chunk.text)
        self.embed_texts.append(chunk.embed_text)
        self.metas.append(meta)
        if len(self.ids) >= (EMBED_FLUSH if self.dirty else EMBED_FIRST_FLUSH):
            self.flush()

    def flush(self) -> None:
        if not self.ids:
            return
        vectors: np.ndarray = self.store.embedder.embed(self.embed_texts)
        self._write(lambda: self.store.upsert(self.ids, self.texts, vectors, self.metas))
        self.ids, self.texts, self.embed_texts, self.metas = [], [], [], []

    def update_metadata(self, ids: list[str], metas: list[dict[str, Any]]) -> None:
        if ids:
            self._write(lambda: self.store.update_metadata(ids, metas))

    def delete(self, ids: list[str]) -> None:
        if ids:
            self._write(lambda: self.store.delete(ids))

    def _write(self, action: Callable[[], None]) -> None:
        # Before the first write, so an index built from the old contents is never taken for
        # the new ones even if this process dies mid-write; after each, so readers notice.
        if not self.dirty:
            self.store.bump_generation()
            self.dirty = True
        action()
        self.store.bump_generation()


@contextlib.contextmanager
def ingest_lock(settings: Settings, timeout: float = LOCK_TIMEOUT_SECONDS) -> Iterator[None]:
    """Hold the data directory's ingest lock (a file lock, released if the process dies)."""
    from filelock import FileLock, Timeout

    try:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise IngestError(f"Cannot create the data directory {settings.data_dir}: {exc}") from exc
    path = settings.data_dir / LOCK_NAME
    lock = FileLock(str(path), timeout=timeout)
    try:
        try:
            lock.acquire(timeout=0)
        except Timeout:
            if timeout <= 0:
                raise
            log.warning(
                "Another ingest is writing to %s; waiting up to %g s for it to finish.",
                settings.data_dir,
                timeout,
            )
            lock.acquire()
    except Timeout:
        raise ConflictError(
            f"Another ingest is already writing to {settings.data_dir}; waited {timeout:g} s "
            "for it to finish.",
            hint=f"Run this again when it is done (the lock is {path}; it is released as soon "
            "as that ingest ends, even if it is killed).",
            code="ingest_running",
        ) from None
    try:
        yield
    finally:
        lock.release()


def ingest(
    paths: Sequence[Path] | None,
    *,
    settings: Settings,
    retriever: HybridRetriever,
    prune: bool = False,
    rebuild: bool = False,
    progress: Progress | None = None,
    lock_timeout: float = LOCK_TIMEOUT_SECONDS,
) -> IngestReport:
    """Bring the store in line with the files under ``paths`` (default: bundled knowledge).

    ``rebuild`` drops the whole index first (under the same lock). A second ingest of the
    same data directory waits up to ``lock_timeout`` seconds, then raises ConflictError.
    """
    with ingest_lock(settings, lock_timeout):
        if rebuild:
            retriever.store.reset()
        return _ingest(paths, settings, retriever, prune, progress)


def _ingest(
    paths: Sequence[Path] | None,
    settings: Settings,
    retriever: HybridRetriever,
    prune: bool,
    progress: Progress | None,
) -> IngestReport:
    store = retriever.store
    repairs_before = len(retriever.repairs)
    given = list(paths) if paths else [settings.knowledge_dir]
    bundled = bundled_knowledge_dir().resolve()
    found = discover(given, bundled=bundled)
    targets = found.files
    report = IngestReport(
        files_found=len(targets) + len(found.skipped), files_failed=list(found.skipped)
    )
    if not targets:
        if found.skipped:
            raise IngestError(
                "Nothing could be ingested: "
                + "; ".join(f"{s.path}: {s.reason}" for s in found.skipped)
            )
        shown = ", ".join(str(p) for p in given)
        raise IngestError(
            f"No .md, .txt, .html or .pdf files found in {shown}.",
            hint="Point `comentor ingest` at a folder or file of guidance.",
        )

    pipeline = pipeline_fingerprint(settings, store.embedder.name())
    detectors = detector_fingerprint()
    existing: dict[str, dict[str, dict[str, Any]]] = {}
    stored_roots: dict[tuple[str, str], None] = {}
    for record in store.iter_records(documents=False):
        source = str(record.metadata.get("source", ""))
        existing.setdefault(source, {})[record.id] = record.metadata
        owner = stored_root(record.metadata)
        if owner is not None:
            stored_roots[owner] = None
    reserved = {bundled.name: bundled}
    configured = settings.knowledge_dir.expanduser().resolve()
    reserved[configured.name] = configured
    label_roots(found.roots, stored_roots, reserved)

    writer = _Writer(store)
    meta_ids: list[str] = []
    meta_updates: list[dict[str, Any]] = []
    delete_ids: list[str] = []
    ingested_any = False
    seen_sources: set[str] = set()

    for done, target in enumerate(targets, start=1):
        source = target.source
        if source in seen_sources:
            continue
        seen_sources.add(source)
        old = existing.get(source, {})
        try:
            data = read_bytes(target.read_path)
            sha = file_sha256(data)
            if old and all(
                m.get("file_sha") == sha
                and m.get("pipeline") == pipeline
                and m.get("detectors") == detectors
                and m.get("root") == target.root.key
                and m.get("file_chunks") == len(old)
                for m in old.values()
            ):
                report.files_unchanged += 1
                report.chunks_skipped += len(old)
                ingested_any = True
                continue
            doc = load_document(target.path, source, data)
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
                progress(done, len(targets), source)
        report.warnings.extend(f"{source}: {w}" for w in doc.warnings)
        ingested_any = True
        report.files_changed += 1
        new_ids = set()
        for chunk in chunks:
            new_ids.add(chunk.id)
            digest = _chunk_digest(chunk, doc)
            meta = _metadata(chunk, doc, target, sha, pipeline, digest, len(chunks), detectors)
            # The title and headings are shown with every passage, so they are checked too.
            reason = quarantine_reason(chunk.checked_text)
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
        # Only passages of the folders given, recognised by their full path: never those of
        # another folder that happens to have the same name.
        folders = {root.key for root in found.roots if not root.is_file}
        for source, chunk_map in existing.items():
            if source in seen_sources:
                continue
            owners = {stored_root(meta) for meta in chunk_map.values()}
            if not any(owner is not None and owner[0] in folders for owner in owners):
                continue
            report.files_pruned += 1
            report.chunks_removed += len(chunk_map)
            delete_ids.extend(chunk_map)

    writer.flush()
    writer.update_metadata(meta_ids, meta_updates)
    writer.delete(delete_ids)
    if writer.dirty:
        retriever.refresh()
    elif len(retriever.lexical()) != store.count():
        retriever.refresh()  # the saved index fell behind (a writer killed before its bump)
    report.total_chunks = store.count()
    report.warnings.extend(retriever.repairs[repairs_before:])
    return report
