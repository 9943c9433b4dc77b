"""Structure of check-in notes: transcript turns, bullets, headings, prose, sentences.

Notes come as "Name: text" transcripts (optionally with "[00:03:12]" timestamps and full
names or aliases as labels), bullet lists under headings such as "Next steps", prose, or a
messy mix. ``parse_notes`` turns any of them into ``Unit`` objects (a turn, a bullet, a line
or a paragraph) that carry their speaker, section and sentences, and works out who wrote
the notes when they say so (and whether they are written to the other member).

Lines that start with an arrow ("-> he had no idea …") are items like bullets; an arrow to
a member in a list of next steps ("plan by Friday -> D reads it") hands on a second task;
"lena -> dmitri: …" is what one member told another; lines about the next meeting ("Next
check-in April 1") are agenda, not tasks; tables of tasks are read by ``tables``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from assistant.privacy import closes_private, private_heading
from assistant.summary.people import People
from assistant.summary.tables import untable
from assistant.summary.text import base_verb, fold, is_base_verb, split_sentences
from assistant.summary.writers import expand_initials, find_author, written_to_partner

# "[00:03:12] Maya:", "00:03 Maya:", "**Maya Chen:**", "> Maya:" ... a label of at most
# 60 characters without a colon, then the text. Possessive runs of white space, and a label
# that ends in a visible character, keep the match linear on long runs of spaces.
_SPEAKER = re.compile(
    r"^\s*+(?:>\s*+)?(?:\[\s*\d{1,2}:\d{2}(?::\d{2})?\s*\]\s*+|\(?\d{1,2}:\d{2}(?::\d{2})?\)?\s++)?"
    r"(?:\*\*|__)?(?P<label>[^:\[\]\n*]{0,59}?[^:\[\]\n*\s])(?:\*\*|__)?\s*+"
    r"(?:\(\s*\d{1,2}:\d{2}(?::\d{2})?\s*\)\s*)?"
    r":(?:\*\*|__)?\s+(?P<text>\S.*)$"
)
_TIMESTAMP = re.compile(r"^\s*(?:\[\s*\d{1,2}:\d{2}(?::\d{2})?\s*\]|\d{1,2}:\d{2}(?::\d{2})?)\s*")
_BULLET = re.compile(
    r"^\s*(?:->|=>|→|[-*•·▪◦‣+>✓✔☑☐✗✘]|\d{1,2}[.)]|[a-z][.)](?=\s)|\[[ xX✓✔]?\])\s+"
)
_CHECKBOX = re.compile(r"^\s*\[[ xX✓✔]?\]\s*")
_DONE_BOX = re.compile(r"^\s*(?:[-*•]\s*)?(?:\[[xX✓✔]\]|[✓✔☑])")
_TODO_LABEL = re.compile(
    r"^\s*(?:todo|to-?do|action(?:\s+item)?|ai|a/i|task|follow[- ]?up|next\s+step)"
    r"\s*(?:\((?P<who>[^)]{1,40})\)|\s+(?P<who2>[^\W\d][\w.'-]{0,30}))?\s*[:\-]\s*(?P<text>\S.*)$",
    re.I,
)
_REVIEW_HEAD = re.compile(
    r"\b(?:last\s+time|previous|prev|from\s+last|since\s+last|carried\s+over|carry[- ]?overs?|"
    r"status\s+of|update\s+on\s+(?:last|previous)|last\s+session|last\s+week'?s)\b"
)
_ACTION_HEAD = re.compile(
    r"^(?:next\s+steps?|next|actions?|action\s+(?:items?|points?|list)|a\.?i\.?s?|to\s*-?\s*dos?|"
    r"todos?|tasks?|commitments?|follow[- ]?ups?|homework|owners?|assignments?|deliverables?|"
    r"what\s+(?:i'?m|we'?re)\s+(?:doing|going\s+to\s+do|committing\s+to)|"
    r"(?:agreed\s+)?actions?\s+agreed|agreed(?:\s+actions)?|for\s+next\s+time|"
    r"before\s+(?:next|the\s+next)\s+(?:time|session|call|meeting)|next\s+up|outcomes?|"
    r"plan(?:\s+for\s+next\s+time)?|decisions?\s+(?:and|&)\s+actions?|who\s+does\s+what)\b"
)
# "Next check-in April 1", "next: 29th", "Next session's topic: the rota": when and what the
# next meeting is, not a task (the rest is short and no verb or person starts it).
_NEXT_MEETING = re.compile(
    r"^\W*next(?:\s+(?:meeting|mtg|session|check-?in|circle|call|catch-?up|sync|coffee|chat|"
    r"one-on-one|1:1|time|get-together)(?:'s\s+\w+)?\s*[:\-]?|\s*[:\-])\s*(?P<rest>.*)$"
)
_ATTENDANCE = re.compile(r"^(?:present|here|attendees|attending|attended|absent|apologies)$")
_PRIVATE_HEAD = re.compile(r"^(?:private|confidential|off\s+the\s+record)(?:\s+notes?)?$")


@dataclass
class Sentence:
    """One sentence of a unit, with where it sits."""

    text: str
    unit: int
    index: int
    speaker: str | None
    section: str
    private: bool = False
    injected: bool = False

    @property
    def folded(self) -> str:
        """The sentence folded (lower case, no accents)."""
        return fold(self.text)


@dataclass
class Unit:
    """A turn, bullet, line or paragraph."""

    index: int
    kind: str  # turn | bullet | line | paragraph
    text: str
    section: str  # action | review | attendance | agenda | other
    speaker: str | None = None  # transcript speaker (participant id)
    label: str | None = None  # "Kenji:" prefix on a bullet, as a member id or "*group"/"*me"
    todo: bool = False  # "Action:", "TODO(Sam):" and similar explicit markers
    done_box: bool = False  # "[x]" checkbox
    private: bool = False
    words: int = 0
    sentences: list[Sentence] = field(default_factory=list)


@dataclass
class Notes:
    """The parsed notes."""

    transcript: bool
    units: list[Unit]
    author: str | None
    first_person: bool
    addressed: bool = False  # written to the other member of a pair ("Hi Leo, you said …")

    @property
    def sentences(self) -> list[Sentence]:
        """Every sentence, in order."""
        return [s for u in self.units for s in u.sentences]


def _speaker_of(line: str, people: People) -> tuple[str | None, str, str] | None:
    match = _SPEAKER.match(line)
    if not match:
        return None
    label = match["label"].strip()
    if _BULLET.match(line) or len(label.split()) > 5:
        return None
    return people.resolve(label), label, match["text"]


def _is_transcript(lines: list[str], people: People) -> bool:
    labelled = 0
    speakers: set[str] = set()
    for line in lines:
        found = _speaker_of(line, people)
        if found and found[0]:
            labelled += 1
            speakers.add(found[0])
    return labelled >= 2 and labelled * 2 >= len(lines) and (len(speakers) >= 2 or labelled >= 4)


def _heading_kind(text: str) -> str | None:
    """The section a heading line opens, or None if the line is not a heading."""
    head = fold(text).strip().strip("#*_ ").rstrip(":").strip()
    head = re.sub(r"(?<!\s)\s*+[-(].*$", "", head) if not _REVIEW_HEAD.search(head) else head
    if _PRIVATE_HEAD.match(head) or private_heading(text):
        return "private"
    if _REVIEW_HEAD.search(head):
        return "review"
    action = _ACTION_HEAD.match(head)
    if action and action.end() == len(head):  # "next steps", not "next wednesday"
        return "action"
    if _ATTENDANCE.match(head):
        return "attendance"
    return "other"


def _heading_level(line: str) -> int:
    """1-6 for Markdown headings ("## Private notes"), 7 for a plain label line."""
    hashes = len(line.lstrip()) - len(line.lstrip().lstrip("#"))
    return hashes if 0 < hashes <= 6 else 7


def _looks_like_heading(line: str, next_line: str | None, bulleted: bool = False) -> bool:
    """A heading line: "Next steps", "Actions:", "## To do", "todo"; as a bullet
    (``bulleted``) only a short action or review label counts ("- Actions:", "- todo")."""
    stripped = line.strip().strip("#*_ ")
    if bulleted:
        words = stripped.rstrip(":").split()
        return 0 < len(words) <= 4 and _heading_kind(stripped) in ("action", "review")
    if not stripped or _BULLET.match(line):
        return False
    if line.lstrip().startswith("#"):
        return True
    n_words = len(stripped.split())
    if stripped.endswith(":") and n_words <= 8:
        return True
    if n_words <= 4 and _heading_kind(stripped) in ("action", "review"):
        return True  # "todo", "Next steps", "Action items" on their own line
    if n_words <= 6 and not re.search(r"[.!?]$", stripped):
        return next_line is not None and bool(
            _BULLET.match(next_line) or _TODO_LABEL.match(next_line)
        )
    return False


def parse_notes(notes: str, people: People) -> Notes:
    """Split notes into units and sentences and decide whether they are a transcript."""
    notes = expand_initials(notes, people)
    lines = notes.split("\n")
    starts = [
        m.group(1)
        for m in re.finditer(r"(?m)^[\t\x0b\x0c\r \-*•\[\]xX>#0-9.)]*+([A-Za-z])", notes[:20000])
    ]
    people.lowercase = len(starts) >= 3 and sum(c.isupper() for c in starts) * 4 < len(starts)
    nonblank = [line for line in lines if line.strip()]
    if _is_transcript(nonblank, people):
        units = _parse_transcript(lines, people)
        _number(units)
        return Notes(transcript=True, units=units, author=None, first_person=True)
    units = _parse_written(
        untable(lines, lambda who: _label_value(who, people) is not None), people
    )
    _number(units)
    author = find_author(notes, people)
    first_person = bool(re.search(r"\b(?:i|me|my|i'll|i'm|i've|we)\b", fold(notes)))
    for unit in units:
        if unit.label == "*me":
            unit.label = author
    addressed = written_to_partner(notes, people, author)
    return Notes(
        transcript=False,
        units=units,
        author=author,
        first_person=first_person,
        addressed=addressed,
    )


def _parse_transcript(lines: list[str], people: People) -> list[Unit]:
    units: list[Unit] = []
    current: Unit | None = None
    for line in lines:
        if not line.strip():
            continue
        found = _speaker_of(line, people)
        if found and found[0]:
            pid, _label, text = found
            current = Unit(index=len(units), kind="turn", text=text.strip(), section="other")
            current.speaker = pid
            units.append(current)
        elif found and fold(found[1]).strip() in people.outsiders:
            # Someone of the program who is not a member speaks: their words are nobody's.
            current = Unit(index=len(units), kind="turn", text=found[2].strip(), section="other")
            units.append(current)
        elif current is not None:
            # Unknown labels ("assistant: …", "So three things: …") continue the turn, as in
            # evals/validate_fixtures.py, so they neither start a speaker nor lose words.
            current.text += " " + _TIMESTAMP.sub("", line).strip()
        else:
            units.append(Unit(index=len(units), kind="line", text=line.strip(), section="other"))
    for unit in units:
        _split(unit)
    return units


def _parse_written(lines: list[str], people: People) -> list[Unit]:
    units: list[Unit] = []
    section = "other"
    paragraph: list[str] = []
    heading_private = False
    private_level = 0
    after_heading = False  # indented lines under a heading are items, not continuations

    def flush() -> None:
        """Close the paragraph being collected."""
        if paragraph:
            text = " ".join(p.strip() for p in paragraph)
            units.append(Unit(index=len(units), kind="paragraph", text=text, section=section))
            units[-1].private = heading_private
            paragraph.clear()

    # The next non-blank line after each line, computed once (headings look ahead).
    following: list[str | None] = [None] * len(lines)
    upcoming: str | None = None
    for k in range(len(lines) - 1, -1, -1):
        following[k] = upcoming
        if lines[k].strip():
            upcoming = lines[k]
    for i, raw in enumerate(lines):
        line = raw.rstrip()
        if not line.strip():
            flush()
            continue
        next_line = following[i]
        bullet = _BULLET.match(line)
        wrapped = units and units[-1].kind == "bullet" and raw[:1] in (" ", "\t") and not bullet
        if wrapped and not paragraph and not after_heading and not _dash_label(line, people):
            units[-1].text += " " + line.strip()  # the hard-wrapped rest of the bullet above
            continue
        if _looks_like_heading(line, next_line):
            flush()
            kind = _heading_kind(line)
            level = _heading_level(line)
            if kind == "private" and not heading_private:
                private_level = level
            # A private section runs until a heading of the same or a higher level.
            heading_private = kind == "private" or (
                heading_private and level > private_level and not closes_private(line)
            )
            section = "other" if kind in (None, "private") else kind
            after_heading = True
            continue
        if bullet and _looks_like_heading(line[bullet.end() :], next_line, bulleted=True):
            # "- Actions:" or "- todo" over the items that follow
            flush()
            kind = _heading_kind(line[bullet.end() :])
            heading_private = kind == "private"
            section = "other" if kind in (None, "private") else kind
            after_heading = True
            continue
        todo = _TODO_LABEL.match(line[bullet.end() :] if bullet else line)
        if bullet or todo:
            after_heading = False
            flush()
            body = line[bullet.end() :] if bullet else line
            body = _CHECKBOX.sub("", body)  # "- [ ] Leo: send the deck": the box is no label
            unit = Unit(index=len(units), kind="bullet", text=body.strip(), section=section)
            unit.private = heading_private
            unit.done_box = bool(_DONE_BOX.match(line))
            _label_unit(unit, people)
            units.append(unit)
            then = _handed_on(unit, people)
            if then is not None:
                units.append(then)
            continue
        labelled = _speaker_of(line, people) or _dash_label(line, people)
        if labelled and (
            labelled[0] or people.is_group_word(labelled[1]) or fold(labelled[1]) in ("me", "i")
        ):
            flush()
            unit = Unit(index=len(units), kind="line", text=line.strip(), section=section)
            _label_unit(unit, people)
            units.append(unit)
            continue
        if paragraph and not _continues(paragraph[-1], line, section):
            flush()
        paragraph.append(line)
    flush()
    for unit in units:
        if _about_next_meeting(unit.text, people):
            unit.section = "agenda"
        _split(unit)
    return units


def _about_next_meeting(text: str, people: People) -> bool:
    m = _NEXT_MEETING.match(fold(text))
    if not m:
        return False
    rest = m["rest"].split()
    if len(rest) > 6:
        return False
    first = rest[0].strip('"(') if rest else ""
    person = not first.endswith("'s") and people.resolve(first, strict=True) is not None
    return not (is_base_verb(first) or person or first in _SUBJECTS)


_SUBJECTS = frozenset({"i", "i'll", "we", "we'll", "me", "you", "everyone", "he", "she"})


def _continues(previous: str, line: str, section: str) -> bool:
    """Whether a line carries on the paragraph above (a hard-wrapped sentence) rather than
    starting a note of its own, as each line of terse notes does."""
    if section == "action":
        return False
    prev = previous.rstrip()
    if re.search(r"[.!?:;)\"']$", prev) or len(prev.split()) < 8:
        return False
    # A wrapped line may open with a quote or bracket: 'keeping a running' / '"wins" doc …'.
    opening = line.lstrip().lstrip("\"'([")[:1]
    return opening.islower() or prev.endswith((",", "-", "and", "or", "the", "a"))


_DASH_LABEL = re.compile(
    r"^\s*+@?(?P<label>[^\W\d][\w.'+&/ -]{0,40}?)\s*+(?P<sep>->|→|=>|-|–|—)\s++(?P<text>\S.*)$"
)
# "z to open the PR", "m: write the story": a member's initial at the start of a line.
_INITIAL_LABEL = re.compile(
    r"^\s*+@?(?P<label>[A-Za-z])\s*+(?P<sep>->|→|=>|:|(?<=\s)to)\s++(?P<text>\S.*)$"
)


def _dash_label(line: str, people: People) -> tuple[str | None, str, str] | None:
    """ "kenji - dmp storage section", "leo -> template", "@sam send deck", "z to open the
    PR", "mateo + grace -> get #455 reviewed" as (member, label, text)."""
    match = (
        _DASH_LABEL.match(line)
        or _INITIAL_LABEL.match(line)
        or re.match(r"^\s*@(?P<label>[\w.-]+)\s+(?P<text>\S.*)$", line)
        # "[Leo] send the deck", "(Amara) book the room": an owner tag in brackets
        or re.match(r"^\s*[\[(](?P<label>[^\[\]()]{1,40})[\])]\s*:?\s*(?P<text>[^\W\d].*)$", line)
    )
    if not match:
        return None
    label = match["label"].strip()
    if fold(label) == "a" and match.groupdict().get("sep") not in ("->", "→", "=>"):
        return None  # "A - …" is more often a list than Amara
    pid = people.resolve(label, strict=True) or people.initial(label)
    several = len(re.split(r"(?<!\s)\s*+(?:,|&|\+|/|\band\b)\s*+", label)) > 1
    if (
        pid is None
        and not several
        and not people.is_group_word(label)
        and fold(label) not in ("me", "i")
    ):
        return None
    if several and _label_value(label, people) is None:
        return None
    return pid, label, match["text"]


def _handed_on(unit: Unit, people: People) -> Unit | None:
    """ "acct plan by 22/5 -> D reads it before our next session": in a list of next steps,
    an arrow to a member doing something hands on a second task. Split it off."""
    if not (unit.section == "action" or unit.todo):
        return None
    m = re.match(
        r"^(?P<left>.*\S)\s*(?:->|→|=>)\s*(?P<who>[\w.'-]+)\s+(?P<verb>[a-z]+)\b", unit.text
    )
    if not m or len(m["left"].split()) < 2:
        return None
    if people.resolve(m["who"], strict=True) is None or base_verb(m["verb"]) is None:
        return None
    then = Unit(
        index=unit.index + 1,
        kind="bullet",
        text=unit.text[m.start("who") :].strip(),
        section=unit.section,
    )
    then.private, then.todo = unit.private, unit.todo
    unit.text = m["left"].strip(" ,;")
    return then


def told_line(line: str, people: People) -> bool:
    """ "lena -> dmitri: disclosure buttons need aria-expanded": one member to another."""
    m = re.match(r"^\W*+([\w.'-]+)\s*+(?:->|→|=>)\s*+([\w.'-]+)\s*+:\s*\S", line)
    return bool(
        m and people.resolve(m.group(1), strict=True) and people.resolve(m.group(2), strict=True)
    )


def _is_arrow(line: str) -> bool:
    """ "leo -> build the template": an arrow assigns a task even without a verb."""
    return bool(re.match(r"^\s*@?[^\W\d][\w.'+&/ -]{0,40}?\s*(?:->|→|=>)\s", line))


def _label_unit(unit: Unit, people: People) -> None:
    """Read "TODO(Sam):", "Action:", "Kenji:", "Me:" and "Everyone:" prefixes."""
    todo = _TODO_LABEL.match(unit.text)
    if todo:
        unit.todo = True
        unit.text = todo["text"].strip()
        who = todo["who"] or todo["who2"]
        if who:
            unit.label = _label_value(who, people)
    dashed = _dash_label(unit.text, people)
    if dashed and unit.section != "action" and told_line(unit.text, people):
        return  # "lena -> dmitri: buttons need aria-expanded": what one told the other
    if dashed:
        value = dashed[0] or _label_value(dashed[1], people)
        if value:
            unit.todo = unit.todo or _is_arrow(unit.text)
            unit.label = value
            unit.text = dashed[2].strip()
            return
    match = _SPEAKER.match(unit.text)
    if match and len(match["label"].split()) <= 4:
        value = _label_value(match["label"], people)
        if value:
            unit.label = value
            unit.text = match["text"].strip()
            return
        head = _heading_kind(match["label"])
        if re.match(r"(?:for\s+)?next\s+time|agenda|parking\s+lot|ideas?\b", fold(match["label"])):
            unit.section = "agenda"  # "Next time: walk through X" is a topic, not a task
        elif head == "action":
            unit.todo = True
            unit.text = match["text"].strip()
        elif head == "attendance":
            unit.section = "attendance"
        elif head == "private":
            unit.private = True


def _label_value(label: str, people: People) -> str | None:
    names = [
        p.strip() for p in re.split(r"(?<!\s)\s*+(?:,|&|\+|/|\band\b)\s*+", label) if p.strip()
    ]
    if len(names) > 1:
        known = all(people.resolve(n) or people.initial(n) or fold(n) in ("me", "i") for n in names)
        return "*group" if known else None
    if fold(label).strip() in ("me", "i", "myself"):
        return "*me"
    if people.is_group_word(label):
        return "*group"
    return people.resolve(label) or people.initial(label)


def _number(units: list[Unit]) -> None:
    index = 0
    for unit in units:
        for sentence in unit.sentences:
            sentence.index = index
            index += 1


def _split(unit: Unit) -> None:
    text = unit.text
    unit.words = len(text.split())
    section = unit.section
    for start, end in split_sentences(text):
        sentence = text[start:end]
        if unit.kind == "paragraph":
            # "Next steps: I'll revise …" inside prose opens an action section for the rest
            # of the paragraph.
            inline = re.match(r"^\s*([A-Za-z][\w' ]{1,30}?)\s*:\s+\S", sentence)
            if inline and _heading_kind(inline.group(1)) == "action":
                section = "action"
        unit.sentences.append(
            Sentence(text=sentence, unit=unit.index, index=0, speaker=unit.speaker, section=section)
        )
