"""BM25 over every stored passage (bm25s: sparse matrices, fast at 100k+ passages).

The index is derived data: it is rebuilt from the vector store whenever the store's
generation token changes, and saved under the data directory so that a new process
loads it instead of rebuilding. Only ids and filter flags are kept beside the BM25
matrices; passage text stays in the store.
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import time
import uuid
from collections.abc import Iterable, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

FORMAT = 3
QUARANTINED = "quarantined:yes"

log = logging.getLogger(__name__)


@lru_cache(maxsize=1)
def _stemmer() -> Any:
    import Stemmer

    return Stemmer.Stemmer("english")


def tokenize(texts: Sequence[str]) -> list[list[str]]:
    import bm25s

    tokens: list[list[str]] = bm25s.tokenize(
        list(texts), stopwords="en", stemmer=_stemmer(), return_ids=False, show_progress=False
    )
    return tokens


class LexicalIndex:
    def __init__(self, ids: list[str], flags: dict[str, np.ndarray], bm25: Any) -> None:
        self.ids = ids
        self.flags = flags
        self.bm25 = bm25
        self._vocab: dict[str, int] = getattr(bm25, "vocab_dict", {}) or {}
        self._position: dict[str, int] | None = None

    def __len__(self) -> int:
        return len(self.ids)

    @classmethod
    def build(cls, items: Iterable[tuple[str, str, dict[str, Any]]]) -> LexicalIndex:
        """Index (id, text, metadata) triples; metadata lists ``modes`` and ``audiences``."""
        import bm25s

        ids: list[str] = []
        texts: list[str] = []
        tags: list[set[str]] = []
        for rid, text, meta in items:
            ids.append(rid)
            texts.append(text)
            tags.append(
                {f"modes:{m}" for m in meta.get("modes") or ["all"]}
                | {f"audiences:{a}" for a in meta.get("audiences") or ["all"]}
                | ({QUARANTINED} if meta.get("quarantined") else set())
            )
        names = sorted(set().union(*tags)) if tags else []
        flags = {
            name: np.fromiter((name in t for t in tags), dtype=bool, count=len(ids))
            for name in names
        }
        bm25 = bm25s.BM25()
        if ids:
            tokens = bm25s.tokenize(texts, stopwords="en", stemmer=_stemmer(), show_progress=False)
            bm25.index(tokens, show_progress=False)
        return cls(ids, flags, bm25)

    def mask(
        self, modes: Sequence[str] | None, audiences: Sequence[str] | None
    ) -> np.ndarray | None:
        """Which passages pass the filter (``all`` always passes; quarantined passages
        never do); None when every passage passes."""
        result: np.ndarray | None = None
        if self.has_quarantined:
            result = ~self.flags[QUARANTINED]
        for field, values in (("modes", modes), ("audiences", audiences)):
            if not values:
                continue
            part = np.zeros(len(self.ids), dtype=bool)
            for value in {v.lower() for v in values} | {"all"}:
                flag = self.flags.get(f"{field}:{value}")
                if flag is not None:
                    part |= flag
            result = part if result is None else result & part
        return result

    @property
    def has_quarantined(self) -> bool:
        flag = self.flags.get(QUARANTINED)
        return flag is not None and bool(flag.any())

    def allows(self, passage_id: str, mask: np.ndarray) -> bool:
        """Whether a passage passes a filter mask from :meth:`mask`."""
        if self._position is None:
            self._position = {rid: i for i, rid in enumerate(self.ids)}
        index = self._position.get(passage_id)
        return index is not None and bool(mask[index])

    def search(self, query: str, n: int, mask: np.ndarray | None = None) -> list[tuple[str, float]]:
        """Top passages for ``query`` as (id, BM25 score), best first; zero scores dropped."""
        if not self.ids:
            return []
        tokens = [t for t in tokenize([query])[0] if t in self._vocab]
        if not tokens:
            return []
        k = min(n, len(self.ids))
        weights = None if mask is None else mask.astype(np.float32)
        docs, scores = self.bm25.retrieve(
            [tokens], k=k, show_progress=False, weight_mask=weights, n_threads=0
        )
        return [
            (self.ids[int(d)], float(s)) for d, s in zip(docs[0], scores[0], strict=True) if s > 0
        ]

    # -- persistence ---------------------------------------------------------------------
    #
    # Each generation is saved in a directory of its own (``gen-<token>``), written under a
    # unique temporary name and renamed into place, so that an `ask` rebuilding the index
    # while an ingest saves it never sees (or leaves) a half-written directory.

    def save(self, directory: Path, generation: str) -> None:
        """Write the index for ``generation`` under ``directory`` (atomically)."""
        directory.mkdir(parents=True, exist_ok=True)
        final = directory / _generation_dir(generation)
        tmp = directory / f".tmp-{uuid.uuid4().hex}"
        try:
            tmp.mkdir()
            if self.ids:
                self.bm25.save(str(tmp / "bm25"), show_progress=False)
            arrays: dict[str, Any] = {k.replace(":", "__"): v for k, v in self.flags.items()}
            np.savez(tmp / "flags.npz", **arrays)
            (tmp / "ids.json").write_text(json.dumps(self.ids), encoding="utf-8")
            (tmp / "state.json").write_text(
                json.dumps({"format": FORMAT, "generation": generation, "count": len(self.ids)}),
                encoding="utf-8",
            )
            try:
                os.replace(tmp, final)
            except OSError:
                if not (final / "state.json").exists():
                    raise
                # Another process saved this generation a moment earlier: same contents.
        except OSError as exc:
            log.warning(
                "Could not save the lexical index in %s (%s); it is kept in memory.", directory, exc
            )
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        _clean_up(directory, keep=final.name)

    @classmethod
    def load(
        cls,
        directory: Path,
        generation: str,
        expected_count: int | None = None,
        *,
        problems: list[str] | None = None,
    ) -> LexicalIndex | None:
        """The saved index if it was built for ``generation`` (and, when given, holds
        ``expected_count`` passages), else None. A damaged index (truncated, garbage or
        wrong-shaped files, files missing) is reported as a warning and also gives None, so
        the caller rebuilds it from the store."""
        target = directory / _generation_dir(generation)
        if not target.exists():
            return None
        try:
            index = cls._read(target, generation)
        except Exception as exc:  # any damage at all means: rebuild, never crash
            message = (
                f"the lexical index in {target} was damaged ({type(exc).__name__}: "
                f"{str(exc)[:200]}); rebuilt from the store"
            )
            log.warning("%s", message[0].upper() + message[1:])
            if problems is not None:
                problems.append(message)
            shutil.rmtree(target, ignore_errors=True)
            return None
        if expected_count is not None and len(index) != expected_count:
            return None  # the store changed without a new generation (a killed writer)
        return index

    @classmethod
    def _read(cls, target: Path, generation: str) -> LexicalIndex:
        import bm25s

        state = json.loads((target / "state.json").read_text(encoding="utf-8"))
        if not isinstance(state, dict) or state.get("format") != FORMAT:
            raise DamagedIndex("state.json is not a lexical index state")
        if state.get("generation") != generation:
            raise DamagedIndex("state.json names another generation")
        ids = json.loads((target / "ids.json").read_text(encoding="utf-8"))
        if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
            raise DamagedIndex("ids.json is not a list of passage ids")
        if state.get("count") != len(ids):
            raise DamagedIndex("ids.json does not match state.json")
        flags: dict[str, np.ndarray] = {}
        with np.load(target / "flags.npz", allow_pickle=False) as data:
            for key in data.files:
                array = np.asarray(data[key])
                if array.dtype != bool or array.shape != (len(ids),):
                    raise DamagedIndex(f"flag {key!r} has the wrong shape")
                flags[key.replace("__", ":")] = array
        if not ids:
            return cls(ids, flags, bm25s.BM25())
        bm25 = bm25s.BM25.load(str(target / "bm25"), mmap=True, show_progress=False)
        _check_bm25(bm25, len(ids))
        return cls(ids, flags, bm25)


class DamagedIndex(ValueError):
    """A saved lexical index whose files do not fit together."""


def _check_bm25(bm25: Any, count: int) -> None:
    """Shape checks that keep a damaged matrix from failing later, inside a search."""
    vocab = bm25.vocab_dict
    scores = bm25.scores
    if not isinstance(vocab, dict) or not all(isinstance(v, int) for v in vocab.values()):
        raise DamagedIndex("the BM25 vocabulary is not a token -> id map")
    data, indices, indptr = scores["data"], scores["indices"], scores["indptr"]
    if scores.get("num_docs") != count:
        raise DamagedIndex("the BM25 matrix has another number of passages")
    if any(np.ndim(a) != 1 for a in (data, indices, indptr)):
        raise DamagedIndex("the BM25 matrix arrays are not one-dimensional")
    if len(indptr) < 1 or len(data) != len(indices) or int(indptr[-1]) != len(data):
        raise DamagedIndex("the BM25 matrix arrays do not fit together")
    if vocab and max(vocab.values()) >= len(indptr):  # bm25s keeps "" one past the end
        raise DamagedIndex("the BM25 vocabulary points past the matrix")
    if len(indptr) > 1 and bool(np.any(np.diff(indptr) < 0)):
        raise DamagedIndex("the BM25 matrix pointers go backwards")
    if len(indices) and (int(indices.max()) >= count or int(indices.min()) < 0):
        raise DamagedIndex("the BM25 matrix points past the last passage")


def _generation_dir(generation: str) -> str:
    return "gen-" + (re.sub(r"[^A-Za-z0-9_-]", "_", generation)[:80] or "none")


_LEGACY = ("state.json", "ids.json", "flags.npz", "bm25")
_KEEP_GENERATIONS = 3
_STALE_TMP_SECONDS = 3600


def _clean_up(directory: Path, keep: str) -> None:
    """Drop old generations (a few recent ones stay for processes still reading them),
    abandoned temporary directories and the files of the older single-directory layout."""
    try:
        entries = list(directory.iterdir())
    except OSError:
        return
    now = time.time()
    generations = []
    for entry in entries:
        try:
            mtime = entry.stat().st_mtime
        except OSError:
            continue
        if entry.name in _LEGACY:
            if entry.is_dir():
                shutil.rmtree(entry, ignore_errors=True)
            else:
                entry.unlink(missing_ok=True)
        elif entry.name.startswith(".tmp-") and now - mtime > _STALE_TMP_SECONDS:
            shutil.rmtree(entry, ignore_errors=True)
        elif entry.name.startswith("gen-") and entry.name != keep:
            generations.append((mtime, entry))
    generations.sort(reverse=True)
    for _, entry in generations[_KEEP_GENERATIONS - 1 :]:
        shutil.rmtree(entry, ignore_errors=True)
