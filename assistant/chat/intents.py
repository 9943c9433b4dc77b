"""Intent classification on the embedder: which job a chat message asks for.

The labelled example utterances live in ``knowledge/chat/intents.yaml`` (data, not rules).
A message is embedded with the same MiniLM model as the guidance, compared with every
example, and scored per label as the mean of its ``k`` nearest examples of that label
blended with the label's centroid. The best label wins; the gap to the runner-up is the
``margin``, which the dialogue uses to let context break near-ties (a near-tie after an
agenda leans to agenda, so "shorter, please" stays a follow-up).

Pasted check-in notes are recognised by structure as well as by meaning: several lines,
"Name: text" turns, bullets and length are features on top of the embedder, because a
long transcript embeds as "a conversation about X", not as "please summarize this".
"""

from __future__ import annotations

import hashlib
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import numpy as np
import yaml

from assistant.errors import ConfigError

INTENTS = ("agenda", "questions", "topics", "summarize", "ask", "help", "clarify", "decline")
# Labels the classifier may return: the intents a message itself can ask for, plus
# ``explain``, a follow-up the dialogue maps onto the job it explains.
CLASSIFIED = ("agenda", "questions", "topics", "summarize", "ask", "help", "decline", "explain")

K_NEAREST = 3
CENTROID_WEIGHT = 0.35
# Below this similarity nothing in the examples resembles the message.
FLOOR = 0.22
# How much of a long message the embedder sees (its first lines carry the request).
HEAD_CHARS = 400

_SPEAKER_TURN = re.compile(r"^\s*(?:\[?\d{1,2}:\d{2}(?::\d{2})?\]?\s*)?[A-Z][\w.' -]{0,30}:\s+\S")
_BULLET = re.compile(r"^\s*(?:[-*+•]|\d{1,2}[.)])\s+\S")
_NOTES_WORDS = re.compile(
    r"\b(?:action items?|actions?:|next steps?|to ?do|will (?:send|try|check|bring|draft|book|"
    r"review|share|shadow|set up)|i'll|we'll|learned|taught|showed|explained|shared|discussed|"
    r"talked|agreed|follow[- ]up|by (?:monday|tuesday|wednesday|thursday|friday|next week))\b",
    re.IGNORECASE,
)


class Embed(Protocol):
    def embed(self, texts: Sequence[str]) -> np.ndarray: ...


@dataclass(frozen=True)
class NotesShape:
    """Structural features of a message that may be pasted check-in notes."""

    lines: int
    turns: int
    bullets: int
    chars: int
    note_words: int
    ends_with_question: bool = False

    @property
    def looks_like_notes(self) -> bool:
        """Pasted notes, whatever they are about: a transcript, a bullet list, or a long
        several-line text with the vocabulary of a session write-up."""
        if self.turns >= 2 and self.lines >= 2:
            return True
        if self.bullets >= 3 or (self.bullets >= 2 and self.note_words >= 1):
            return True
        if self.lines >= 3 and self.chars >= 160 and self.note_words >= 1:
            return True
        if self.chars >= 600 and self.note_words >= 2:
            return True
        # One paragraph of session narrative ("X showed me ..., I explained ..., she will ...").
        return self.chars >= 200 and self.note_words >= 3 and not self.ends_with_question


def notes_shape(text: str) -> NotesShape:
    rows = [line for line in text.splitlines() if line.strip()]
    return NotesShape(
        lines=len(rows),
        turns=sum(1 for line in rows if _SPEAKER_TURN.match(line)),
        bullets=sum(1 for line in rows if _BULLET.match(line)),
        chars=len(text.strip()),
        note_words=len(_NOTES_WORDS.findall(text)),
        ends_with_question=text.rstrip().endswith("?"),
    )


@dataclass
class Prediction:
    """The classifier's decision: a label, its score, the margin to the runner-up and
    every label's score (for the eval report and for tie-breaking by context)."""

    label: str
    score: float
    margin: float
    scores: dict[str, float] = field(default_factory=dict)
    notes: bool = False

    def runner_up(self) -> str | None:
        ranked = sorted(self.scores, key=lambda k: -self.scores[k])
        return ranked[1] if len(ranked) > 1 else None


def default_examples_path(knowledge_dir: Path | None = None) -> Path:
    """``chat/intents.yaml`` of the configured knowledge folder, else the bundled one."""
    from assistant.config import bundled_knowledge_dir

    if knowledge_dir is not None and (knowledge_dir / "chat" / "intents.yaml").is_file():
        return knowledge_dir / "chat" / "intents.yaml"
    return bundled_knowledge_dir() / "chat" / "intents.yaml"


def load_examples(path: Path) -> dict[str, list[str]]:
    """The labelled examples: ``{label: [utterance, ...]}``, checked against the labels."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"Cannot read the chat intent examples {path}: {exc}") from None
    raw = data.get("intents") if isinstance(data, dict) else None
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: expected a mapping `intents: {{label: [utterances]}}`.")
    examples: dict[str, list[str]] = {}
    for label, items in raw.items():
        if label not in CLASSIFIED:
            raise ConfigError(
                f"{path}: unknown intent label {label!r}; use one of {', '.join(CLASSIFIED)}."
            )
        if not isinstance(items, list) or not all(isinstance(i, str) and i.strip() for i in items):
            raise ConfigError(f"{path}: `{label}` must be a list of non-empty strings.")
        examples[label] = [i.strip() for i in items]
    missing = [label for label in CLASSIFIED if label not in examples]
    if missing:
        raise ConfigError(f"{path}: no examples for {', '.join(missing)}.")
    return examples


class IntentClassifier:
    """Nearest labelled examples on the embedder, with a margin (see the module doc)."""

    def __init__(self, embedder: Embed, examples: dict[str, list[str]]) -> None:
        self.embedder = embedder
        self.examples = examples
        self._matrix: np.ndarray | None = None
        # Per intent (in the order of ``examples``): its centroid, and the rows of its
        # examples padded to one width, so one message is scored against every intent in a
        # few array operations (fixed with the examples).
        self._names: list[str] = []
        self._centroids = np.zeros((0, 0), dtype=np.float32)
        self._rows = np.zeros((0, 0), dtype=np.intp)
        self._filled = np.zeros((0, 0), dtype=bool)
        self._lock = threading.Lock()

    @classmethod
    def from_file(cls, embedder: Embed, path: Path | None = None) -> IntentClassifier:
        return cls(embedder, load_examples(path or default_examples_path()))

    @property
    def fingerprint(self) -> str:
        """Identifies the example set (for caches and reports)."""
        text = "\n".join(f"{k}\t{v}" for k in sorted(self.examples) for v in self.examples[k])
        return hashlib.sha1(text.encode()).hexdigest()[:12]

    def _prepare(self) -> np.ndarray:
        with self._lock:
            if self._matrix is None:
                texts = [text for items in self.examples.values() for text in items]
                matrix = np.asarray(self.embedder.embed(texts), dtype=np.float32)
                names = list(self.examples)
                # The examples' rows, intent by intent, in the order they were flattened.
                ends = np.cumsum([len(self.examples[name]) for name in names]).tolist()
                index = [
                    list(range(end - len(self.examples[name]), end))
                    for name, end in zip(names, ends, strict=True)
                ]
                width = max(len(rows) for rows in index)
                self._rows = np.zeros((len(names), width), dtype=np.intp)
                self._filled = np.zeros((len(names), width), dtype=bool)
                for n, rows in enumerate(index):
                    self._rows[n, : len(rows)] = rows
                    self._filled[n, : len(rows)] = True
                self._centroids = np.stack(
                    [_normalise(matrix[rows].mean(axis=0)) for rows in index]
                ).astype(np.float32)
                self._names = names
                self._matrix = matrix
            return self._matrix

    def warm(self) -> None:
        """Embed the examples now rather than on the first message."""
        self._prepare()

    def classify(self, text: str) -> Prediction:
        return self.classify_many([text])[0]

    def classify_many(self, texts: Sequence[str]) -> list[Prediction]:
        matrix = self._prepare()
        heads = [_head(t) for t in texts]
        vectors = np.asarray(self.embedder.embed(heads), dtype=np.float32)
        # Per message and intent: the mean similarity of its K nearest examples (fewer when
        # the intent has fewer) and the similarity to its centroid.
        sims = (vectors @ matrix.T)[:, self._rows]  # (messages, intents, examples)
        sims[:, ~self._filled] = -np.inf
        nearest = -np.sort(-sims, axis=2)[:, :, :K_NEAREST]
        counted = np.minimum(self._filled.sum(axis=1), K_NEAREST)
        knns = (np.where(np.isfinite(nearest), nearest, 0.0).sum(axis=2) / counted).tolist()
        centroids = (vectors @ self._centroids.T).tolist()
        out = []
        for text, knn_row, centroid_row in zip(texts, knns, centroids, strict=True):
            scores: dict[str, float] = {
                name: (1 - CENTROID_WEIGHT) * knn + CENTROID_WEIGHT * centroid
                for name, knn, centroid in zip(self._names, knn_row, centroid_row, strict=True)
            }
            shape = notes_shape(text)
            if shape.looks_like_notes:
                # Structure outweighs topic: whatever the notes discuss, they are a check-in.
                scores["summarize"] = max(scores["summarize"], max(scores.values()) + 0.1)
            ranked = sorted(scores.items(), key=lambda kv: -kv[1])
            best, score = ranked[0]
            margin = score - ranked[1][1]
            out.append(
                Prediction(
                    label=best,
                    score=round(score, 4),
                    margin=round(margin, 4),
                    scores={k: round(v, 4) for k, v in scores.items()},
                    notes=shape.looks_like_notes,
                )
            )
        return out


def _head(text: str) -> str:
    text = " ".join(text.split())
    return text[:HEAD_CHARS] if text else " "


def _normalise(vec: np.ndarray) -> np.ndarray:
    return vec / max(float(np.linalg.norm(vec)), 1e-12)
