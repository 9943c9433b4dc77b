"""Merging restated action items and giving vague ones ("send it") their context."""

from __future__ import annotations

from assistant.summary.items import Context, Item, is_usable
from assistant.summary.parse import Sentence
from assistant.summary.text import (
    GENERIC_VERBS,
    clip_words,
    fold,
    overlap,
    tidy,
)
from assistant.summary.vocab import (
    ANAPHOR,
    ANAPHOR_ONLY,
)

_RECAP_REACH = 150  # turns


def resolve_poor(ctx: Context, items: list[Item]) -> list[Item]:
    """Give "send it"/"do that" items their subject: a carried-over item or the prior sentence."""
    for item in items:
        if not item.poor:
            continue
        for status in ctx.statuses:
            if (
                status.unit is not None
                and status.item.owner == item.owner
                and 0 <= item.unit - status.unit <= 3
            ):
                item.task = status.item.task
                item.finish()
                break
    return items


def add_context(ctx: Context, items: list[Item]) -> None:
    """A task still reading "write one" gets the sentences it answers as context."""
    sentences = [s for u in ctx.notes.units for s in u.sentences]
    for item in items:
        anaphoric = bool(ANAPHOR.match(fold(item.task)))
        if not (anaphoric or (item.poor and len(item.task.split()) <= 2)):
            continue  # "bring one question next time" is short but says what it is
        lead = item.lead or ""
        if len(lead.split()) >= 3 and not ANAPHOR_ONLY.match(fold(lead)):
            context = clip_words(tidy(lead), 20)
        else:
            # Nearest sentence first: "We don't have a page for that. I can write one."
            before = _said_before(sentences, item, 3, 1)[-2:]
            # A bullet or turn that says what "it" is does not need the one before it.
            own = [s for s in before if s.unit == item.unit]
            # "Can you have it up by Thursday?" "Yes." "Great. I'll review it the same day."
            before = own or before or _said_before(sentences, item, 5, 2)[-1:]
            context = clip_words(tidy(" ".join(s.text for s in reversed(before))), 24)
        if context:
            item.task = f"{item.task} (re: {context})"
            item.finish()
        elif item.poor:
            item.stems = set()  # nothing says what "do it" was: not an action item


def _said_before(sentences: list[Sentence], item: Item, back: int, turns: int) -> list[Sentence]:
    """The sentences of substance up to ``back`` sentences and ``turns`` units before an item."""
    return [
        s
        for s in sentences[max(0, item.order - back) : item.order]
        if is_usable(s) and s.unit >= item.unit - turns and len(s.text.split()) >= 4
    ]


_ADJACENT = 0.3


def merge(items: list[Item]) -> list[Item]:
    """Merge restatements: the same owner saying the same thing, or a read-back."""
    items = sorted(items, key=lambda x: x.order)
    kept: list[Item] = []
    for item in (x for x in items if not x.recap):
        target = next((k for k in reversed(kept[-40:]) if _same(k, item)), None)
        if target:
            _absorb(target, item)
        else:
            kept.append(item)
    recaps: list[Item] = []
    for item in (x for x in items if x.recap):
        target = next((k for k in recaps if _same(k, item)), None)
        if target:
            _absorb(target, item)
        else:
            recaps.append(item)
    # Fold each earlier item into the read-back line that restates it.
    final: list[Item] = []
    for item in kept:
        best, best_score = None, 0.0
        for r in recaps:
            # A read-back restates what came shortly before it, in the same meeting.
            if r.owner != item.owner or not 0 <= r.unit - item.unit <= _RECAP_REACH:
                continue
            score = overlap(item.stems, r.stems)
            score += 0.3 if item.due and item.due == r.due else 0.0
            score += 0.35 if item.poor else 0.0
            if score > best_score:
                best, best_score = r, score
        if best is not None and best_score >= 0.3:
            _absorb(best, item, prefer_second_due=False)
        else:
            final.append(item)
    final.extend(recaps)
    final.sort(key=lambda x: x.order)
    return final


def _same(a: Item, b: Item) -> bool:
    """Whether two items by the same owner are one task said twice."""
    if a.owner != b.owner:
        return False
    score = overlap(a.stems, b.stems)
    if score >= 0.5:
        return True
    if abs(a.unit - b.unit) == 1 and (a.exchange or b.exchange) and score >= _ADJACENT:
        return True  # a request and the reply that takes it on, in neighbouring turns
    if (a.poor or b.poor) and abs(a.unit - b.unit) <= (2 if a.exchange else 0):
        return a.due is None or b.due is None or a.due == b.due
    return False


def _absorb(target: Item, other: Item, prefer_second_due: bool = True) -> None:
    """Keep the richer wording and any date either version gives."""

    def rich(x: Item) -> int:
        """How much a wording says (vague wordings count less)."""
        return len({w for w in x.stems if w not in GENERIC_VERBS}) - (2 if x.poor else 0)

    keep, drop = (other, target) if rich(other) > rich(target) else (target, other)
    new = {w for w in drop.stems if w not in GENERIC_VERBS} - keep.stems
    if target.exchange and abs(target.unit - other.unit) <= 1 and len(new) >= 2:
        # A request and the reply that takes it on each say part of the task.
        first, second = sorted((keep, drop), key=lambda x: x.order)
        target.task = f"{first.task}; {second.task}"
    else:
        target.task = keep.task
    if other.due and (target.due is None or (prefer_second_due and other.order > target.order)):
        target.due = other.due
    target.order = min(target.order, other.order)
    target.unit = min(target.unit, other.unit)
    target.finish()
