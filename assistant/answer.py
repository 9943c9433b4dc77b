"""`comentor ask`: a grounded, extractive answer with numbered citations and no LLM.

The answer is made only of sentences from retrieved guidance: the passages are split
into sentences, each is scored against the question (embedding similarity plus word
overlap), near-duplicates are dropped, and the best are put back in reading order:
passage by passage, in the order each passage was retrieved, and within a passage in
the order the guidance wrote them. A question the guidance does not cover is declined.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np

from assistant.knowledge.lexical import tokenize
from assistant.knowledge.retrieval import HybridRetriever, Passage
from assistant.safety import asks_for_records, clean_text, quarantine_reason

MAX_SENTENCES = 8
MIN_SENTENCE_CHARS = 25
MAX_SENTENCE_CHARS = 450
DUPLICATE_COSINE = 0.88
RELATIVE_FLOOR = 0.7
PER_PASSAGE = {0: 4, 1: 2}

_BULLET = re.compile(r"^\s*(?:[-*+•]|\d{1,2}[.)])\s+")
_EMPHASIS = re.compile(r"(?:\*\*|__)(.+?)(?:\*\*|__)")
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"')\]]*\s+(?=[\"'(\[]?[A-Z0-9])")


@dataclass
class Citation:
    number: int
    id: str
    title: str
    source: str
    heading: str
    excerpt: str


@dataclass
class AnswerSentence:
    text: str
    citation: int
    score: float


@dataclass
class Answer:
    question: str
    answer: str
    sentences: list[AnswerSentence] = field(default_factory=list)
    citations: list[Citation] = field(default_factory=list)
    declined: bool = False
    best_similarity: float | None = None
    engine: str = "grounded"
    fallback_reason: str | None = None  # why an LLM engine's answer was replaced

    def to_dict(self) -> dict[str, Any]:
        # What ``dataclasses.asdict`` returns, without its deep copy of every value (all
        # are flat: strings, numbers, None): a chat reply builds one for each answer.
        data = dict(vars(self))
        data["sentences"] = [dict(vars(s)) for s in self.sentences]
        data["citations"] = [dict(vars(c)) for c in self.citations]
        return data


def split_sentences(text: str) -> list[str]:
    """Sentences of a passage; each list item counts as one sentence of its own. Text
    that reads as instructions to an AI, or is labelled private, is left out."""
    return list(_passage_sentences(text))


@lru_cache(maxsize=4096)
def _passage_sentences(text: str) -> tuple[str, ...]:
    # Cleaning and the safety checks cost about half of an answer's time, and a service
    # splits the same guidance passages again and again: they are split once.
    pieces: list[str] = []
    prose: list[str] = []

    def flush_prose() -> None:
        if prose:
            pieces.extend(_SENTENCE_END.split(" ".join(prose)))
            prose.clear()

    for line in text.split("\n"):
        if not line.strip():
            flush_prose()
        elif _BULLET.match(line):
            flush_prose()
            item = _BULLET.sub("", line).strip()
            pieces.extend([item] if len(item) <= MAX_SENTENCE_CHARS else _SENTENCE_END.split(item))
        else:
            prose.append(line.strip())
    flush_prose()

    out: list[str] = []
    for piece in pieces:
        flat = clean_text(re.sub(r"\s+", " ", piece))
        sentence = _EMPHASIS.sub(r"\1", flat).strip().strip("*_# ")
        if not sentence or sentence.endswith(":"):
            continue  # a lead-in ("Ways to handle it:") says nothing on its own
        if sentence[-1] not in ".!?":
            sentence += "."
        if not MIN_SENTENCE_CHARS <= len(sentence) <= MAX_SENTENCE_CHARS:
            continue
        if quarantine_reason(sentence):
            continue  # never quote instructions to an AI or text labelled private
        out.append(sentence)
    return tuple(out)


def excerpt(text: str, limit: int = 240) -> str:
    """The start of a passage, cut at a word, for citation lists."""
    flat = re.sub(r"\s+", " ", text).strip()
    return flat if len(flat) <= limit else flat[: limit - 1].rsplit(" ", 1)[0] + "…"


def decline(question: str, best: float | None) -> Answer:
    return Answer(
        question=question,
        answer=(
            "I couldn't find guidance on that in Comentor's knowledge base, so I won't guess. "
            "I can help with mentoring questions: preparing sessions, reciprocal and reverse "
            "mentoring, group formats, goals, check-ins, feedback and confidentiality."
        ),
        declined=True,
        best_similarity=best,
    )


def decline_records(question: str) -> Answer:
    return Answer(
        question=question,
        answer=(
            "I can't share anyone's check-in notes, summaries or private details: I answer "
            "from mentoring guidance only. Program staff see the summaries of their own "
            "program's check-ins; each person can ask their partner or coordinator directly."
        ),
        declined=True,
    )


def answer_question(
    question: str,
    retriever: HybridRetriever,
    *,
    k: int = 5,
    min_relevance: float = 0.28,
    max_sentences: int = MAX_SENTENCES,
    embed: Callable[[list[str]], np.ndarray] | None = None,
) -> Answer:
    """Answer from the guidance. ``embed`` may be a caching embedder (a long-running
    service sees the same passages again and again); by default the store's is used."""
    question = clean_text(" ".join(question.split()))  # echoed back in the answer
    if asks_for_records(question):
        return decline_records(question)
    passages = retriever.search(question, k)
    sims = [p.similarity for p in passages if p.similarity is not None]
    best = max(sims) if sims else None
    if not passages or best is None or best < min_relevance:
        return decline(question, best)

    candidates: list[tuple[int, int, str]] = []  # (passage rank, position, sentence)
    for rank, passage in enumerate(passages):
        for pos, sentence in enumerate(split_sentences(passage.text)):
            candidates.append((rank, pos, sentence))
    if not candidates:
        return decline(question, best)

    vectors = (embed or retriever.store.embedder.embed)([question] + [c[2] for c in candidates])
    qvec, svecs = vectors[0], vectors[1:]
    cosine = svecs @ qvec
    q_terms = set(tokenize([question])[0])
    overlap = np.array(
        [
            len(q_terms & set(terms)) / max(1, len(q_terms))
            for terms in tokenize([c[2] for c in candidates])
        ]
    )
    # A sentence inherits relevance from its passage: the best passage's points come first.
    floor = min(sims)
    passage_sim = np.array(
        [
            passages[rank].similarity if passages[rank].similarity is not None else floor
            for rank, _, _ in candidates
        ]
    )
    scores = 0.45 * cosine + 0.4 * passage_sim + 0.15 * overlap

    # The best passage leads the answer; later passages add their single best points.
    chosen: list[int] = []
    taken: dict[int, int] = {}
    top = float(scores.max())
    for i in np.argsort(-scores):
        rank = candidates[i][0]
        if len(chosen) >= max_sentences or scores[i] < RELATIVE_FLOOR * top:
            break
        if taken.get(rank, 0) >= PER_PASSAGE.get(rank, 1):
            continue
        if any(float(svecs[i] @ svecs[j]) > DUPLICATE_COSINE for j in chosen):
            continue
        chosen.append(int(i))
        taken[rank] = taken.get(rank, 0) + 1

    chosen.sort(key=lambda i: (candidates[i][0], candidates[i][1]))
    numbers: dict[int, int] = {}
    sentences: list[AnswerSentence] = []
    for i in chosen:
        rank = candidates[i][0]
        numbers.setdefault(rank, len(numbers) + 1)
        sentences.append(
            AnswerSentence(candidates[i][2], numbers[rank], round(float(scores[i]), 4))
        )

    citations = [cite(n, passages[rank]) for rank, n in numbers.items()]
    return Answer(
        question=question,
        answer=_compose(sentences),
        sentences=sentences,
        citations=citations,
        best_similarity=round(best, 4),
    )


def cite(number: int, passage: Passage) -> Citation:
    """Citation ``number`` for ``passage``, its quoted parts cleaned for output."""
    title, heading, start = _quoted(passage.title, passage.heading, passage.text)
    return Citation(number, passage.id, title, passage.source, heading, start)


@lru_cache(maxsize=4096)
def _quoted(title: str, heading: str, text: str) -> tuple[str, str, str]:
    # Titles, headings and excerpts are quoted from documents: the output cleaner applies
    # (to the whole passage, once per passage: it costs as much as the rest of the answer).
    return clean_text(title), clean_text(heading), excerpt(clean_text(text))


def _compose(sentences: list[AnswerSentence]) -> str:
    """Sentences from the same passage form a paragraph ending in its citation mark."""
    paragraphs: list[str] = []
    current: list[str] = []
    for i, sentence in enumerate(sentences):
        current.append(sentence.text)
        last = i == len(sentences) - 1 or sentences[i + 1].citation != sentence.citation
        if last:
            paragraphs.append(" ".join(current) + f" [{sentence.citation}]")
            current = []
    return "\n\n".join(paragraphs)
