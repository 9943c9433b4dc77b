"""Fuzzy matching of predicted against gold action items and learned entries.

Gold tasks are written by a careful reader ("send Hana the carrier scorecard file"); a
summarizer words the same task its own way ("send Hana the carrier scorecard file so she
can join it"). Two texts match when enough of their content words match: the same word
after light stemming, one a prefix of the other ("intro"/"introduction"), or a near-identical
spelling (rapidfuzz ratio >= 80, for the typos of messy notes). The score is a soft Dice
coefficient, and items are paired one-to-one, best pairs first.

This module deliberately shares no code with ``assistant.summary``: an evaluator that reused
the system's own tokenizer would grade it on its own terms.

    scores = score_actions(predicted_items, gold_items, participants, notes=notes)
    scores.recall, scores.precision, scores.owner_accuracy, scores.due_accuracy
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from rapidfuzz import fuzz

TASK_THRESHOLD = 0.35
LEARNED_THRESHOLD = 0.25


def _wordset(text: str) -> frozenset[str]:
    return frozenset(text.split())


_STOP = _wordset(
    """a an the and or but if then so than that this these those it its i me my we us our you
    your he him his she her they them their who what when where why how is are was were be been
    being am do does did have has had will would shall should can could may might must to of in
    on at by for with about from into over up down out off as not no just also only very really
    all any both each every some such one ones same other next last before after while during
    there here get gets got make makes made thing things way"""
)
_NUMBERS = {
    "one": "1",
    "two": "2",
    "three": "3",
    "four": "4",
    "five": "5",
    "six": "6",
    "seven": "7",
    "eight": "8",
    "nine": "9",
    "ten": "10",
    "eleven": "11",
    "twelve": "12",
    "twenty": "20",
}


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def _stem(word: str) -> str:
    if word in _NUMBERS:
        return _NUMBERS[word]
    for suffix, keep in (("ies", "y"), ("ing", ""), ("ed", ""), ("es", ""), ("s", "")):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3 and not word.endswith("ss"):
            return word[: len(word) - len(suffix)] + keep
    return word


def tokens(text: str) -> list[str]:
    """Content-word stems of a text."""
    words = re.findall(r"[a-z0-9#]+", _fold(text))
    return [_stem(w) for w in words if w not in _STOP and (len(w) > 1 or w.isdigit())]


def _same(a: str, b: str) -> bool:
    if a == b:
        return True
    short, long_ = (a, b) if len(a) <= len(b) else (b, a)
    if len(short) >= 4 and long_.startswith(short):
        return True
    return len(short) >= 5 and fuzz.ratio(a, b) >= 80


def similarity(a: str, b: str) -> float:
    """Soft Dice coefficient of the content words of two texts, in [0, 1]."""
    ta, tb = set(tokens(a)), set(tokens(b))
    if not ta or not tb:
        return 0.0
    hit_a = sum(1 for x in ta if any(_same(x, y) for y in tb))
    hit_b = sum(1 for y in tb if any(_same(x, y) for x in ta))
    return (hit_a + hit_b) / (len(ta) + len(tb))


def pair(
    predicted: Sequence[str],
    gold: Sequence[str],
    threshold: float,
    allowed: Any = None,
) -> list[tuple[int, int, float]]:
    """One-to-one (predicted index, gold index, similarity) pairs above the threshold.

    ``allowed(i, j)`` may veto a pair (for example, learned entries with different teachers).
    """
    candidates = []
    for i, p in enumerate(predicted):
        for j, g in enumerate(gold):
            if allowed is not None and not allowed(i, j):
                continue
            score = similarity(p, g)
            if score >= threshold:
                candidates.append((score, i, j))
    candidates.sort(key=lambda c: (-c[0], c[1], c[2]))
    used_p: set[int] = set()
    used_g: set[int] = set()
    out = []
    for score, i, j in candidates:
        if i in used_p or j in used_g:
            continue
        used_p.add(i)
        used_g.add(j)
        out.append((i, j, score))
    return out


def _get(item: Any, key: str) -> Any:
    if isinstance(item, Mapping):
        return item.get(key)
    return getattr(item, key, None)


def _date(value: Any) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))


@dataclass
class _Counts:
    """Predicted, gold and matched counts, and the precision and recall they give."""

    predicted: int = 0
    gold: int = 0
    matched: int = 0

    @property
    def precision(self) -> float:
        """Share of predicted items that match a gold one."""
        return self.matched / self.predicted if self.predicted else 1.0

    @property
    def recall(self) -> float:
        """Share of gold items found."""
        return self.matched / self.gold if self.gold else 1.0


@dataclass
class ActionScores(_Counts):
    """How predicted action items compare with the gold ones of one or more cases."""

    owner_correct: int = 0
    due_correct: int = 0
    non_participant_owners: int = 0
    invented_names: int = 0
    misses: list[str] = field(default_factory=list)
    extras: list[str] = field(default_factory=list)
    wrong_owner: list[str] = field(default_factory=list)
    wrong_due: list[str] = field(default_factory=list)

    @property
    def owner_accuracy(self) -> float:
        """Share of matched items with the gold owner."""
        return self.owner_correct / self.matched if self.matched else 1.0

    @property
    def due_accuracy(self) -> float:
        """Share of matched items with the gold due date."""
        return self.due_correct / self.matched if self.matched else 1.0

    def add(self, other: ActionScores) -> None:
        """Accumulate another case's counts (micro-averaging)."""
        for name in (
            "predicted",
            "gold",
            "matched",
            "owner_correct",
            "due_correct",
            "non_participant_owners",
            "invented_names",
        ):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for name in ("misses", "extras", "wrong_owner", "wrong_due"):
            getattr(self, name).extend(getattr(other, name))


def invented_names(texts: Iterable[str], notes: str, known: Iterable[str] = ()) -> int:
    """Capitalised words in the texts that appear nowhere in the notes (names made up)."""
    source = _fold(notes)
    allowed = {w for k in known for w in re.findall(r"[a-z0-9]+", _fold(k))}
    count = 0
    for text in texts:
        for m in re.finditer(r"(?<![.!?]\s)(?<!^)\b[A-Z][a-zà-ÿ]+(?:-[A-Z][a-zà-ÿ]+)?", text):
            word = _fold(m.group(0))
            if word not in source and not set(word.split("-")) <= allowed:
                count += 1
    return count


def score_actions(
    predicted: Sequence[Any],
    gold: Sequence[Mapping[str, Any]],
    participants: Iterable[str],
    *,
    notes: str = "",
    names: Iterable[str] = (),
    label: str = "",
) -> ActionScores:
    """Precision, recall, owner and due accuracy (over matched items) and invented names.

    ``participants`` are the relationship's member ids; ``names`` their display names, which
    a summary may use in task texts even where the notes use a nickname.
    """
    members = set(participants)
    p_tasks = [str(_get(p, "task") or "") for p in predicted]
    g_tasks = [str(_get(g, "task") or "") for g in gold]
    scores = ActionScores(predicted=len(predicted), gold=len(gold))
    pairs = pair(p_tasks, g_tasks, TASK_THRESHOLD)
    scores.matched = len(pairs)
    for i, j, _ in pairs:
        p_owner, g_owner = _get(predicted[i], "owner"), _get(gold[j], "owner")
        if p_owner == g_owner:
            scores.owner_correct += 1
        else:
            scores.wrong_owner.append(f"{label} {g_tasks[j]!r}: {p_owner} vs gold {g_owner}")
        if _date(_get(predicted[i], "due")) == _date(_get(gold[j], "due")):
            scores.due_correct += 1
        else:
            p_due, g_due = _get(predicted[i], "due"), _get(gold[j], "due")
            scores.wrong_due.append(f"{label} {g_tasks[j]!r}: {p_due} vs gold {g_due}")
    matched_p = {i for i, _, _ in pairs}
    matched_g = {j for _, j, _ in pairs}
    scores.misses = [f"{label} {g_tasks[j]!r}" for j in range(len(gold)) if j not in matched_g]
    scores.extras = [f"{label} {p_tasks[i]!r}" for i in range(len(predicted)) if i not in matched_p]
    scores.non_participant_owners = sum(
        1 for p in predicted if _get(p, "owner") is not None and _get(p, "owner") not in members
    )
    scores.invented_names = invented_names(p_tasks, notes, names) if notes else 0
    return scores


@dataclass
class LearnedScores(_Counts):
    """How predicted learned entries compare with the gold ones."""

    learner_correct: int = 0
    non_participants: int = 0

    @property
    def learner_accuracy(self) -> float:
        """Share of matched entries with the gold learner."""
        return self.learner_correct / self.matched if self.matched else 1.0

    def add(self, other: LearnedScores) -> None:
        """Accumulate another case's counts."""
        for name in ("predicted", "gold", "matched", "learner_correct", "non_participants"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


def score_learned(
    predicted: Sequence[Any], gold: Sequence[Mapping[str, Any]], participants: Iterable[str]
) -> LearnedScores:
    """A gold entry is found when a predicted one has the same teacher and a similar "what"."""
    members = set(participants)
    scores = LearnedScores(predicted=len(predicted), gold=len(gold))
    p_what = [str(_get(p, "what") or "") for p in predicted]
    g_what = [str(_get(g, "what") or "") for g in gold]
    pairs = pair(
        p_what,
        g_what,
        LEARNED_THRESHOLD,
        allowed=lambda i, j: _get(predicted[i], "teacher") == _get(gold[j], "teacher"),
    )
    scores.matched = len(pairs)
    scores.learner_correct = sum(
        1 for i, j, _ in pairs if _get(predicted[i], "learner") == _get(gold[j], "learner")
    )
    scores.non_participants = sum(
        1
        for p in predicted
        for role in ("learner", "teacher")
        if _get(p, role) is not None and _get(p, role) not in members
    )
    return scores
