"""Slots of a chat message: session minutes, a focus, and which relationship it is about.

Slots are small, closed vocabularies (durations, names of the user's own people), so they
are read with patterns; which *job* a message asks for is the classifier's business
(:mod:`assistant.chat.intents`).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

_NUMBER_WORDS = {
    "five": 5,
    "ten": 10,
    "fifteen": 15,
    "twenty": 20,
    "twenty-five": 25,
    "twenty five": 25,
    "thirty": 30,
    "thirty-five": 35,
    "thirty five": 35,
    "forty": 40,
    "forty-five": 45,
    "forty five": 45,
    "fifty": 50,
    "sixty": 60,
    "seventy-five": 75,
    "ninety": 90,
    "one": 1,
    "a": 1,
    "an": 1,
    "two": 2,
    "three": 3,
    "four": 4,
}
_NUM = (
    r"(\d{1,3}(?:[.,]\d+)?|"
    + "|".join(sorted(map(re.escape, _NUMBER_WORDS), key=len, reverse=True))
    + r")"
)
_MIN_UNIT = r"(?:minutes?|mins?)\b"
_HOUR_UNIT = r"(?:hours?|hrs?)\b"

_HALF_HOUR = re.compile(r"\bhalf\s+(?:an?\s+)?hour\b", re.I)
_QUARTER_HOUR = re.compile(r"\bquarter\s+(?:of\s+)?(?:an?\s+)?hour\b", re.I)
_THREE_QUARTERS = re.compile(r"\bthree[- ]quarters?\s+of\s+an\s+hour\b", re.I)
_HOURS_AND_HALF = re.compile(rf"\b{_NUM}\s*(?:and\s+a\s+half|½)\s+{_HOUR_UNIT}", re.I)
_HOUR_AND_HALF = re.compile(rf"\b{_NUM}\s+{_HOUR_UNIT}\s+and\s+a\s+half\b", re.I)
_HOURS_MINUTES = re.compile(
    rf"\b{_NUM}\s*{_HOUR_UNIT}\s*(?:and\s+)?{_NUM}\s*(?:{_MIN_UNIT})?", re.I
)
_COMPACT = re.compile(r"\b(\d{1,2})h(\d{2})\b", re.I)
# Single-letter units only after digits ("45m", "2h"): "I am" is not a minute.
_SHORT_MIN = re.compile(r"\b(\d{1,3})\s?m\b", re.I)
_SHORT_HOUR = re.compile(r"\b(\d(?:[.,]\d)?)\s?h\b", re.I)
_MINUTES = re.compile(rf"\b{_NUM}[\s-]*{_MIN_UNIT}", re.I)
_HOURS = re.compile(rf"\b{_NUM}[\s-]*{_HOUR_UNIT}", re.I)
# A bare number is a duration only when it is (nearly) the whole message or follows a
# "make it / do it in / we have" phrase: "90", "make it 60".
_BARE = re.compile(
    r"^\s*(\d{2,3})\s*[.!]?\s*$|\b(?:make\s+it|do\s+it\s+in|in|we\s+have|only\s+have|got|for|to)"
    r"\s+(?:about\s+|just\s+|only\s+)?(\d{2,3})\b(?!\s*(?:%|people|questions|topics|items|th\b))",
    re.I,
)


def _number(text: str) -> float | None:
    word = text.strip().lower()
    if word in _NUMBER_WORDS:
        return float(_NUMBER_WORDS[word])
    try:
        return float(word.replace(",", "."))
    except ValueError:
        return None


def parse_minutes(text: str) -> int | None:
    """Session length in minutes from a message ("half an hour", "45 min", "an hour and a
    half", "1h30", "90"), or None when it names none."""
    if _THREE_QUARTERS.search(text):
        return 45
    if m := _HOURS_AND_HALF.search(text) or _HOUR_AND_HALF.search(text):
        hours = _number(m.group(1))
        return round((hours or 1) * 60 + 30)
    if _HALF_HOUR.search(text):
        return 30
    if _QUARTER_HOUR.search(text):
        return 15
    if m := _COMPACT.search(text):
        return int(m.group(1)) * 60 + int(m.group(2))
    if m := _HOURS_MINUTES.search(text):
        hours, minutes = _number(m.group(1)), _number(m.group(2))
        if hours is not None and minutes is not None and minutes < 60:
            return round(hours * 60 + minutes)
    if m := _MINUTES.search(text) or _SHORT_MIN.search(text):
        value = _number(m.group(1))
        if value is not None:
            return round(value)
    if m := _HOURS.search(text) or _SHORT_HOUR.search(text):
        value = _number(m.group(1))
        if value is not None:
            return round(value * 60)
    if m := _BARE.search(text):
        return int(m.group(1) or m.group(2))
    return None


_FOCUS = re.compile(
    r"\b(?:focus(?:ed|ing)?\s+on|focus:|centred\s+on|centered\s+on|about|around|on\s+the\s+topic\s+of"
    r"|regarding|covering|to\s+prepare\s+for|preparing\s+for|prep\s+for)\s+"
    r"(?P<focus>[^.?!\n]{3,80})",
    re.I,
)
_FOCUS_TAIL = re.compile(
    r"\s+(?:for|with)\s+(?:my|our|the|him|her|them|\w+'s)\b.*$|\s+(?:in|within)\s+\S+\s+"
    r"(?:minutes?|mins?|hours?)\b.*$|\s*,.*$",
    re.I,
)
_NOT_FOCUS = re.compile(
    r"^(?:it|this|that|these|those|them|us|me|the\s+(?:same|session|meeting|agenda)|"
    r"an?\s+hour|half\s+an\s+hour|\d+\s*(?:minutes?|mins?|hours?)|what|how|why)\b",
    re.I,
)


def parse_focus(text: str) -> str | None:
    """What the session should focus on ("focus on the board review", "about delegation")."""
    for m in _FOCUS.finditer(text):
        focus = _FOCUS_TAIL.sub("", m.group("focus")).strip(" '\"")
        if focus and not _NOT_FOCUS.match(focus) and parse_minutes(focus) is None:
            return focus[:80]
    return None


def fold(text: str) -> str:
    """Lower case without accents, so "Tomas" finds "Tomás"."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()


@dataclass(frozen=True)
class Choice:
    """A relationship the user may talk about, with the names that identify it."""

    program_id: str
    relationship_id: str
    mode: str
    members: dict[str, str]  # participant id -> display name
    aliases: dict[str, list[str]] = field(default_factory=dict)  # participant id -> extra names

    def label(self, me: str | None = None) -> str:
        others = [name for pid, name in self.members.items() if pid != me] or list(
            self.members.values()
        )
        return f"{self.mode} with {', '.join(others)} (`{self.relationship_id}`)"

    def names(self) -> dict[str, list[str]]:
        """Every way of naming each member: full name, first name, id, aliases."""
        out: dict[str, list[str]] = {}
        for pid, name in self.members.items():
            forms = {fold(name), fold(name.split()[0]), fold(pid)}
            forms.update(fold(a) for a in self.aliases.get(pid, []))
            out[pid] = sorted(f for f in forms if len(f) >= 2)
        return out


@dataclass
class Mentioned:
    """People and relationships a message names."""

    people: set[str] = field(default_factory=set)  # participant ids
    relationships: set[str] = field(default_factory=set)  # relationship ids named outright
    group: bool = False  # "the group", "our circle"


_GROUP_WORDS = re.compile(r"\b(?:group|circle|cohort|everyone|all of us)\b", re.I)
_SAME = re.compile(
    r"\b(?:(?:the\s+)?same\s+(?:pair|pairing|group|circle|relationship|people|ones|two|"
    r"mentee|mentor|person)|(?:them|those\s+two)\s+again)\b",
    re.I,
)


def refers_to_same(text: str) -> bool:
    """Whether a message points back at the relationship of the conversation so far."""
    return _SAME.search(text) is not None


def mentions(text: str, people: dict[str, list[str]], relationship_ids: set[str]) -> Mentioned:
    """Which of ``people`` (id -> name forms) and ``relationship_ids`` a message names."""
    folded = fold(text)
    found = Mentioned(group=bool(_GROUP_WORDS.search(text)))
    for rid in relationship_ids:
        if re.search(rf"(?<![\w-]){re.escape(fold(rid))}(?![\w-])", folded):
            found.relationships.add(rid)
    for pid, forms in people.items():
        for form in forms:
            if re.search(rf"(?<![\w-]){re.escape(form)}(?:'s)?(?![\w-])", folded):
                found.people.add(pid)
                break
    return found
