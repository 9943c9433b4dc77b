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
from assistant.summary.dates import find_dates
from assistant.summary.exchanges import turn_items
from assistant.summary.flags import PreviousStatus
from assistant.summary.items import Context, is_usable, make, present_item
from assistant.summary.merge import add_context, merge, resolve_poor
from assistant.summary.parse import Notes, Sentence, Unit, told_line
from assistant.summary.people import People
from assistant.summary.text import (
    GENERIC_VERBS,
    STOPWORDS,
    base_verb,
    fold,
    is_base_verb,
    wordset,
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
    if unit.section != "action" and not unit.label and told_line(unit.text, ctx.people):
        return  # what one member told another (a lesson), not a task
    author = ctx.notes.author
    usable = [s for s in unit.sentences if is_usable(s)]
    if not usable or unit.done_box:  # "[x] …" is already done
        return
    in_actions = unit.section == "action" or unit.todo
    # Under "Next steps" each line is an item, bulleted or not (a one-sentence paragraph
    # that starts with a verb or a member: "Book the room - Amara - next week").
    one_line = unit.kind in ("bullet", "line") or (
        len(unit.sentences) == 1 and _starts_like_an_item(ctx, unit.text)
    )
    listed = unit.label is not None or unit.todo or (in_actions and one_line)
    # "ask Lena for a review once the PR is up (me)": an owner in brackets makes a task.
    listed = listed or bool(re.search(r"\((?:me|owner\s*:[^)]*)\)\s*$", unit.text, re.I))
    listed = listed or (unit.kind != "paragraph" and _trailing_owner(ctx, unit.text)[0] is not None)
    if listed and _section_item(ctx, unit, usable, author):
        return
    # "he"/"she" (and "you", in notes written to them) is the other member of a pair, or
    # the last member named before it.
    partner = ctx.people.other(author) if author else None
    last_named: str | None = None
    for sentence in unit.sentences:
        near = partner if ctx.people.is_pair and partner else _pronoun(ctx, sentence, last_named)
        named = [pid for _, _, pid in ctx.people.find(sentence.text) if pid != author]
        if named:
            last_named = named[-1]
        if not is_usable(sentence):
            continue
        made = anchor_items(
            ctx, unit, sentence, me=author, you=partner, near=near, recap=False, strict=False
        )
        if not made and sentence.section == "action":
            present_item(ctx, unit, sentence, author)


def _pronoun(ctx: Context, sentence: Sentence, last_named: str | None) -> str | None:
    """Who "he" or "she" is when the writer is not a member (a coordinator's notes): the
    last member named, except that once "she" has meant one member of a pair, "he" means
    the other (and the other way round)."""
    m = re.search(r"\b(he|she)\b", sentence.folded)
    if not m or not ctx.people.is_pair:
        return last_named
    word, other = m.group(1), ("she" if m.group(1) == "he" else "he")
    if word in ctx.pronouns:
        return ctx.pronouns[word]
    who = ctx.people.other(ctx.pronouns[other]) if other in ctx.pronouns else last_named
    if who:
        ctx.pronouns[word] = who
    return who


def _section_item(ctx: Context, unit: Unit, usable: list[Sentence], me: str | None) -> bool:
    """One item for a labelled or action-section line ("Kenji: write …", "TODO(Hana): …")."""
    raw = " ".join(s.text for s in usable)
    first = usable[0]
    in_actions = unit.section == "action" or unit.todo
    text = fold(raw)
    # A line that states a commitment itself ("Amara to get …", "I'll build …") is read as such.
    probe = Sentence(text=raw, unit=unit.index, index=first.index, speaker=None, section="action")
    unlabelled = not unit.label or unit.label == "*group"
    partner = ctx.people.other(me) if me else None
    if unlabelled and anchor_items(
        ctx, unit, probe, me=me, you=partner, near=None, recap=False, strict=False
    ):
        return True
    body = re.sub(r"^\W*(?:will|to|gonna|going\s+to)\s+", "", raw, flags=re.I)
    word = re.match(r"\W*([a-z][a-z'-]*)", fold(body))
    start_word = word.group(1) if word else ""
    if unit.label and not in_actions and not (is_base_verb(start_word) or _terse_task(ctx, raw)):
        return False  # outside an action section "Hana: dashboard is live" is a status line
    owner: str | None
    due_text: str | None = None  # the whole line, when the owner's name is cut from the task
    present = ctx.present.match(text)
    if unit.label:
        owner = None if unit.label == "*group" else unit.label
    elif (trailing := _trailing_owner(ctx, raw))[0]:
        owner, cut = trailing
        raw, due_text = raw[:cut], raw
    elif present and present["subj"] == "me" and base_verb(present["verb"]):
        return present_item(ctx, unit, probe, me)  # "me sit in on the pricing review"
    elif present and base_verb(present["verb"]) and present["subj"] not in ("i", "we"):
        # "Kwame sends me the QBR invite", "Everyone brings one blocker"
        if ctx.people.name_at(raw, present.start("subj"), present.end("subj")):
            return present_item(ctx, unit, probe, me)
        owner = None
    elif present and (pid := ctx.people.name_at(raw, present.start("subj"), present.end("subj"))):
        verb = present["verb"]
        if verb == "and":
            owner = None  # "Grace and Mateo to pair on …": shared, no single owner
        elif verb in STOPWORDS or verb in _STATUS:
            return False  # "lena away 10-17 april": where someone is, not a task
        elif verb.endswith(("ed", "ing", "ly", "'s")):
            # "zara's PR", "mateo finished …": a status line, read as before
            owner = me if ctx.notes.first_person else None
        else:
            # "zara rebase #212 + ping lena": terse notes drop the "to" before a verb the
            # vocabulary need not know.
            owner, body = pid, raw[present.start("verb") :]
    elif re.match(r"\W*(?:we|let'?s)\b", text) or re.match(
        r"\W*[A-Z][\w'-]+\s+(?:to|will|should|'ll)\s", raw
    ):
        owner = None  # "we …", or someone outside the relationship ("Jordan to approve …")
    elif re.search(r"\b(?:together|jointly|both\s+of\s+us|as\s+a\s+group)\b", text):
        owner = None  # "review v2 together thurs": shared work, no single owner
    elif ctx.notes.addressed and is_base_verb(start_word):
        owner = partner  # "Hi Leo, … - send me the prompts": notes to Leo tell Leo what to do
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
        due_text=due_text,
    )
    return item is not None


def _terse_task(ctx: Context, raw: str) -> bool:
    """ "leo - prompt library fri": a short phrase with a date to come and no verb at all (a
    sentence that has one, "chapter 2 still not sent", reports a status)."""
    words = re.findall(r"[a-z][a-z'-]*", fold(raw))
    if len(words) > 10 or re.search(r"[.!?]\s+\S", raw.strip()):
        return False
    if any(base_verb(w) for w in words) or {"is", "was", "are", "were", "not"} & set(words):
        return False
    return any(d.due > ctx.date for d in find_dates(raw, ctx.date))


def _starts_like_an_item(ctx: Context, text: str) -> bool:
    """ "Book the room - Amara", "Leo to send the deck": a verb or a member comes first."""
    word = re.match(r"\W*([\w'-]+)", text)
    first = word.group(1) if word else ""
    return is_base_verb(first) or ctx.people.resolve(first, strict=True) is not None


# Words that say where or how someone is, after a name in a list: "lena away 10-17 april".
_STATUS = wordset(
    """away back sick ill absent busy ooo done finished fine free gone unavailable late early
    happy keen available around travelling traveling leave holiday vacation"""
)


def _trailing_owner(ctx: Context, raw: str) -> tuple[str | None, int]:
    """Owner written around the task: "send deck (Sam)", "send deck -> Sam", "(owner: Sam)",
    "sam -> send deck"; with where the task text ends."""
    m = re.search(
        r"(?:\(\s*|\[\s*|[-=]>\s*|→\s*|\s-\s|@)(?:owner\s*[:=]\s*)?([A-Za-zÀ-ÿ .'-]{2,40}?)"
        r"\s*(?:[,;/][^)\]]{0,30})?[)\]]?(?:\s+[-–]\s+[^-–]{1,30})?\s*$",  # "… - Leo - Friday"
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
