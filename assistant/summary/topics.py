"""Naming what an explanation is about, when the talk around it does.

"You asked last time how we decide to put two loads on one truck", "I'd just explain
slotting", "You said you hate saying no to feature requests" name the topic before the
explanation; "Slotting.", "Reverse outlining.", "The other thing is captions." name it at
its start; "Oh, that's an occupancy model", "That's called prompt injection" name it in the
talk around it. A coordinator's note leads with that name ("slotting: fast movers go closest
to the dock"), so ``lessons.phrase`` puts it in front of a lesson that does not say it.
"""

from __future__ import annotations

import re

from assistant.summary.lessons import COUNTED, EVALUATIVE, INTERJECTIONS, imperative
from assistant.summary.text import STOPWORDS, content_stems, fold, tidy, wordset

_ASKED = re.compile(
    r"\b(?:asked|wanted\s+to\s+know|were\s+asking|wondered)(?:\s+me)?"
    r"(?:\s+(?:last\s+(?:time|week|month)|earlier|before|the\s+other\s+day|in\s+the\s+\w+\s+\w+))?"
    r"\s+(?P<t>(?:about\s+|how\b|why\b|what\b|whether\b|where\b|when\b|which\b)[^.?!;]*)"
)
_SAID = re.compile(
    r"\byou\s+(?:said|mentioned|told\s+me)\b[^.?!;]{0,40}?\byou\s+(?:(?:never|don'?t|didn'?t|"
    r"couldn'?t|can'?t|weren'?t|aren'?t)\s+(?:really\s+)?(?:know|understand|get|see|work\s+out|"
    r"figure\s+out|sure)|hate|wanted\s+to\s+(?:know|learn|understand|see|get)|were\s+"
    r"(?:wondering|curious))\s+(?P<t>[^.?!;]*)"
)
_EXPLAIN = re.compile(
    r"\b(?:i'?d\s+(?:just\s+)?|let\s+me\s+|i\s+want(?:ed)?\s+to\s+|i'?ll\s+|i'?m\s+going\s+to\s+)"
    r"(?:explain|show\s+you|walk\s+you\s+through|talk\s+(?:you\s+through|about)|tell\s+you\s+about"
    r"|go\s+over)\s+(?P<t>[^.?!;,]*)"
)
_CALLED = re.compile(
    r"\b(?:(?:that'?s|it'?s|this\s+is)\s+called|heard\s+of|known\s+as|think\s+of\s+it\s+as)"
    r"\s+(?P<t>[^.?!;,]{3,50})"
    r"|^\W*(?:oh[,.]?\s+)?that'?s\s+(?:an?|the)\s+(?P<u>[^.?!;,]{3,40})[.!]\s*$"
)
_CUT = re.compile(r"(?<!\s)\s++(?:because|so\s+(?:i|that|we)|since|which|and\s+i|but)\b.*$")
_TRAIL = re.compile(r"(?<!\s)\s++(?:last\s+(?:time|week|month)|earlier|again|today|actually)$")


def topic(texts: list[str]) -> str:
    """What an explanation is about, when the talk around it names it (else "")."""
    for text in texts:
        folded = fold(text)
        for pattern in (_ASKED, _SAID, _EXPLAIN, _CALLED):
            m = pattern.search(folded)
            if not m:
                continue
            group = "t" if m["t"] is not None else "u"
            if m[group] is None:
                continue
            found = _named(text[m.start(group) : m.end(group)])
            if found:
                return found
    return ""


_QUESTION = re.compile(
    r"(?:^|[.!?]\s+)\W*(?:(?:so|and|but|ok(?:ay)?|wait)[,]?\s+)?(?:(?:can|could|may)\s+i\s+ask\s+|"
    r"i\s+(?:wanted|want)\s+to\s+ask\s+)?(?P<t>(?:how|what|why|when|where|which)\b[^.?!]*)\?"
)


def question(text: str) -> str:
    """What a listener asks ("How does the sensor know how wet the soil is?", "Can I ask
    what you do if he gets defensive?"), as the name of the lesson that answers it."""
    found = ""
    for m in _QUESTION.finditer(fold(text)):
        raw = text[m.start("t") : m.end("t")]
        found = (
            _named(re.sub(r"(?<!\s)\s++(?:anyway|though|then|actually)$", "", raw.strip())) or found
        )
    return found


def called(text: str) -> str:
    """The concept a reply names ("Oh, that's an occupancy model.", "That's called prompt
    injection."), sentence by sentence; else ""."""
    for sentence in re.split(r"(?<=[.!?])\s+", text):
        m = _CALLED.search(fold(sentence))
        if not m:
            continue
        group = "t" if m["t"] is not None else "u"
        found = _named(sentence[m.start(group) : m.end(group)])
        words = re.findall(r"[a-z0-9'+#-]+", fold(found))
        if group == "u" and (
            len(words) > 3
            or any(w in STOPWORDS or w in EVALUATIVE for w in words)
            or not words
            or words[-1].endswith(_NOT_A_NOUN)
        ):
            continue  # "that's a really good story" praises; "that's an occupancy model" names
        if found:
            return found
    return ""


def _named(raw: str) -> str:
    text = re.sub(r"^\s*about\s+", "", raw.strip())
    text = _CUT.sub("", text)
    text = _TRAIL.sub("", tidy(text))
    stems = content_stems(text)
    if not stems or stems <= EVALUATIVE or len(text.split()) > 12:
        return ""
    return tidy(text)


def naming(sentence: str) -> str:
    """A sentence that only names the topic ("Slotting.", "Reverse outlining.", "Now,
    journals.", "The other thing is captions."), as that name; else ""."""
    text = re.sub(
        r"^\W*(?:now,|(?:the\s+)?(?:other|next|second|third|last)\s+thing\s+is|another\s+thing"
        r"\s+is|one\s+more\s+thing[:,]?)\s*",
        "",
        tidy(sentence),
        flags=re.I,
    )
    words = re.findall(r"[\w'+#-]+", fold(text))
    if (
        sentence.rstrip().endswith(("!", "?"))
        or not 1 <= len(words) <= 3
        or any(w in INTERJECTIONS or w in _NOT_NAMES or w in STOPWORDS for w in words)
    ):
        return ""
    if COUNTED.match(fold(text)) or all(w in _NUMBERS or w.isdigit() for w in words):
        return ""  # "Three parts." announces a list; "Eleven." repeats a number
    if not content_stems(text) or content_stems(text) <= EVALUATIVE or imperative(fold(text)):
        return ""  # "Use XLOOKUP." instructs; it does not name
    return tidy(text)


# "That's a little painful", "that's so elegant": adjectives, not the name of a concept.
_NOT_A_NOUN = ("ful", "ous", "ive", "able", "ible", "less", "ish", "ly", "ing", "ed", "ant", "ent")
_NUMBERS = wordset(
    """one two three four five six seven eight nine ten eleven twelve twenty thirty forty fifty
    hundred thousand"""
)
_NOT_NAMES = wordset(
    """is are was were be been it it's this that i i'm you you're we they he she a little
    mostly very too just more less much"""
)
