"""Action items under construction.

``Context`` holds what the extractors share (the notes, the members, the check-in date and
the patterns that name them); ``make`` turns a verb phrase into an item with its due date
("send me the file by Friday", said by Hana, becomes "send Hana the file", due Friday);
``subject_owner`` resolves "I", "you", "he", "everyone" or a name to a member or None.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from assistant.summary.dates import find_dates, resolve_due, strip_dates
from assistant.summary.flags import PreviousStatus
from assistant.summary.parse import Notes, Sentence, Unit
from assistant.summary.people import People
from assistant.summary.text import (
    GENERIC_VERBS,
    base_verb,
    clip_words,
    content_stems,
    fold,
    tidy,
)
from assistant.summary.vocab import (
    ADVERBS,
    ANAPHOR,
    CUT,
    GROUP_SUBJECTS,
    IN_MEETING,
    MASK_QUOTES,
    NOT_TASK,
    PRONOUN_SUBJECTS,
    SAME_DUE,
    STRONG,
    WEAK,
)


@dataclass
class Item:
    """An action item being assembled."""

    owner: str | None
    task: str
    due: dt.date | None
    unit: int
    order: int
    recap: bool = False
    stems: set[str] = field(default_factory=set)
    poor: bool = False
    exchange: bool = False  # from a transcript, where a reply can restate a request
    lead: str = ""  # the words of the sentence before the commitment ("He picked #441, …")

    def finish(self) -> None:
        """Recompute the stems and whether the task is too vague to stand alone."""
        self.stems = content_stems(self.task)
        meaningful = {w for w in self.stems if w not in GENERIC_VERBS}
        self.poor = len(meaningful) < 2 or (
            bool(ANAPHOR.match(fold(self.task))) and len(meaningful) < 3
        )


@dataclass
class Context:
    """What the extractors share while reading one set of notes."""

    notes: Notes
    people: People
    date: dt.date
    statuses: list[PreviousStatus]
    items: list[Item] = field(default_factory=list)
    you_named: bool = True  # whether "you" in the current sentence is one known person
    pronouns: dict[str, str] = field(default_factory=dict)  # "he"/"she" -> member, once known

    def __post_init__(self) -> None:
        names = self.people.alternation or r"(?!x)x"
        verb = r"\s+(?P<verb>[a-z][a-z'-]*)"
        subject = r"(?P<subj>\b(?:" + names + r"|" + PRONOUN_SUBJECTS + r")\b)"
        # "Sam will …", "I'll …", "Amara to …": a subject, a modal, a verb.
        self.anchor = re.compile(
            subject + r"(?P<modal>" + STRONG + "|" + WEAK + ")" + ADVERBS + verb
        )
        # "… and will send the revised version": the subject is further back.
        self.implicit = re.compile(
            r"(?:^|[,;:]\s*|\band\s+|\bthen\s+)(?P<modal>will|'ll|to|gonna|going\s+to)"
            + ADVERBS
            + verb
        )
        # Commitments written about someone: "Amara asked Leo to …", "Sam's homework is to …",
        # "homework for Sam: …", "Leo said he'd …". Each alternative has its own groups.
        person = r"(?P<subj{n}>\b(?:" + names + r"|me|him|her|you)\b)"
        tasks = r"(?:homework|task|action(?:\s+item)?|job|next\s+step|assignment|to-?do)"
        v = r"\s+(?P<verb{n}>[a-z][a-z'-]*)"
        alternatives = [
            r"\b(?:asked|reminded|challenged|got)\s+" + person + r"(?P<modal{n}>\s+to)" + v,
            person + r"'s\s+" + tasks + r"\s+(?:is|was|will\s+be)(?P<modal{n}>\s+to|\s*:)" + v,
            r"\b" + tasks + r"\s+for\s+" + person + r"(?P<modal{n}>\s*[:-]|\s+is\s+to)" + v,
            person
            + r"\s+(?:said|says|mentioned|promised|confirmed)\s+(?:that\s+)?(?:he|she|they|i|you)"
            + r"(?P<modal{n}>'d|\s+would)"
            + v,
            # "We agreed that Freya would edit a first cut", "decided Sipho will …"
            r"\b(?:agreed|decided)\s+(?:that\s+)?"
            + person.replace("|me|him|her", "|i")
            + r"(?P<modal{n}>\s+would|'d|\s+will|'ll|\s+should)"
            + v,
        ]
        self.assigned = re.compile(
            "|".join(alt.replace("{n}", str(n)) for n, alt in enumerate(alternatives))
        )
        # "He's sending me the list next week", "Segun is giving me access tomorrow": the
        # present progressive of an arrangement (a commitment once it has a date).
        self.progressive = re.compile(
            subject
            + r"(?P<modal>'s|'m|'re|\s+(?:is|am|are))"
            + ADVERBS
            + r"\s+(?P<verb>[a-z]+ing)\b"
        )
        self.present = re.compile(
            r"^\W*(?:and\s+|then\s+)?(?P<subj>" + names + r"|i|me|everyone|everybody|we)\s+"
            r"(?P<verb>[a-z][a-z'-]*)"
        )


def is_usable(sentence: Sentence) -> bool:
    """Neither private nor an instruction aimed at an AI."""
    return not (sentence.private or sentence.injected)


def mask(folded: str) -> str:
    """Quoted speech can't make commitments: blank it out, keeping offsets."""
    return MASK_QUOTES.sub(lambda m: '"' + " " * (len(m.group(0)) - 2) + '"', folded)


def clause_end(masked: str, start: int, stop: int) -> int:
    """Where the task that starts at ``start`` ends: at an aside, a new clause or ``stop``."""
    m = CUT.search(masked, start, stop)
    return m.start() if m else stop


def due_source(ctx: Context, clause: str, after: str, before: str = "") -> str:
    """Which text gives a task its date: its own clause, unless only the words after it set
    a deadline ("books the room for the retreat on Feb 20. By Feb 6 please."); else the
    words after it ("…, tomorrow") or before it ("Next week I want to …")."""
    here = find_dates(clause, ctx.date)
    if not any(d.deadline for d in here) and any(d.deadline for d in find_dates(after, ctx.date)):
        return after
    if here:
        return clause
    if find_dates(after, ctx.date):
        return after
    return before if find_dates(before, ctx.date) else clause


def subject_owner(
    ctx: Context, subj: str, raw: str, start: int, me: str | None, you: str | None, near: str | None
) -> tuple[bool, str | None]:
    """(resolved?, owner) for a subject phrase; unresolved subjects give no item."""
    s = subj.strip()
    if s == "i":
        return (me is not None or not ctx.notes.transcript, me)
    if GROUP_SUBJECTS.match(s):
        return True, None
    if s == "you":
        return (you is not None, you)
    if s == "me":
        return (me is not None, me)
    if s in ("him", "her"):
        return (near is not None, near)
    if s in ("he", "she", "they"):
        # Only a member already in view: in a transcript "she" is often a customer or a
        # character in a word problem.
        return (s != "they" and near is not None, near)
    pid = ctx.people.name_at(raw, start, start + len(subj))
    return (pid is not None, pid)


def rewrite(ctx: Context, task: str, owner: str | None, me: str | None, you: str | None) -> str:
    """Turn "send me the file" into "send Hana the file" when "me" is not the owner."""
    people = ctx.people

    def name(pid: str, possessive: bool) -> str:
        """A member as the task names them."""
        first = people.first(pid)
        return first + "'s" if possessive else first

    def swap(m: re.Match[str]) -> str:
        """One pronoun, replaced when it means someone other than the owner."""
        word = m.group(0)
        low = word.lower()
        if low in ("me", "i", "myself") and me and owner != me:
            return name(me, False)
        if low == "my" and me and owner != me:
            return name(me, True)
        # In a group "you" may be everyone: only a named or pair partner is substituted.
        if low in ("you", "your") and you and owner != you and ctx.you_named:
            return name(you, low == "your")
        if low in ("you", "your") and you and owner == you and me is None:
            return word
        return word

    return re.sub(r"\b(?:me|my|myself|I|you|your)\b(?!')", swap, task)


def make(
    ctx: Context,
    *,
    owner: str | None,
    raw: str,
    start: int,
    end: int,
    unit: Unit,
    sentence: Sentence,
    me: str | None,
    you: str | None,
    recap: bool = False,
    due_text: str | None = None,
    lead: str = "",
) -> Item | None:
    """Build an item from ``raw[start:end]`` (the verb phrase)."""
    phrase = raw[start:end]
    if NOT_TASK.match(fold(phrase).strip()):
        return None
    due = resolve_due(due_text if due_text is not None else phrase, ctx.date)
    if re.match(
        r"^\S+\s+(?:\S+\s+){0,3}(?:is|are|was)\s+(?:that|this|to|the|a|what)\b", fold(phrase)
    ):
        return None  # "the point I'll make is that …" — the verb sits in a relative clause
    if due is None and IN_MEETING.match(fold(phrase).strip()):
        return None  # "we'll go straight into questions" steers the meeting itself
    if due is None and SAME_DUE.search(fold(phrase)) and ctx.items:
        due = ctx.items[-1].due  # "…, same deadline" repeats the previous item's date
    phrase = SAME_DUE.sub("", phrase) if SAME_DUE.search(phrase) else phrase
    task = tidy(strip_dates(phrase, ctx.date))
    task = re.sub(r"(?<!\s)\s*+\((?:[^()]*)\)\s*$", "", task) if len(task) > 60 else task
    task = tidy(rewrite(ctx, task, owner, me, you))
    # "Back to pricing: before the renewal, bring me ..." - a short lead-in is not the task.
    intro = re.match(
        r"^(?:back\s+to|as\s+for|re|regarding|about|on|okay|ok|so|and|also)\b[\w' -]{0,25}:\s+"
        r"(?=\S+(?:\s+\S+){2})",
        task,
        re.IGNORECASE,
    )
    if intro:
        task = task[intro.end() :]
    if len(task) < 3 or not re.search(r"[a-z]{3}", fold(task)):
        return None  # nothing left but a date or a number ("next: 29th")
    item = Item(
        owner=owner,
        task=clip_words(task, 28),
        due=due,
        unit=unit.index,
        order=sentence.index,
        recap=recap,
        exchange=ctx.notes.transcript,
    )
    item.lead = lead
    item.finish()
    ctx.items.append(item)
    return item


def present_item(
    ctx: Context,
    unit: Unit,
    sentence: Sentence,
    me: str | None,
    you: str | None = None,
    recap: bool = False,
) -> bool:
    """ "Kwame sends me the invite", "I set up the channel" in an action list or read-back."""
    raw = sentence.text
    masked = mask(fold(raw))
    m = ctx.present.match(masked)
    if not m:
        return False
    verb = m["verb"]
    base = base_verb(verb)
    if (
        base is None
        or base == "be"
        or (
            base == "have"
            and not re.match(r"has\s+(?:a|an|the|his|her|their|to)\b", masked[m.start("verb") :])
        )
    ):
        return False
    subj = m["subj"]
    if subj == "we":
        owner = None
    elif subj in ("i", "me"):
        owner = me
    elif subj in ("everyone", "everybody"):
        owner = None
    else:
        owner = ctx.people.name_at(raw, m.start("subj"), m.end("subj"))
        if owner is None:
            return False
    end = clause_end(masked, m.end("verb"), len(masked))
    made = False
    # "Hana tries the flipped 1:1 on Monday and shares the template tomorrow": two tasks.
    runs = _verb_runs(ctx, masked, m.start("verb"), end)
    for a, b in runs:
        after = raw[b:] if b == end else ""  # a later task's date is not this one's
        item = make(
            ctx,
            owner=owner,
            raw=raw,
            start=a,
            end=b,
            unit=unit,
            sentence=sentence,
            me=me,
            you=you,
            recap=recap,
            due_text=due_source(ctx, raw[a:b], after),
        )
        if item is not None:
            words = item.task.split()
            verb = base_verb(words[0]) if words else None
            if verb:
                words[0] = verb
                item.task = " ".join(words)
                item.finish()
        made = made or item is not None
    return made


def _verb_runs(ctx: Context, masked: str, start: int, end: int) -> list[tuple[int, int]]:
    """The spans of "tries X on Monday and shares Y tomorrow": split where "and" brings
    another present-tense verb with a date of its own (one deadline keeps one task)."""
    spans, a = [], start
    for m in re.finditer(r",?(?<!\s)\s++and\s++(?P<verb>[a-z]+s)\b", masked[start:end]):
        verb, cut = m["verb"], start + m.start()
        if not base_verb(verb) or verb.endswith("ss"):
            continue
        first = {d.due for d in find_dates(masked[a:cut], ctx.date)}
        second = {d.due for d in find_dates(masked[cut:end], ctx.date)}
        if first and second and first != second:
            spans.append((a, cut))
            a = start + m.start("verb")
    spans.append((a, end))
    return spans
