"""Action items: who will do what, by when.

Commitments are recognised from how people write and speak them, never from a fixture's
wording: "I'll …", "Sam will …", "Sam to …", "Sam agreed to …", labelled lines under a
"Next steps" heading, "TODO(Sam):", "Action: …", a "can you …?" answered with "sure",
homework set with a date ("Try rebuilding it before Friday"), and a facilitator's read-back.
Owners are always members of the relationship or None; items restated later are merged.

This module reads written notes; ``exchanges`` reads transcripts and ``merge`` folds
restatements together.
"""

from __future__ import annotations

import datetime as dt
import re

from assistant.models import ActionItem
from assistant.summary.anchors import anchor_items
from assistant.summary.exchanges import turn_items
from assistant.summary.flags import PreviousStatus
from assistant.summary.items import Context, is_usable, make, present_item
from assistant.summary.merge import add_context, merge, resolve_poor
from assistant.summary.parse import Notes, Sentence, Unit
from assistant.summary.people import People
from assistant.summary.text import (
    GENERIC_VERBS,
    base_verb,
    fold,
    is_base_verb,
)

# -- public entry ----------------------------------------------------------------------------


def extract_actions(
    notes: Notes, people: People, date: dt.date, statuses: list[PreviousStatus]
) -> tuple[list[ActionItem], set[int]]:
    """Every action item in the notes, merged and with members (or None) as owners; and the
    units they came from (a line that assigns a task is not also a lesson)."""
    ctx = Context(notes, people, date, statuses)
    for unit in notes.units:
        if unit.private and all(s.private for s in unit.sentences):
            continue
        if notes.transcript:
            turn_items(ctx, unit)
        else:
            _written(ctx, unit)
    items = resolve_poor(ctx, ctx.items)
    items = merge(items)
    add_context(ctx, items)
    kept = [i for i in items if {w for w in i.stems if w not in GENERIC_VERBS}]
    actions = [ActionItem(owner=i.owner, task=i.task, due=i.due) for i in kept]
    return actions, {i.unit for i in ctx.items}


# -- written notes -----------------------------------------------------------------------------


def _written(ctx: Context, unit: Unit) -> None:
    """Items of one unit of written notes."""
    if unit.section in ("attendance", "agenda"):
        return
    author = ctx.notes.author
    usable = [s for s in unit.sentences if is_usable(s)]
    if not usable or unit.done_box:  # "[x] …" is already done
        return
    in_actions = unit.section == "action" or unit.todo
    listed = unit.label is not None or unit.todo or (in_actions and unit.kind in ("bullet", "line"))
    # "ask Lena for a review once the PR is up (me)": an owner in brackets makes a task.
    listed = listed or bool(re.search(r"\((?:me|owner\s*:[^)]*)\)\s*$", unit.text, re.I))
    listed = listed or (unit.kind != "paragraph" and _trailing_owner(ctx, unit.text)[0] is not None)
    if listed and _section_item(ctx, unit, usable, author):
        return
    # "he"/"she" is the other member of a pair, or the last member named before it.
    partner = ctx.people.other(author) if author else None
    last_named: str | None = None
    for sentence in unit.sentences:
        near = partner if ctx.people.is_pair and partner else last_named
        named = [pid for _, _, pid in ctx.people.find(sentence.text) if pid != author]
        if named:
            last_named = named[-1]
        if not is_usable(sentence):
            continue
        made = anchor_items(
            ctx, unit, sentence, me=author, you=None, near=near, recap=False, strict=False
        )
        if not made and sentence.section == "action":
            present_item(ctx, unit, sentence, author)


def _section_item(ctx: Context, unit: Unit, usable: list[Sentence], me: str | None) -> bool:
    """One item for a labelled or action-section line ("Kenji: write …", "TODO(Hana): …")."""
    raw = " ".join(s.text for s in usable)
    first = usable[0]
    in_actions = unit.section == "action" or unit.todo
    text = fold(raw)
    # A line that states a commitment itself ("Amara to get …", "I'll build …") is read as such.
    probe = Sentence(text=raw, unit=unit.index, index=first.index, speaker=None, section="action")
    unlabelled = not unit.label or unit.label == "*group"
    if unlabelled and anchor_items(
        ctx, unit, probe, me=me, you=None, near=None, recap=False, strict=False
    ):
        return True
    body = re.sub(r"^\W*(?:will|to|gonna|going\s+to)\s+", "", raw, flags=re.I)
    word = re.match(r"\W*([a-z][a-z'-]*)", fold(body))
    start_word = word.group(1) if word else ""
    if unit.label and not in_actions and not is_base_verb(start_word):
        return False  # outside an action section "Hana: dashboard is live" is a status line
    owner: str | None
    present = ctx.present.match(text)
    if unit.label:
        owner = None if unit.label == "*group" else unit.label
    elif (trailing := _trailing_owner(ctx, raw))[0]:
        owner, cut = trailing
        raw = raw[:cut]
    elif present and base_verb(present["verb"]) and present["subj"] not in ("i", "we"):
        # "Kwame sends me the QBR invite", "Everyone brings one blocker"
        if ctx.people.name_at(raw, present.start("subj"), present.end("subj")):
            return present_item(ctx, unit, probe, me)
        owner = None
    elif re.match(r"\W*(?:we|let'?s)\b", text) or re.match(
        r"\W*[A-Z][\w'-]+\s+(?:to|will|should|'ll)\s", raw
    ):
        owner = None  # "we …", or someone outside the relationship ("Jordan to approve …")
    else:
        # An imperative in the writer's own list of next steps is the writer's.
        owner = me if ctx.notes.first_person or is_base_verb(start_word) else None
    item = make(
        ctx,
        owner=owner,
        raw=raw,
        start=max(raw.find(body), 0),
        end=len(raw),
        unit=unit,
        sentence=first,
        me=me,
        you=None,
    )
    return item is not None


def _trailing_owner(ctx: Context, raw: str) -> tuple[str | None, int]:
    """Owner written around the task: "send deck (Sam)", "send deck -> Sam", "(owner: Sam)",
    "sam -> send deck"; with where the task text ends."""
    m = re.search(
        r"(?:\(\s*|\[\s*|[-=]>\s*|→\s*|\s-\s|@)(?:owner\s*[:=]\s*)?([A-Za-zÀ-ÿ .'-]{2,40}?)"
        r"\s*(?:[,;/][^)\]]{0,30})?[)\]]?\s*$",
        raw,
        re.I,
    )
    if m:
        who = m.group(1).strip()
        pid = ctx.notes.author if fold(who) == "me" else ctx.people.resolve(who, strict=True)
        if pid:
            return pid, m.start()
    m = re.match(r"^\W*@?([A-Za-zÀ-ÿ'-]{2,30})\s*(?:->|→|=>)\s*", raw)
    return (ctx.people.resolve(m.group(1), strict=True) if m else None), len(raw)
