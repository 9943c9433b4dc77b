"""Commitment anchors: where a sentence says that someone will do something.

"I'll build a template by Friday", "Amara will run it next week", "Amara to get the slot",
"Sipho has rewritten his intro and will send it to Miriam", "Amara asked Leo to send her
the library", "Sam's homework is to rebuild the report". ``anchor_items`` finds every anchor
in a sentence, decides whether it is a real commitment (not a question, a condition, a
prediction or a wish), resolves its subject to a member (or the whole group), and turns the
words up to the end of its clause into an item with its due date.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.summary.dates import find_dates
from assistant.summary.items import Context, clause_end, due_source, make, mask, subject_owner
from assistant.summary.parse import Sentence, Unit
from assistant.summary.text import STOPWORDS, fold, ing_base, is_base_verb
from assistant.summary.vocab import (
    CONDITIONAL,
    GROUP_SUBJECTS,
    IN_SESSION,
    SCHEDULING,
    SKIP_VERBS,
    STRONG,
)

_STRONG_FULL = re.compile(r"(?:" + STRONG + r")")
# "He's leaving on Friday", "I'm working on it": where someone goes or what they are busy
# with, not a task.
_NOT_ARRANGED = SKIP_VERBS | frozenset(
    {"go", "come", "move", "travel", "fly", "head", "return", "stay", "have", "get", "work"}
)
_FEELING = re.compile(
    r"\b(?:like|as\s+if|as\s+though|afraid|worried|scared|feel|felt)\s+(?:that\s+)?$"
)
_NEGATIVE = frozenset({"not", "never", "no"})


@dataclass
class Anchor:
    """One commitment in a sentence: where it starts, its subject (if written) and verb."""

    start: int
    end: int
    verb: str
    verb_start: int
    subj: str | None = None
    subj_start: int = 0
    subj_end: int = 0
    base: str | None = None  # the base form of a progressive verb ("sending" -> "send")

    @classmethod
    def of(cls, m: re.Match[str], suffix: str = "") -> Anchor:
        """The anchor of a match; ``suffix`` picks the groups of one alternative."""
        subj = m.groupdict().get("subj" + suffix)
        return cls(
            start=m.start(),
            end=m.end(),
            verb=m["verb" + suffix],
            verb_start=m.start("verb" + suffix),
            subj=subj,
            subj_start=m.start("subj" + suffix) if subj else 0,
            subj_end=m.end("subj" + suffix) if subj else 0,
        )


def anchor_items(
    ctx: Context,
    unit: Unit,
    sentence: Sentence,
    *,
    me: str | None,
    you: str | None,
    near: str | None,
    recap: bool,
    strict: bool,
) -> int:
    """Items from "X will/'ll/agreed to/to …" in one sentence; returns how many.

    ``me`` is who "I" is (speaker or writer), ``you`` who is spoken to, ``near`` the member
    "he"/"she" refers to; ``strict`` (transcripts) reads weak modals more cautiously.
    """
    raw = sentence.text
    masked = mask(fold(raw))
    if SCHEDULING.match(masked):
        return 0
    anchors = _find(ctx, unit, sentence, masked, strict=strict, recap=recap)
    first = ctx.people.find(raw)
    count = 0
    for k, anchor in enumerate(anchors):
        stop = anchors[k + 1].start if k + 1 < len(anchors) else len(masked)
        end = clause_end(masked, anchor.verb_start, stop)
        resolved, owner = _owner(ctx, unit, anchor, raw, masked, first, me, you, near)
        if not resolved:
            continue
        between = masked[anchor.subj_end : anchor.verb_start] if anchor.subj else ""
        if (
            (anchor.subj or "").strip() == "we"
            and not re.search(r"\b(?:both|all)\b", between)
            and not (recap or sentence.section == "action" or unit.todo)
            and not find_dates(masked[anchor.start : end], ctx.date)
        ):
            continue  # a plain "we'll …" is talk about the meeting, not a task anyone owns
        # The date is in the commitment's clause, or after it ("…, tomorrow"), or before
        # the subject when nothing else is promised there ("Next week I want to …").
        lead_from = anchors[k - 1].end if k else 0
        due_text = due_source(
            ctx, raw[anchor.start : end], raw[end:stop], raw[lead_from : anchor.start]
        )
        item = make(
            ctx,
            owner=owner,
            raw=raw,
            start=anchor.verb_start,
            end=end,
            unit=unit,
            sentence=sentence,
            me=me,
            you=you,
            recap=recap,
            due_text=due_text,
            lead=raw[lead_from : anchor.start],
        )
        if item is not None and anchor.base:
            item.task = re.sub(r"^\S+", anchor.base, item.task, count=1)
            item.finish()
        count += item is not None
    return count


def _find(
    ctx: Context, unit: Unit, sentence: Sentence, masked: str, *, strict: bool, recap: bool
) -> list[Anchor]:
    anchors: list[Anchor] = []
    for m in ctx.anchor.finditer(masked):
        if _keeps(ctx, m, unit, sentence, masked, strict=strict, recap=recap):
            anchors.append(Anchor.of(m))
    for m in ctx.assigned.finditer(masked):
        suffix = next(n for n in "01234" if m["verb" + n] is not None)
        anchor = Anchor.of(m, suffix)
        if anchor.subj == "you" and (strict or re.search(r"\blast\s+(?:time|week)", masked)):
            continue  # "Kwame, you said you'd bring one?" checks an earlier promise
        if is_base_verb(anchor.verb) and anchor.verb not in SKIP_VERBS:
            anchors.append(anchor)
    taken = [(a.start, a.end) for a in anchors]
    for m in ctx.implicit.finditer(masked):
        if m["modal"] == "to" or any(s <= m.start("modal") < e for s, e in taken):
            continue
        if not m.group(0).lstrip(",;: ").startswith(("and", "then")) and m.start() != 0:
            continue
        if m["verb"] in SKIP_VERBS or m["verb"] in _NEGATIVE:
            continue
        if m.start() == 0 and masked.rstrip().endswith("?"):
            continue  # "Will the minister give …?" asks; it promises nothing
        anchors.append(Anchor.of(m))
    anchors += _progressive(ctx, unit, sentence, masked, [(a.start, a.end) for a in anchors], recap)
    anchors.sort(key=lambda a: a.start)
    return anchors


def _progressive(
    ctx: Context,
    unit: Unit,
    sentence: Sentence,
    masked: str,
    taken: list[tuple[int, int]],
    recap: bool,
) -> list[Anchor]:
    """ "He's sending me the list next week", "I'm trying it Monday": an arrangement is a
    commitment when it has a date to come (or sits in a list of next steps)."""
    out: list[Anchor] = []
    if masked.rstrip().endswith("?"):
        return out  # "You're presenting on Friday?" asks
    in_actions = sentence.section == "action" or unit.todo or recap
    for m in ctx.progressive.finditer(masked):
        base = ing_base(m["verb"])
        subj = m["subj"].strip()
        if base is None or base in _NOT_ARRANGED or subj.startswith(("we", "they")):
            continue
        if any(s <= m.start() < e for s, e in taken):
            continue
        before = masked[masked.rfind(",", 0, m.start()) + 1 : m.start()]
        if CONDITIONAL.search(before) or re.search(r"\b(?:not|never|n't)\b", before):
            continue
        later = any(d.due > ctx.date for d in find_dates(masked[m.start() :], ctx.date))
        if later or in_actions:
            anchor = Anchor.of(m)
            anchor.base = base
            out.append(anchor)
    return out


def _keeps(
    ctx: Context,
    m: re.Match[str],
    unit: Unit,
    sentence: Sentence,
    masked: str,
    *,
    strict: bool,
    recap: bool,
) -> bool:
    """Whether "subject + modal + verb" is a commitment rather than a condition, a
    question, a prediction, a wish or a figure of speech."""
    subj, verb = m["subj"], m["verb"]
    modal = " ".join(m["modal"].split())
    strong = bool(_STRONG_FULL.fullmatch(m["modal"]))
    clause_start = masked.rfind(",", 0, m.start()) + 1
    before = masked[clause_start : m.start()]
    if CONDITIONAL.search(before) or re.search(r"\b(?:not|never|n't)\b", before):
        return False
    if _FEELING.search(before):
        return False  # "I feel less like I'm going to mess it up" fears; it promises nothing
    if "?" in masked[m.end() :] and not strong:
        return False
    if not strong:
        if not _weak_ok(ctx, modal, subj, verb, masked, m, unit, sentence, strict, recap):
            return False
    elif (
        subj.startswith("you")
        and (strict or not ctx.notes.addressed)
        and not (recap or sentence.section == "action" or unit.todo)
        and not find_dates(masked[m.start() :], ctx.date)
    ):
        return False  # "You'll use that fifty times a day" predicts; "… send it Friday" assigns
    if verb in SKIP_VERBS or verb in _NEGATIVE or not (verb.isalpha() or "-" in verb):
        return False
    if verb in STOPWORDS and not is_base_verb(verb):
        return False  # "we'll a different …": a broken sentence, not a verb
    if verb in IN_SESSION | {"help"} and not find_dates(masked[m.start() :], ctx.date):
        return False  # "I'll explain it to you" happens right there
    return verb != "be" or bool(
        re.match(r"be\s+(?:at|there|in|on|back)\b", masked[m.start("verb") :])
    )


def _owner(
    ctx: Context,
    unit: Unit,
    anchor: Anchor,
    raw: str,
    masked: str,
    first: list[tuple[int, int, str]],
    me: str | None,
    you: str | None,
    near: str | None,
) -> tuple[bool, str | None]:
    """(resolved?, owner) of an anchor: its subject, the line's label, or the sentence's
    subject for "… and will send it"."""
    if anchor.subj:
        return subject_owner(ctx, anchor.subj, raw, anchor.subj_start, me, you, near)
    if unit.label and unit.label != "*group":
        return True, unit.label
    lead = re.match(r"^\W*(?:" + ctx.people.alternation + r"|i|he|she|we|they|you)\b", masked)
    if lead:
        # "He picked #441 … and will comment on it": the sentence's subject carries over.
        word = lead.group(0).strip(" -*(\"'")
        return subject_owner(ctx, word, raw, lead.end() - len(word), me, you, near)
    if first and first[0][0] < anchor.start:
        return True, first[0][2]
    return me is not None, me


def _weak_ok(
    ctx: Context,
    modal: str,
    subj: str,
    verb: str,
    masked: str,
    m: re.Match[str],
    unit: Unit,
    sentence: Sentence,
    strict: bool,
    recap: bool,
) -> bool:
    """Whether a weak modal ("to", "should", "wants to", "needs to") commits here."""
    is_name = ctx.people.name_at(sentence.text, m.start("subj"), m.end("subj")) is not None
    in_actions = sentence.section == "action" or unit.todo or recap
    if modal == "to":
        # "Amara to get the slot" at the start of a line or after "Action:".
        head = masked[: m.start()]
        at_start = not head.strip(" -*:([") or head.rstrip().endswith((":", ";", "-", "("))
        # In a list of next steps any verb will do ("Bev to extend her script").
        verb_like = is_base_verb(verb) or (in_actions and verb.isalpha() and verb not in STOPWORDS)
        return is_name and at_start and verb_like
    if modal in ("can", "could"):
        return False  # offers are read with their replies (see ``exchanges``)
    if modal == "should":
        if GROUP_SUBJECTS.match(subj) and subj != "we":
            # "Everyone should bring one question next time" assigns; "everyone should read
            # it once" recommends.
            return in_actions or bool(
                find_dates(masked, ctx.date) or re.search(r"\bnext\s+(?:time|session)", masked)
            )
        both = re.search(r"\b(?:both|all)\b", subj + masked[m.end("subj") : m.start("verb")])
        return bool(both) or (in_actions and not strict)
    if modal.startswith(("wants", "want", "would", "'d")):
        # A wish becomes a plan with a date; "today" is the meeting itself.
        return any(d.due > ctx.date for d in find_dates(masked, ctx.date))
    # needs to / has to / is to
    dated = bool(find_dates(masked[m.start() :], ctx.date))
    known = is_name or subj == "i" or (GROUP_SUBJECTS.match(subj) is not None and subj != "we")
    return known and (in_actions or dated)
