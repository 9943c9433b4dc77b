"""Warning flags, talk share and the status of the previous check-in's action items.

The flags follow ``evals/README.md``:

* ``one_sided``: one person spoke more than 70% of a transcript's words, or every learned
  entry has the same teacher;
* ``no_action_items``: the check-in produced none;
* ``stalled``: an item of the previous check-in is still open: the notes say it was not done,
  postponed or carried over, or they never say it was done;
* ``confidential_redacted``: something marked private was left out.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from assistant.models import ActionItem, Flag, FlagCode, Learned
from assistant.summary.parse import Notes
from assistant.summary.people import People
from assistant.summary.text import (
    GENERIC_VERBS,
    WORD_RE,
    content_stems,
    fold,
    stem,
    stems_match,
    wordset,
)

ONE_SIDED_SHARE = 0.70
TALKING = "knowledge/guides/warning-signs.md#one-person-does-all-the-talking"
TEACHING = "knowledge/guides/warning-signs.md#one-person-does-all-the-teaching"
CARRY_OVER = "knowledge/guides/warning-signs.md#the-same-action-items-keep-carrying-over"
NO_ACTIONS = "knowledge/guides/warning-signs.md#sessions-end-with-no-action-items"
LEAVE_OUT = "knowledge/guides/confidentiality-and-trust.md#what-a-check-in-summary-must-leave-out"
MARKING = "knowledge/guides/confidentiality-and-trust.md#marking-something-private-in-your-notes"

_NOT_DONE = re.compile(
    r"\b(?:not\s+yet|still\s+(?:not|hasn'?t|haven'?t|waiting|pending|open|to\s+do|working)|"
    r"(?:haven'?t|hasn'?t|didn'?t|did\s+not|wasn'?t|weren'?t)(?:\s+(?:get|got|do|done|send|sent|"
    r"finish|finished|start|started|make|made|manage|managed|have|had|write|written|book|call|"
    r"email|print|read|try|look|happen|yet|been|gotten|\w+ed)\b|\s*[.!,;]|\s*$)|"
    r"not\s+(?:sent|done|finished|started|"
    r"ready|complete|there)|no,|no\s+sorry|push(?:ed|ing)\s+(?:it|this|that|back)|postpone|"
    r"delay|slipp|carr(?:y|ied|ying)\s+(?:it\s+)?over|roll(?:ed|ing)?\s+over|behind|blocked|"
    r"ran\s+out\s+of\s+time|couldn'?t|never\s+got|in\s+progress|halfway|keeps?\s+growing|"
    r"moved?\s+(?:it\s+)?to\s+next|next\s+time\s+instead|not\s+done|x\s+not)\b|"
    # "I didn't record it" (any deed, not a thought: "didn't know", "didn't understand"),
    # and a bare "No." answering "did the intro happen?".
    r"\b(?:haven'?t|hasn'?t|didn'?t|did\s+not)\s+(?!(?:know|think|expect|mean|mind|want|"
    r"realise|realize|like|care|hear|see|understand|notice|remember|believe|feel)\b)[a-z]{3,}|"
    r"\?\s+no\b[.!,]"
)
_DONE = re.compile(
    r"\b(?:done|did|finished|complete[d]?|sent|sorted|shipped|delivered|came\s+through|"
    r"went\s+through|got|set\s+up|thanks|thank\s+you|merged|submitted|booked|posted|fixed|"
    r"built|ran|read|tried|wrote|written|made|presented|installed|checked|shared|gave|"
    r"brought|bought|found|taught|told|forwarded|emailed|printed|arrived|landed|live|"
    r"ticked\s+off|crossed\s+off|came\s+in)\b|[✓✔]"
)
_PAST_ED = re.compile(r"\b([a-z]{3,}ed)\b(?!\s+to\b)")
_NOT_PAST = wordset(
    """based related interested worried used supposed called named need needed agreed wanted
    planned decided offered promised scheduled expected tired excited red bed shed talked
    discussed mentioned asked explained suggested wondered noted covered reviewed started
    stressed surprised confused stuck"""
)
_FUTURE = re.compile(r"\b(?:will|'ll|going\s+to|gonna|plan\s+to|next\s+week|tomorrow)\b")


@dataclass
class PreviousStatus:
    """What the notes say about one previous action item."""

    item: ActionItem
    done: bool
    unit: int | None  # where it is discussed, if anywhere
    reason: str


def previous_status(notes: Notes, items: list[ActionItem], people: People) -> list[PreviousStatus]:
    """Decide, for each previous item, whether the notes report it done."""
    units = notes.units
    # Per-unit stems, computed once: the whole check is linear in the notes' length.
    unit_stems = [
        content_stems(" ".join(s.text for s in u.sentences if not s.injected)) for u in units
    ]
    unit_people = [{pid for _, _, pid in people.find(u.text)} for u in units]
    out = []
    pronoun_owner = people.other(notes.author) if notes.author else None
    names = content_stems(" ".join(m.name for m in people.members.values()))
    for item in items:
        # Members' names say whose task it is, not what it is about.
        wanted = content_stems(item.task) - names
        weights = {w: (0.5 if w in GENERIC_VERBS else 1.0) for w in wanted}
        total = sum(weights.values()) or 1.0
        windows: list[tuple[float, int, str]] = []
        for i in range(len(units)):
            # A short question ("Carlos, the housing?") is read together with its answer.
            pair = notes.transcript and i + 1 < len(units) and units[i].words <= 25
            span = [i, i + 1] if pair else [i]
            stems = set().union(*(unit_stems[j] for j in span))
            shared = [w for w in wanted if any(stems_match(w, s) for s in stems)]
            if not any(w not in GENERIC_VERBS for w in shared):
                continue
            score = sum(weights[w] for w in shared) / total
            # One shared word is enough only in a short check-in question to the owner
            # ("Noor, you had the sketch?"); elsewhere it is a coincidence of topic.
            asked = units[i].words <= 12 and item.owner in unit_people[i]
            if score < 0.25 and not (asked and score >= 0.15):
                continue
            involved: set[str] = set().union(*(unit_people[j] for j in span))
            involved |= {x for j in span for x in (units[j].speaker, units[j].label) if x}
            text = " ".join(s.text for j in span for s in units[j].sentences if not s.injected)
            folded = fold(text)
            if item.owner and (
                item.owner in involved
                or item.owner == notes.author
                or (item.owner == pronoun_owner and re.search(r"\b(?:he|she|they)\b", folded))
            ):
                score += 0.15
            status = _status(text, item.task, units[i].done_box)
            if status != "unclear":
                score += 0.2
            if units[i].section == "action" or (status == "unclear" and _FUTURE.search(folded)):
                score -= 0.15  # a new commitment mentioning the same things is not a status
            if score >= 0.3:
                windows.append((score, i, status))
        if not windows:
            out.append(PreviousStatus(item, False, None, "not mentioned"))
            continue
        best = max(w[0] for w in windows)
        close = [w for w in windows if w[0] >= best - 0.1]
        first = min(close, key=lambda w: w[1])
        statuses = {w[2] for w in close}
        # "I didn't do the outline" outweighs a later talk that only shares its words.
        said_open = [w for w in windows if w[2] == "open" and w[0] >= best - 0.2]
        if said_open:
            where = min(w[1] for w in said_open)
            out.append(PreviousStatus(item, False, where, "reported not done"))
        elif "done" in statuses:
            where = min(w[1] for w in close if w[2] == "done")
            out.append(PreviousStatus(item, True, where, "reported done"))
        else:
            out.append(PreviousStatus(item, False, first[1], "mentioned, not reported done"))
    return out


def _status(text: str, task: str, done_box: bool) -> str:
    folded = fold(text)
    if _NOT_DONE.search(folded):
        return "open"
    # A question ("did the beaver intro happen?") reports nothing done.
    folded = re.sub(r"(?<![^.!?])[^.!?]*\?", " ", folded)
    if done_box or _DONE.search(folded):
        return "done"
    verbs = [w for w in WORD_RE.findall(fold(task))[:2]]
    if not _FUTURE.search(folded):
        for m in _PAST_ED.finditer(folded):
            word = m.group(1)
            if word in _NOT_PAST:
                continue
            return "done"
    for verb in verbs:
        if re.search(r"\b" + re.escape(stem(verb)) + r"(?:ed|d)\b", folded):
            return "done"
    return "unclear"


def talk_share(notes: Notes) -> dict[str, float]:
    """Share of transcript words per participant id (empty for written notes)."""
    if not notes.transcript:
        return {}
    counts: Counter[str] = Counter()
    for unit in notes.units:
        if unit.speaker:
            counts[unit.speaker] += unit.words
    total = sum(counts.values())
    if not total:
        return {}
    return {pid: round(n / total, 4) for pid, n in sorted(counts.items())}


def build_flags(
    *,
    shares: dict[str, float],
    learned: list[Learned],
    action_items: list[ActionItem],
    statuses: list[PreviousStatus],
    redacted: bool,
    people: People,
) -> list[Flag]:
    """The warning flags, each with a one-line reason and the guidance it rests on."""
    flags: list[Flag] = []
    dominant = max(shares.items(), key=lambda kv: kv[1]) if shares else None
    teachers = {entry.teacher for entry in learned}
    talk = dominant is not None and dominant[1] > ONE_SIDED_SHARE
    one_way = len(teachers) == 1 and bool(learned)
    if talk or one_way:
        reasons, cites = [], []
        if talk and dominant:
            name = people.first(dominant[0])
            reasons.append(f"{name} spoke {dominant[1]:.0%} of the words")
            cites.append(TALKING)
        if one_way:
            teacher = people.first(next(iter(teachers)))
            n = len(learned)
            what = "the only thing learned" if n == 1 else f"all {n} things learned"
            reasons.append(f"{what} came from {teacher}")
            cites.append(TEACHING)
        detail = "; ".join(reasons).capitalize() + "."
        flags.append(Flag(code=FlagCode.ONE_SIDED, detail=detail, citations=cites))
    if not action_items:
        flags.append(
            Flag(
                code=FlagCode.NO_ACTION_ITEMS,
                detail="The check-in ended without any action items.",
                citations=[NO_ACTIONS],
            )
        )
    open_items = [s for s in statuses if not s.done]
    if open_items:
        listed = "; ".join(
            f"{people.first(s.item.owner) if s.item.owner else 'no owner'}: {s.item.task} "
            f"({s.reason})"
            for s in open_items
        )
        flags.append(
            Flag(
                code=FlagCode.STALLED,
                detail=f"{len(open_items)} of {len(statuses)} previous action item(s) still "
                f"open: {listed}.",
                citations=[CARRY_OVER],
            )
        )
    if redacted:
        flags.append(
            Flag(
                code=FlagCode.CONFIDENTIAL_REDACTED,
                detail="Part of the notes was marked private and is left out of this summary.",
                citations=[LEAVE_OUT, MARKING],
            )
        )
    return flags
