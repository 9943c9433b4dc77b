"""Sensitive content left out of staff summaries by default, even when nobody marked it.

Our guidance (``knowledge/guides/confidentiality-and-trust.md``) says a summary for program
staff leaves out health, family, legal and money matters and criticism of named colleagues.
The categories live as data in ``knowledge/data/sensitive_topics.yaml``: cue words, a few
example sentences per category and ordinary work sentences that share those words.

Cue words pick candidate sentences (cheap, so long notes cost little); the sentence embedder
then compares only the candidates, in one batch, with the examples: a candidate is left out
when it is close enough to a category and closer to it than to any ordinary work sentence
("the customer health score is set by hand" stays, "my mum is in hospital" goes), and
only when it is about someone (general advice is not a personal detail). Unambiguous
``strong`` cues decide alone, which is all there is without an embedder. Criticism also
needs a third party in the sentence: a capitalised name that is not a member's, or "my
manager", "the director" ...
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from assistant.config import bundled_knowledge_dir
from assistant.privacy import normalize

if TYPE_CHECKING:
    import numpy as np

    from assistant.summary.parse import Notes
    from assistant.summary.people import People

Embed = Callable[[list[str]], "np.ndarray"]

_ROLE = re.compile(
    r"\b(?:my|our|his|her|their|the|a)\s+(?:new\s+|old\s+|line\s+|own\s+)?(?:manager|boss|lead"
    r"|team\s+lead|director|supervisor|colleague|co-?worker|teammate|vp|head\s+of\s+\w+|cfo|ceo"
    r"|cto|coo|hr\s+partner|project\s+manager|product\s+owner|client|customer)s?\b"
)
_NAME = re.compile(r"\b[A-Z][a-z][\w'-]*")
# Personal details are about someone: general advice ("when attendance is tied to something
# the person can't control, there's a formal process") is not a personal detail.
_PERSONAL = re.compile(
    r"\b(?:i|i'm|i've|i'll|i'd|im|ive|my|me|mine|myself|he|she|his|her|him|hers|we|our|us"
    r"|their|they|they're|wife|husband|partner|mum|mom|dad|son|daughter|kids?)\b"
)
_MARGIN = 0.0  # a candidate must be at least this much closer to its category than to work


@dataclass(frozen=True)
class Category:
    """One kind of sensitive content: cue patterns, examples and a similarity threshold."""

    id: str
    cues: re.Pattern[str]
    strong: re.Pattern[str] | None
    examples: tuple[str, ...]
    threshold: float
    needs_third_party: bool


@dataclass(frozen=True)
class Topics:
    """The categories and the ordinary work sentences they are contrasted with."""

    categories: tuple[Category, ...]
    ordinary: tuple[str, ...]

    @property
    def reference_texts(self) -> list[str]:
        """Every example, then every ordinary sentence, in a fixed order."""
        return [e for c in self.categories for e in c.examples] + list(self.ordinary)


def _alternation(patterns: Sequence[str]) -> re.Pattern[str] | None:
    return re.compile("|".join(f"(?:{p})" for p in patterns)) if patterns else None


@lru_cache(maxsize=4)
def load_topics(path: Path | None = None) -> Topics:
    """The sensitive categories from ``knowledge/data/sensitive_topics.yaml`` (or ``path``)."""
    source = path or bundled_knowledge_dir() / "data" / "sensitive_topics.yaml"
    data: dict[str, Any] = yaml.safe_load(source.read_text(encoding="utf-8"))
    categories = []
    for raw in data["categories"]:
        cues = _alternation(raw["cues"])
        if cues is None:
            raise ValueError(f"{source}: category {raw['id']} has no cues")
        categories.append(
            Category(
                id=raw["id"],
                cues=cues,
                strong=_alternation(raw.get("strong", [])),
                examples=tuple(raw["examples"]),
                threshold=float(raw["threshold"]),
                needs_third_party=bool(raw.get("needs_third_party", False)),
            )
        )
    return Topics(categories=tuple(categories), ordinary=tuple(data.get("ordinary", [])))


@lru_cache(maxsize=8)
def _reference_vectors(embed: Embed, topics: Topics) -> np.ndarray:
    """The examples and ordinary sentences embedded once per embedder."""
    return embed(topics.reference_texts)


# After a capitalised first word, a verb says it is someone's name ("Dale is useless").
_SUBJECT_VERB = re.compile(
    r"\s++(?:in\s+\w+\s+)?(?:is|was|has|keeps|never|always|just|really|totally|seems|can'?t"
    r"|won'?t|doesn'?t|didn'?t|refuses|took|takes|shouted|yells)\b"
)


def _third_party(text: str, members: set[str]) -> bool:
    """Whether the text names someone outside the pair: a role ("my manager") or a
    capitalised name that is not a member's."""
    if _ROLE.search(text.lower()):
        return True
    for m in _NAME.finditer(text):
        name = m.group(0).removesuffix("'s").lower()
        if name in members:
            continue
        before = m.start()
        while before and text[before - 1].isspace():  # (not rstrip(): linear over all names)
            before -= 1
        start = m.start() == 0 or (before > 0 and text[before - 1] in ".!?:")
        if not start or _SUBJECT_VERB.match(text, m.end()):
            return True
    return False


def sensitive_sentences(
    texts: Sequence[str],
    *,
    members: set[str],
    embed: Embed | None,
    topics: Topics | None = None,
) -> list[str | None]:
    """For each text, the id of the sensitive category it falls in, or None."""
    topics = topics or load_topics()
    out: list[str | None] = [None] * len(texts)
    candidates: list[tuple[int, list[Category]]] = []
    for i, text in enumerate(texts):
        folded = normalize(text)
        hits = [
            c
            for c in topics.categories
            if c.cues.search(folded) and (not c.needs_third_party or _third_party(text, members))
        ]
        if not hits:
            continue
        strong = [c for c in hits if c.strong is not None and c.strong.search(folded)]
        if strong:
            out[i] = strong[0].id
        elif embed is not None and (_PERSONAL.search(folded) or _third_party(text, members)):
            candidates.append((i, hits))
    if not candidates or embed is None:
        return out
    import numpy as np

    reference = _reference_vectors(embed, topics)
    vectors = embed([texts[i] for i, _ in candidates])
    sims = vectors @ reference.T
    n_examples = sum(len(c.examples) for c in topics.categories)
    ordinary = sims[:, n_examples:].max(axis=1) if topics.ordinary else np.full(len(sims), -1.0)
    offsets: dict[str, tuple[int, int]] = {}
    start = 0
    for category in topics.categories:
        offsets[category.id] = (start, start + len(category.examples))
        start += len(category.examples)
    for row, (i, hits) in enumerate(candidates):
        best: tuple[float, str] | None = None
        for category in hits:
            lo, hi = offsets[category.id]
            score = float(sims[row, lo:hi].max())
            close = score >= category.threshold and score > ordinary[row] + _MARGIN
            if close and (best is None or score > best[0]):
                best = (score, category.id)
        out[i] = best[1] if best else None
    return out


def mark_sensitive(notes: Notes, people: People, embed: Embed | None) -> int:
    """Mark sensitive sentences of the notes private; return how many were marked."""
    members = {w.lower() for pid in people.ids for w in people.members[pid].name.split()}
    members |= {people.first(pid).lower() for pid in people.ids}
    open_sentences = [s for s in notes.sentences if not s.private and not s.injected]
    found = sensitive_sentences([s.text for s in open_sentences], members=members, embed=embed)
    marked = 0
    for sentence, category in zip(open_sentences, found, strict=True):
        if category is not None:
            # The sentence only: a long teaching turn with one personal aside still teaches.
            sentence.private = True
            marked += 1
    return marked
