"""Who wrote the notes, and who the initials in terse notes stand for.

Written notes say who wrote them in their first or last lines ("notes: Leo", "Bev's notes",
"(Sipho)", "written up by Kenji", "Walter typing", ""I" = Aisha", "From: Leo", "-- Leo",
"Thanks, Amara"), or make it plain ("Session with Diane", "Met Tunde for coffee", "Leo and I
met", "Hi Leo," written to the other). ``find_author`` reads those; failing that, a circle's
notes are taken to be its facilitator's, and in a pair the writer is the member who is not
forever next to "I" (or whose lines are tagged "me" while the other's carry a name).
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
        {m.group(1) for m in re.finditer(r"(?<![\w'])([A-Za-z])(?=$|[^\w']|'s\b)", notes)}
    ):
        pid = people.initial(letter)
        if pid is None:
            continue
        name = people.first(pid)
        as_label = re.compile(
            # [^\S\n]: a blank-line run is not retried from every line start it holds; the
            # possessive runs after the letter are not retried from every whitespace they hold.
            r"(?m)^([^\S\n]*(?:[-*•]\s*)?@?)"
            + letter
            + r"(\s*+(?:->|→|=>|:\s)|\s++-\s|\s++to\s++[a-z])"
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
        # "D's rule = …": a capital letter that owns something is someone's initial.
        owning = letter.isupper() and re.search(r"(?<![\w'])" + letter + r"'s\s+[a-z]", notes)
        if not (paired or labelled or owning):
            continue
        if letter.isupper():
            # "D's rule" is Diane's too; "D'Souza" is not a letter.
            out = re.sub(r"(?<![\w'])" + letter + r"(?=$|[^\w']|'s\b)", name, out)
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
                r"(?m)(^[^\w\n]*|[.;]\s+)"
                + letter
                + r"(?=\s+(?:says|said|showed|explained|thinks)\b)",
                r"\g<1>" + plain,
                out,
            )
    return out


_AUTHOR_PATTERNS = [
    r"(?<![\w.-])(?P<n>{name})'s[ \t]+(?:notes|summary|write-?up|recap|minutes)\b",
    r"\([ \t]*(?P<n>[\w.-]+)[ \t]+notes?[ \t]*\)",
    r"(?<![\w.-])(?P<n>{name})[ \t]*\([ \t]*notes?[ \t]*\)",
    r"\bnotes?[ \t]*(?:by|from|taken[ \t]+by|written[ \t]+by|[:=-])[ \t]*(?P<n>{name})",
    r"^from[ \t]*:[ \t]*(?P<n>{name})",  # an e-mail: "From: Leo"
    r"\b(?:scribe|note-?taker|minutes|(?:written|taken|typed)(?:[ \t]+up)?[ \t]+by)"
    r"[ \t]*[:=-]?[ \t]*(?P<n>{name})",
    r"\b(?:facilitator|facilitated)[ \t]*/[ \t]*notes?[ \t]*[:=-][ \t]*(?P<n>{name})",
    r"\([ \t]*(?P<n>{name})[ \t]*\)[ \t]*[.!]?[ \t]*$",
    # "Walter typing, so "I" = me", "(Tariq writing)", "kwame notes", "Leo here,", ""I" =
    # Aisha": the writer named with what they are doing, at a pause (not "Sipho writing the
    # methods").
    r"(?<![\w.-])(?P<n>[\w.-]+)[ \t]+(?:typing|writing|scribing|taking[ \t]+notes|on[ \t]+notes"
    r"|notes|here)"
    r"(?=[ \t]*(?:[,.;:)!\]]|$|[ \t]+(?:so|this|today|these|up)\b))",
    r"(?:^|[\s(,])\"?i\"?[ \t]*=[ \t]*(?P<n>{name})",
    # "ugrad grp 3/3 - T", "new mgrs circle 12/3 - R": a header signed after a dash.
    r"\A[^\n\d]*+\d[^\n]*[ \t]-[ \t]+(?P<n>[a-z][\w.-]*)[ \t]*$",
]
# A signature on one of the last lines: "-- Leo", "~Leo", "—Leo" (an em dash reads as "-"),
# or a sign-off ("Thanks, Amara", "Cheers - Amara").
_SIGNATURE = (
    r"^[ \t]*(?:(?:--|~|-)|(?:thanks|thank[ \t]+you|cheers|best|regards|talk[ \t]+soon|"
    r"see[ \t]+you(?:[ \t]+\w+)?)[ \t]*[,!.-]*)[ \t]*(?P<n>{name})[ \t]*[.!]?[ \t]*$"
)
# Notes written to the other member: "Hi Leo,", "Dear Sam -", "Amara, thanks for today!",
# "To: Leo" (not "Leo, Amara: check-in", which lists both).
_GREETING = re.compile(
    r"\A\W*+(?:(?:hi|hey|hello|dear)[ \t]+(?P<n>[\w.-]+)[ \t]*[,!:-]|"
    r"(?P<v>[\w.-]+)[ \t]*[,!-][ \t]*(?:$|thanks|thank|great|good|hope|here|quick|just|as|so|"
    r"a\s+few)|(?:.*\n)?to[ \t]*:[ \t]*(?P<t>[\w.-]+))",
    re.M,
)
# Second-person commitments that only notes written to someone make.
_TO_YOU = re.compile(r"\byou\s+(?:said|agreed|offered|promised|volunteered)\b")


def addressee(notes: str, people: People) -> str | None:
    """The member notes are written to ("Hi Leo, thanks for today …"), in a pair."""
    m = _GREETING.match(fold(notes))
    if not (m and people.is_pair):
        return None
    return people.resolve(m["n"] or m["v"] or m["t"], strict=True)


def written_to_partner(notes: str, people: People, author: str | None) -> bool:
    """Whether a pair's notes speak to the other member ("Hi Leo", "you said you'd …"), so
    that "you" in them is that member."""
    if not (people.is_pair and author):
        return False
    return addressee(notes, people) is not None or bool(_TO_YOU.search(fold(notes)))


def find_author(notes: str, people: People) -> str | None:
    """Who wrote non-transcript notes, when the notes say so (or make it plain)."""
    folded = fold(notes)
    reader = addressee(notes, people)
    if reader:
        return people.other(reader)  # "Hi Leo, …" is written by the other member
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
            r"\b(?:with|w/|met(?:\s+up)?(?:\s+with)?)\s+(?P<a>"
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
        # "me - book the room" / "leo - prompt library fri": lines for "me" and for one
        # member are the other member's notes.
        tags = re.findall(
            r"(?m)^[ \t]*(?:[-*•][ \t]*)?@?([\w.'-]+)[ \t]*(?:->|→|=>|-|:)[ \t]", folded
        )
        if any(t in ("me", "i") for t in tags):
            tagged = {pid for t in tags if (pid := people.resolve(t, strict=True))}
            if len(tagged) == 1:
                return people.other(tagged.pop())
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
