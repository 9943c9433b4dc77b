"""Text helpers shared by the summarizer: normalisation, tokens, stems, sentences, verbs.

Everything here is length-preserving where it matters: ``normalize`` and ``fold`` map one
character to one character, so a match found in folded text can be cut out of the original.
"""

from __future__ import annotations

import re
import unicodedata


# Curly quotes and dashes become their ASCII forms (one character each) so one set of
# patterns covers notes typed on phones, word processors and terminals alike.
def wordset(text: str) -> frozenset[str]:
    """The whitespace-separated words of a literal, as a set (keeps word lists readable)."""
    return frozenset(text.split())


_PUNCT = str.maketrans(
    {
        "\u2019": "'",
        "\u2018": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u2013": "-",
        "\u2014": "-",
        "\u00a0": " ",
        "\u2026": ".",
        "\t": " ",
        "\r": " ",
    }
)
_FOLD: dict[int, str] = {}


def normalize(text: str) -> str:
    """Straight quotes and dashes, same length as the input."""
    return text.translate(_PUNCT)


def fold(text: str) -> str:
    """Lower-case and strip accents, one character for one (``Inés`` -> ``ines``)."""
    if text.isascii():
        return text.lower()
    for ch in set(text):
        code = ord(ch)
        if code > 127 and code not in _FOLD:
            base = unicodedata.normalize("NFD", ch)[0]
            _FOLD[code] = base if base.isascii() and base.isalpha() else ch
    out = text.translate(_FOLD).lower()
    # lower() can lengthen a few exotic characters; fall back to per-character lowering.
    if len(out) != len(text):
        out = "".join(c.lower()[:1] or c for c in text.translate(_FOLD))
    return out


class StemIndex:
    """A stem set that answers "is a stem like this one in here?" without a pairwise scan:
    equal stems, or one a prefix (of 4+ letters) of the other."""

    def __init__(self, stems: set[str]) -> None:
        self.stems: set[str] = set()
        self.prefixes: set[str] = set()
        self.add(stems)

    def add(self, stems: set[str]) -> None:
        """Take in more stems (an index can grow as a conversation goes on)."""
        self.stems |= stems
        self.prefixes |= {w[:n] for w in stems for n in range(4, len(w))}

    def has(self, word: str) -> bool:
        """Whether ``word`` or a word sharing a 4+ letter prefix with it is here."""
        if word in self.stems or (len(word) >= 4 and word in self.prefixes):
            return True
        return any(word[:n] in self.stems for n in range(4, len(word)))


WORD_RE = re.compile(r"#?[a-z0-9]+(?:'[a-z]+)?")

STOPWORDS = wordset(
    """a an the and or but if then so than that this these those there here it its it's i me my
    mine myself we us our ours you your yours he him his she her hers they them their theirs
    who whom whose which what when where why how is are was were be been being am do does
    did done doing have has had having will would shall should can could may might must to
    of in on at by for with about from into onto over under up down out off as per via not
    no nor too very just also only even still really actually again ever all any both each
    every few more most other some such own same i'm i'll i've i'd you're you'll we're we'll
    they're they'll he's she's that's there's what's let's don't didn't doesn't isn't aren't
    wasn't weren't won't can't couldn't shouldn't wouldn't haven't hasn't ok okay yeah yes
    yep sure well like maybe bit lot lots thing things something anything everything stuff
    kind sort one ones way get got gets getting go going goes went gone make made makes
    making let lets say said says know think thought want wants need needs next last time
    week weeks day days today tomorrow now soon later before after while during since until
    by re etc vs oh hmm um uh"""
)

# Verbs that carry little of a task's meaning: two tasks sharing only "send" are not alike.
GENERIC_VERBS = wordset(
    """send get do make take give put set ask see look try have use start bring come run find"""
)


_NUMBER_WORDS = {
    "one": "1",
    "two": "2",
    "three": "3",
    "four": "4",
    "five": "5",
    "six": "6",
    "seven": "7",
    "eight": "8",
    "nine": "9",
    "ten": "10",
    "eleven": "11",
    "twelve": "12",
    "twenty": "20",
}


def stem(word: str) -> str:
    """A deliberately small suffix stripper ("lessons" -> "lesson"); number words -> digits."""
    w = word.lstrip("#@")
    if w in _NUMBER_WORDS:
        return _NUMBER_WORDS[w]
    if w.endswith("'s"):
        w = w[:-2]
    if len(w) > 4 and w.endswith("ies"):
        return w[:-3] + "y"
    if len(w) > 5 and w.endswith("ing"):
        w = w[:-3]
        return w[:-1] if len(w) > 3 and w[-1] == w[-2] else w
    if len(w) > 4 and w.endswith("ed"):
        w = w[:-2]
        return w[:-1] if len(w) > 3 and w[-1] == w[-2] else w
    if len(w) > 4 and w.endswith(("ches", "shes", "sses", "xes")):
        return w[:-2]
    if len(w) > 3 and w.endswith("s") and not w.endswith(("ss", "us", "is")):
        return w[:-1]
    return w


def words(text: str) -> list[str]:
    """Folded word tokens."""
    return WORD_RE.findall(fold(text))


def content_stems(text: str) -> set[str]:
    """Stems of the meaningful words of a text (no stopwords, no one-letter words)."""
    out = set()
    for w in WORD_RE.findall(fold(text)):
        if w in STOPWORDS or (len(w) < 2 and not w.isdigit()):
            continue
        out.add(stem(w))
    return out


def overlap(a: set[str], b: set[str]) -> float:
    """Dice coefficient of two stem sets."""
    if not a or not b:
        return 0.0
    return 2 * len(a & b) / (len(a) + len(b))


def stems_match(a: str, b: str) -> bool:
    """Same stem, or one a prefix of the other ("intro"/"introduction", "print"/"printer")."""
    if a == b:
        return True
    short, long_ = (a, b) if len(a) <= len(b) else (b, a)
    return len(short) >= 4 and long_.startswith(short)


def containment(small: set[str], big: set[str]) -> float:
    """Share of ``small`` found in ``big``."""
    return len(small & big) / len(small) if small else 0.0


_ABBREVIATIONS = wordset(
    """e.g i.e vs dr mr mrs ms st etc approx fig p.m a.m jan feb mar apr jun jul aug sep sept
    oct nov dec mon tue tues wed thu thur thurs fri min mins ca cf incl dept est"""
)
_BOUNDARY = re.compile(r"(?<![.!?])[.!?]++[\"')\]]*+\s+")


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Character spans of the sentences of ``text`` (linear; abbreviations don't split)."""
    spans: list[tuple[int, int]] = []
    start = 0
    for match in _BOUNDARY.finditer(text):
        end = match.start()
        token_start = max(text.rfind(" ", start, end), text.rfind("(", start, end)) + 1
        token = text[token_start:end].lower().rstrip(".")
        if token in _ABBREVIATIONS or (len(token) == 1 and token.isalpha() and token != "i"):
            continue
        stop = match.end()
        if stop < len(text) and text[stop].islower() and match.group(0).rstrip()[-1] in "\"')]":
            continue  # "(thanks!) so I can …" goes on; a bare ". so" in messy notes splits
        stop = match.end()
        if text[start:stop].strip():
            spans.append((start, len(text[:stop].rstrip())))
        start = stop
    if text[start:].strip():
        spans.append((start, len(text.rstrip())))
    return [(s + len(text[s:e]) - len(text[s:e].lstrip()), e) for s, e in spans]


# Base forms of verbs that start tasks and advice; with their third-person forms they tell
# "Kwame sends the invite" and "Ask for something specific" from status lines and nouns.
BASE_VERBS = wordset(
    """accept add address adjust agree aim align analyse analyze announce answer apply approve
    archive arrange ask assign attend audit automate back book brainstorm bring build buy
    calculate call cancel capture change chase check circle circulate claim clarify clean
    clear close coach collect come comment compare compile complete confirm connect contact
    continue convert coordinate copy correct create cut dig decide define delegate deliver
    demo deploy describe design dig discuss document download draft draw edit email enroll
    escalate estimate evaluate explain explore export file fill film finalise finalize find
    finish fix flag focus follow forward gather give go grab help highlight hold host
    identify implement include install introduce invite join keep label lead learn let list
    load log look mail make map mark measure meet mention merge message migrate mock move
    note notify open order organise organize outline pair pass ping pick plan polish post
    practice practise prep prepare present print prioritise prioritize process produce
    proofread propose prototype provide publish pull push put raise read reach rebuild recap
    record redo reduce refactor register rehearse reply report request research reschedule
    reserve resend respond restructure review revise revisit rewrite rework re-film refilm
    rerun run save schedule score search see select send set share shadow show sign sit
    sketch skim sort speak split start stop study submit suggest summarise summarize support
    swap switch sync take talk teach tell test text think tidy time track train translate
    try turn type update upload use verify visit volunteer walk watch work write do get have
    leave pay extend expand investigate interview handle hire install configure upgrade
    reconcile pitch negotiate buy refresh rename replace restore retry return reuse rotate
    scan scope shortlist simplify standardise standardize streamline tag tweak unblock
    wire draft-up nudge remind brief debrief onboard mentor coach pilot trial launch ship
    release deprecate migrate enable disable invite"""
)
_IRREGULAR_3RD = {"has": "have", "does": "do", "goes": "go", "is": "be"}


def base_verb(word: str) -> str | None:
    """The base form if ``word`` is a known verb in base or third-person form, else None."""
    w = word.lower()
    if w in BASE_VERBS:
        return w
    if w in _IRREGULAR_3RD:
        return _IRREGULAR_3RD[w]
    if w.endswith("ies") and w[:-3] + "y" in BASE_VERBS:
        return w[:-3] + "y"
    if w.endswith("es") and w[:-2] in BASE_VERBS:
        return w[:-2]
    if w.endswith("s") and w[:-1] in BASE_VERBS:
        return w[:-1]
    return None


def ing_base(word: str) -> str | None:
    """The base form of a known verb's -ing form ("sending" -> "send", "giving" -> "give",
    "setting" -> "set"), else None."""
    w = word.lower()
    if len(w) < 5 or not w.endswith("ing"):
        return None
    root = w[:-3]
    for guess in (root, root + "e", root[:-1] if root[-1:] == root[-2:-1] else ""):
        if guess in BASE_VERBS:
            return guess
    return None


def is_base_verb(word: str) -> bool:
    """True for a verb in its base (imperative) form."""
    return word.lower() in BASE_VERBS


def clip_words(text: str, limit: int) -> str:
    """At most ``limit`` words, with an ellipsis when cut."""
    parts = text.split()
    if len(parts) <= limit:
        return text.strip()
    return " ".join(parts[:limit]).rstrip(",;:-") + "…"


def tidy(text: str) -> str:
    """Collapse whitespace and strip dangling punctuation and connectives from a fragment."""
    out = " ".join(text.split())
    out = re.sub(r"^(?:[-*•,;:]\s*)+", "", out)
    out = re.sub(r"(?<!\s)\s++([,.;:!?])", r"\1", out)
    out = re.sub(r"\(\s*\)|\[\s*\]", "", out)
    return _drop_dangling(out).strip(" .,;:")


# A connective or a preposition whose date was cut ("book the room for"), at the very end.
_DANGLING_WORD = re.compile(
    r"\s(?:and|or|but|then|so|with|while|for|by|before|until|till|due)$", re.IGNORECASE
)


def _drop_dangling(text: str) -> str:
    """``text`` without trailing spaces, ",;:(-" and dangling connectives, right to left.

    (One pass from the end: a regex that repeats a repeated class backtracks exponentially
    on a long run of dashes that does not reach the end.)"""
    end = len(text)
    while end:
        if text[end - 1].isspace() or text[end - 1] in ",;:(-":
            end -= 1
            continue
        word = _DANGLING_WORD.search(text, max(0, end - 8), end)
        if word is None:
            break
        end = word.start()
    return text[:end]
