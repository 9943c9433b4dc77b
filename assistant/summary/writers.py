"""Who wrote the notes, and who the initials in terse notes stand for.

Written notes say who wrote them in their first or last lines ("notes: Leo", "Bev's notes",
"(Sipho)", "written up by Kenji", "-- Leo"), or make it plain ("Session with Diane", "Leo and
I met"). ``find_author`` reads those; failing that, a circle's notes are taken to be its
facilitator's, and in a pair the writer is the member who is not forever next to "I".
"""

from __future__ import annotations

import re

from assistant.program import Role
from assistant.summary.people import People
from assistant.summary.text import fold


def expand_initials(notes: str, people: People) -> str:
    """Terse notes name people by initial ("A -> fwd me the report", "M+H 4/28", "z to open
    the PR"). Where the notes plainly use a letter that way and only one member's name starts
    with it, write the name out, so every later step reads it as a person."""
    out = notes
    for letter in sorted(
        {m.group(1) for m in re.finditer(r"(?<![\w'])([A-Za-z])(?![\w'])", notes)}
    ):
        pid = people.initial(letter)
        if pid is None:
            continue
        name = people.first(pid)
        as_label = re.compile(
            r"(?m)^(\s*(?:[-*•]\s*)?@?)" + letter + r"(\s*(?:->|→|=>|:\s|\s-\s|\s+to\s+[a-z]))"
        )
        paired = re.search(
            r"(?<![\w'])"
            + letter
            + r"\s*[+/&]\s*(?:[A-Za-z]|me)\b|\b(?:[A-Za-z]|me)\s*[+/&]\s*"
            + letter
            + r"(?![\w'])",
            notes,
        )
        labelled = as_label.search(notes)
        if not (paired or labelled):
            continue
        if letter.isupper():
            out = re.sub(r"(?<![\w'])" + letter + r"(?![\w'])", name, out)
        else:
            out = as_label.sub(r"\g<1>" + name.replace("\\", "") + r"\g<2>", out)
            # "showed m how i do a pass", "m says that's normal": a person, not a letter.
            plain = name.replace("\\", "")
            out = re.sub(
                r"\b(showed|shows|taught|told|walked|gave|helped|asked|w/|with)\s+"
                + letter
                + r"(?=\s+[a-z])",
                r"\g<1> " + plain,
                out,
            )
            out = re.sub(
                r"(?m)(^\W*|[.;]\s+)" + letter + r"(?=\s+(?:says|said|showed|explained|thinks)\b)",
                r"\g<1>" + plain,
                out,
            )
    return out


_AUTHOR_PATTERNS = [
    r"\b(?P<n>{name})'s[ \t]+notes\b",
    r"\([ \t]*(?P<n>[\w.-]+)[ \t]+notes?[ \t]*\)",
    r"\b(?P<n>{name})[ \t]*\([ \t]*notes?[ \t]*\)",
    r"\bnotes?[ \t]*(?:by|from|taken[ \t]+by|written[ \t]+by|[:=-])[ \t]*(?P<n>{name})",
    r"\b(?:scribe|note-?taker|minutes|(?:written|taken|typed)(?:[ \t]+up)?[ \t]+by)"
    r"[ \t]*[:=-]?[ \t]*(?P<n>{name})",
    r"\b(?:facilitator|facilitated)[ \t]*/[ \t]*notes?[ \t]*[:=-][ \t]*(?P<n>{name})",
    r"\([ \t]*(?P<n>{name})[ \t]*\)[ \t]*$",
    # "ugrad grp 3/3 - T", "new mgrs circle 12/3 - R": a header signed after a dash.
    r"\A[^\n]*\d[^\n]*[ \t]-[ \t]+(?P<n>[a-z][\w.-]*)[ \t]*$",
]
# A signature on one of the last lines: "-- Leo", "~Leo", "—Leo" (an em dash reads as "-").
_SIGNATURE = r"^[ \t]*(?:--|~|-(?=\S))[ \t]*(?P<n>{name})[ \t]*$"


def find_author(notes: str, people: People) -> str | None:
    """Who wrote non-transcript notes, when the notes say so (or make it plain)."""
    folded = fold(notes)
    lines = [line for line in folded.split("\n") if line.strip()]
    # Writers sign notes in the first lines ("notes: Leo", "Bev's notes") or the last ones.
    head = "\n".join(lines[:4] + lines[-2:])
    name = r"[\w.-]+(?:[ \t][\w.-]+)?"
    tail = "\n".join(lines[-2:])
    for pattern, text in [(p, head) for p in _AUTHOR_PATTERNS] + [(_SIGNATURE, tail)]:
        for m in re.finditer(pattern.format(name=name), text, re.M):
            raw = m["n"]
            pid = people.resolve(raw) or people.resolve(raw.split()[0]) or people.initial(raw)
            if pid:
                return pid
    if not re.search(r"\b(?:i|me|my|i'll|i'm|i've|i'd)\b", folded):
        return None
    # "Session with Diane", "Leo and I met", "met w/ Renée": in a pair, the writer is the other.
    if people.is_pair:
        for m in re.finditer(
            r"\b(?:with|w/)\s+(?P<a>"
            + name
            + r")|\b(?P<b>"
            + name
            + r")\s*(?:and|&|\+)\s*(?:i|me)\b|"
            r"\b(?:me|i)\s*(?:and|&|\+)\s*(?P<c>" + name + r")",
            "\n".join(lines[:4]) + "\n" + folded[:400],
        ):
            raw = m["a"] or m["b"] or m["c"]
            pid = people.resolve(raw) or people.resolve(raw.split()[0]) or people.initial(raw)
            if pid:
                return people.other(pid)
    facilitators = people.with_role(Role.FACILITATOR)
    if len(facilitators) == 1 and not people.is_pair:
        # Circles and groups are usually written up by their facilitator.
        return facilitators[0]
    if people.is_pair:
        # "Kwame presented to me", "Kwame to shadow my call": the writer is not the member
        # who keeps appearing next to "I", "me" and "my".
        counts = dict.fromkeys(people.ids, 0)
        for sentence in notes.split("\n"):
            if re.search(r"\b(?:i|me|my|i'll|i'm|i've)\b", sentence, re.I):
                named = {pid for _, _, pid in people.find(sentence)}
                for pid in named:
                    counts[pid] += 1
        a, b = people.ids
        if min(counts[a], counts[b]) == 0 and max(counts[a], counts[b]) >= 1:
            return b if counts[a] > counts[b] else a
    return None
