"""BM25 over every stored passage (bm25s: sparse matrices, fast at 100k+ passages).

The index is derived data: it is rebuilt from the vector store whenever the store's
generation token changes, and saved under the data directory so that a new process
loads it instead of rebuilding. Only ids and filter flags are kept beside the BM25
matrices; passage text stays in the store.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterable, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

FORMAT = 2
QUARANTINED = "quarantined:yes"


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

    def save(self, directory: Path, generation: str) -> None:
        tmp = directory.with_name(directory.name + ".tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        if self.ids:
            self.bm25.save(str(tmp / "bm25"), show_progress=False)
        arrays: dict[str, Any] = {k.replace(":", "__"): v for k, v in self.flags.items()}
        np.savez(tmp / "flags.npz", **arrays)
        (tmp / "ids.json").write_text(json.dumps(self.ids), encoding="utf-8")
        (tmp / "state.json").write_text(
            json.dumps({"format": FORMAT, "generation": generation, "count": len(self.ids)}),
            encoding="utf-8",
        )
        shutil.rmtree(directory, ignore_errors=True)
        tmp.rename(directory)

    @classmethod
    def load(cls, directory: Path, generation: str) -> LexicalIndex | None:
        """The saved index if it was built for ``generation``, else None."""
        import bm25s

        try:
            state = json.loads((directory / "state.json").read_text(encoding="utf-8"))
            if state.get("format") != FORMAT or state.get("generation") != generation:
                return None
            ids = json.loads((directory / "ids.json").read_text(encoding="utf-8"))
            with np.load(directory / "flags.npz") as data:
                flags = {k.replace("__", ":"): data[k] for k in data.files}
            bm25 = (
                bm25s.BM25.load(str(directory / "bm25"), mmap=True, show_progress=False)
                if ids
                else bm25s.BM25()
            )
        except (OSError, ValueError, KeyError):
            return None
        return cls(ids, flags, bm25)
