"""What a lesson was, as the short phrase a coordinator would write.

An explanation states its lesson in one or two sentences among talk: the setup ("Right now
ours is a 1px outline"), anecdotes ("My first year I wrote lectures in order"), plans ("I'll
send you the template"). ``pick`` scores the sentences (echoed by the learner, instructive or
general, about the topic) and keeps the best; ``topic`` finds what the explanation is about
when someone names it ("you asked how we decide …", "I'd just explain slotting",
"Slotting.", "that's called prompt injection"); ``phrase`` joins the two and trims the spoken
lead-ins ("So, first thing,", "What you want is", "The trick is").
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable

from assistant.summary.text import (
    BASE_VERBS,
    STOPWORDS,
    clip_words,
    content_stems,
    fold,
    tidy,
    wordset,
)

LIMIT = 22  # words in a lesson phrase

TEACHY = re.compile(
    r"\b(?:the\s+trick|the\s+key|what\s+you\s+(?:do|want)|you\s+(?:need|want|should|can)|"
    r"first|always|never|means|because|instead|is\s+when|so\s+that|three\s+(?:things|parts)|"
    r"rule|basically|think\s+of\s+it|that'?s\s+how|which\s+is\s+why|called|the\s+point|"
    r"the\s+thing\s+(?:is|people)|if\s+you|every|only)\b"
)
# Stories about the teacher's past illustrate a lesson; they rarely state it.
_ANECDOTE = re.compile(
    r"^\W*(?:(?:and|but|so|honestly|look)[,]?\s+)?(?:when\s+i\b|my\s+first\s+\w+|back\s+(?:in|when)|"
    r"i\s+(?:had|was|did|spent|realised|realized|remember|started|wrote|used\s+to|thought|"
    r"made|tried|found|once|got|ended\s+up|learned|learnt)\b|we\s+(?:had|moved|did|lost|"
    r"shipped|picked)\b|that\s+was\s+me\b|it\s+took\s+me\b|took\s+me\b)"
)
# Plans and requests belong to action items, not to what was learned.
PLANNING = re.compile(
    r"\b(?:i'?ll|i\s+will|we'?ll|we\s+will|let's|lets\s+(?:do|meet|talk|try|book|plan|pick|"
    r"start|set|catch)|can\s+you|could\s+you|would\s+you|"
    r"homework|for\s+next\s+time|send\s+(?:me|you)|we\s+(?:agreed|decided)|"
    r"by\s+(?:monday|tuesday|wednesday|thursday|"
    r"friday|next|the\s+end)|tomorrow|tonight|next\s+(?:week|time|session))\b"
)
_SETUP = re.compile(
    r"^\W*(?:(?:so|ok(?:ay)?|right|yeah)[,.]?\s+)?(?:you'?ve\s+got|you\s+were\s+planning|"
    r"right\s+now|ours\s+is|it'?s\s+had|i\s+(?:think|guess|suspect)|thanks|thank\s+you)\b"
)
# Sentences that frame an explanation ("You asked last time how …", "My turn") name its
# topic but are not the lesson.
FRAMING = re.compile(
    r"\b(?:you\s+(?:asked|said|mentioned|wanted)|asked\s+me|my\s+turn|something\s+back|"
    r"can\s+i\s+(?:say|ask|show|tell)|let\s+me\s+(?:show|explain|tell|give)|i'?d\s+(?:just\s+)?"
    r"explain|i\s+want\s+to\s+talk|here'?s\s+how\s+i'?d|i\s+do\s+this\s+at\s+work)\b"
)
INTERJECTIONS = wordset(
    """yes yeah yep no nope right exactly ok okay sure fine fair maybe good great thanks
    true correct precisely well so oh huh ah sorry look nice cool perfect deal noted wait
    almost not quite hmm absolutely definitely totally again also first honestly agreed"""
)
# Words that evaluate rather than name ("that's a nice trick" names nothing).
EVALUATIVE = wordset(
    """nice good great cool clever useful helpful trick idea point question thing lot bit
    problem story fair way one something big huge real whole classic common key else
    boilerplate everything example part same lovely"""
)
_LEAD_IN = re.compile(
    r"^\W*(?:(?:one|two|three|four|five|six|\d)\s*[:)]\s*|"
    r"(?:(?:the\s+)?(?:first|second|third|other|last|next)\s+thing|another\s+thing|"
    r"one\s+more\s+thing|so|ok|okay|right|well|and|but|yes|yeah|exactly|basically|honestly|"
    r"also|then|now|look|first|second|third|finally|plus|oh|sure)\b[,.:!]?\s*)+",
    re.I,
)
_FRAME_HEAD = re.compile(
    r"(?:\b(?:thing|things|tip|trick|rule|point|lesson|advice|idea|words|line|takeaway|version|"
    r"me|us|works|is|was|are)|^\W*(?:so|and|also|then|ok(?:ay)?))\s*$|^\W*(?:and\s+)?(?:this|that)"
    r"(?:'s|\s+is)\s+(?:more\s+|the\s+)?\w+\s*$|\b(?:the|one|my)\s+(?:one\s+)?(?:rule|tip|trick|"
    r"lesson|thing|advice)\b(?!\s+(?:is|was|are)\b)"
)
_FRAME = re.compile(
    r"^(?:what\s+you\s+(?:want|do|need)\s+is|the\s+(?:trick|key|point|rule|thing)\s+is|"
    r"what\s+(?:helped|works|worked)\s+(?:for\s+)?(?:me\s+)?(?:was|is)|here'?s\s+the\s+thing|"
    r"the\s+thing\s+people\s+get\s+wrong|the\s+way\s+i\s+(?:do|see)\s+it\s+is|"
    r"think\s+of\s+it\s+as|what\s+i'?d\s+do\s+is|my\s+(?:usual\s+)?(?:line|rule|advice)\s+is|"
    r"what\s+i\s+learn(?:ed|t)(?:\s+the\s+hard\s+way)?\s+(?:is|was)|the\s+lesson\s+(?:is|was)|"
    r"(?:the\s+)?(?:other\s+)?things?\s+people\s+(?:don'?t\s+see|get\s+wrong|miss|forget)"
    r"(?:\s+is)?)"
    r"\s*(?:that\b)?[,:]?\s*",
    re.I,
)


def clean_lesson(text: str) -> str:
    """A lesson without its spoken lead-in: "One thing that helped me: keep a running doc"
    -> "keep a running doc"; "So, first thing, stop using VLOOKUP" -> "stop using VLOOKUP";
    "What you want is a Slurm array job" -> "a Slurm array job"."""
    out = tidy(text)
    for _ in range(2):
        out = _after_frame_colon(out)
        framed = _FRAME.sub("", out)
        if len(framed.split()) >= 2:
            out = framed
        out = _LEAD_IN.sub("", out)
    return tidy(out) or tidy(text)


def _after_frame_colon(out: str) -> str:
    """ "One thing that helped me: keep a running doc" -> "keep a running doc" (not "The
    trick is a two-tone ring: a dark inner outline …", whose head says something)."""
    colon = out.find(":")
    head = fold(out[:colon]) if colon > 0 else ""
    rest = out[colon + 1 :].strip()
    if (
        0 < colon <= 60
        and len(head.split()) <= 10
        and len(rest.split()) >= 3
        and not imperative(head)  # "Start with the weird thing: …" keeps its instruction
        and bool(_FRAME_HEAD.search(head))
        and not rest.startswith('"')
    ):
        return rest
    return out


_NOT_HABIT = wordset(
    """am was had have think thought guess know knew don't didn't can can't could would will
    need want wanted feel felt mean got made did went said told saw found came took gave just
    really never also still only should must may might love like hate wish hope started tried
    realised realized spent wrote used remember agree disagree promise"""
)


# "You let them tell you what went wrong", "Then you say it back": how it is done.
_GENERIC_YOU = re.compile(
    r"^\W*(?:(?:and|so|then|only\s+then|after\s+that)[,]?\s+)?you\s+(?!know\b|said\b|asked\b|"
    r"mentioned\b|were\b|'|had\b|guys\b|did\b|wrote\b|sent\b|told\b)[a-z]+"
)


def _habit(folded: str) -> bool:
    """ "I lower my voice when somebody gets loud": the teacher's own practice."""
    m = re.match(r"^\W*(?:(?:and|so|but)[,]?\s+)?i\s+(?:always\s+|usually\s+)?([a-z']+)\b", folded)
    return bool(
        m
        and m.group(1) not in _NOT_HABIT
        and not m.group(1).endswith(("ed", "'m", "'d", "'ve", "'ll"))
    )


# Words that cannot open an imperative: pronouns, determiners, auxiliaries, conjunctions,
# prepositions and the like ("Every SKU has a home", "Nobody stays for a job title").
_CLOSED = wordset(
    """i you he she it we they this that these those there here what which who how why when
    where the a an every each some any no all both my your our their his her its and but or
    so if because then also in on at for with from to by of after before within without is
    are was were do does did can will would should could have has had just really only even
    still never always usually maybe actually nobody everybody everyone someone one two three
    most more less much many not yes no ok okay right well oh let's let"""
)
_OBJECTS = wordset(
    """the a an your my it them this that these those him her me us up down out on off in
    over back each every some any one two three both all"""
)


def imperative(folded: str) -> bool:
    """ "Pair the plots by elevation", "Tap the post", "Don't analyse anything yet" (not
    "Close to one is dense vegetation")."""
    first = re.match(
        r"^\W*(?:(?:so|and|just|then|ok(?:ay)?)[,]?\s+)?(?:(?:don'?t|never|always)\s+)?([a-z]+)\b"
        r"([^,;:]*)",
        folded,
    )
    if not first or re.search(r"\b(?:is|are|was|were)\b", first.group(2)):
        return False
    verb, rest = first.group(1), first.group(2).split()
    if verb in BASE_VERBS:
        return True
    # An unknown word followed by an object: "Tap the post", "Drag the file onto …".
    return (
        verb not in _CLOSED
        and not verb.endswith(("s", "ed", "ing", "ly"))
        and bool(rest)
        and rest[0] in _OBJECTS
    )


_MARKED = re.compile(
    r"^\W*(?:(?:so|and|but|ok(?:ay)?|right)[,]?\s+)?(?:what\s+you\s+(?:want|do|need)\s+is|"
    r"the\s+(?:trick|key|rule|point)\s+is|the\s+thing\s+people\s+get\s+wrong|"
    r"what\s+(?:helped|works|worked)|think\s+of\s+it\s+as|my\s+(?:usual\s+)?(?:line|rule)|"
    r"the\s+one\s+rule|the\s+rule\s+is|"
    r"what\s+i\s+learn(?:ed|t)(?:\s+the\s+hard\s+way)?\s+(?:is|was)|the\s+lesson\s+(?:is|was)|"
    r"my\s+advice\s+(?:is|would\s+be))\b"
)
_GENERAL = re.compile(
    r"\b(?:most\s+people|nobody|everybody|everyone|anyone|people\s+(?:decide|watch|read|skip|"
    r"forget|want))\b"
)


def score(text: str, hints: set[str], topic: set[str], position: int, bonus: float = 0.0) -> float:
    """How well a sentence states the lesson: the learner's words, instruction, generality,
    and its place (an explanation usually opens with its point)."""
    base, stems = _merit(text)
    if base <= -9.0:
        return base
    value = base + 1.0 * min(len(stems & hints), 2) + 0.75 * min(len(stems & topic), 2) + bonus
    if len(stems) >= 2 and stems <= hints:
        value += 1.5  # "Facts, not adjectives." said back word for word is the lesson
    return value + ((1.0, 0.5, 0.25)[position] if position < 3 else 0.0)


@functools.lru_cache(maxsize=4096)
def _merit(text: str) -> tuple[float, frozenset[str]]:
    """What a sentence is worth as a lesson on its own, and its stems (a sentence is scored
    once per listener and position, so this part is computed once)."""
    folded = fold(text)
    words = text.split()
    stems = frozenset(content_stems(text))
    if len(words) < 3 or folded.rstrip().endswith("?") or FRAMING.search(folded):
        return -9.0, stems
    said = content_stems(clean_lesson(text))
    # "What you do is block." marks its point; "The trick is the key" marks nothing.
    marked = bool(_MARKED.search(folded)) and bool(said - EVALUATIVE)
    if len(said) < 2 and not marked:
        return -9.0, stems  # "Now, one more thing." says nothing yet
    value = 1.0 if TEACHY.search(folded) or _GENERAL.search(folded) else 0.0
    value += 1.0 if imperative(folded) else 0.0
    value += 2.5 if marked else 0.0
    value += min(len(stems), 12) / 12 - (1.0 if len(words) < 6 and not marked else 0.0)
    value -= 1.5 if _ANECDOTE.search(folded) else 0.0
    value += 0.75 if _habit(folded) or _GENERIC_YOU.match(folded) else 0.0
    value -= 2.0 if PLANNING.search(folded) else 0.0
    value -= 0.75 if _SETUP.search(folded) else 0.0
    value -= 1.0 if text.lstrip().startswith('"') else 0.0  # a quoted example illustrates
    return value, stems


def pick(
    sentences: list[str],
    hints: set[str],
    topic: set[str] | frozenset[str] = frozenset(),
    bonuses: list[float] | None = None,
    openings: set[int] | None = None,
    names: Callable[[str], str] = lambda _: "",
) -> str:
    """The sentence that best states the lesson (with the next one when it is short).
    ``bonuses`` add to single sentences (an answer to the learner's own question);
    ``openings`` are the sentences that open a turn, where ``names`` may find a topic's
    name ("Slotting."): the sentence after it is where the lesson starts."""
    best, best_score, best_k = "", -5.0, -1
    hints = hints - topic  # the topic's name is given anyway; look for what is said about it
    position, listed = 0, False
    for k, sentence in enumerate(sentences):
        extra = (bonuses[k] if bonuses else 0.0) + (1.5 if listed else 0.0)
        value = score(sentence, hints, set(topic), position, extra)
        listed = bool(COUNTED.match(fold(sentence)))  # "So three things." then the three
        opening = openings is None or k in openings
        if (opening and names(sentence)) or listed:
            position = 0  # the first real sentence after a "Slotting." is the topic sentence
        elif value > -9.0:
            position += 1
        if value > best_score:
            best, best_score, best_k = sentence, value, k
    if not best:
        return ""
    lesson = clean_lesson(best)
    if len(lesson.split()) < 8 and best_k + 1 < len(sentences):
        after = sentences[best_k + 1]  # "Stop using VLOOKUP." + "Use XLOOKUP."
        folded = fold(after)
        usable = len(after.split()) >= 2 and not after.rstrip().endswith("?")
        plain = not (_only_interjections(after) or PLANNING.search(folded))
        if usable and plain and not FRAMING.search(folded):
            lesson = _FRAME.sub("", lesson) or lesson  # "What you do is block; pair the …"
            return f"{lesson}; {lower_first(clean_lesson(after))}"
    return lesson


def lower_first(text: str) -> str:
    """ "Use XLOOKUP" -> "use XLOOKUP" inside a phrase (names and acronyms keep their case)."""
    first = text.split()[0] if text.split() else ""
    word = fold(first).strip(".,;:!?\"'")
    common = (word in _COMMON_FIRST or word in STOPWORDS) and not re.match(r"i\b", word)
    if first[:1].isupper() and not first[1:2].isupper() and common:
        return text[0].lower() + text[1:]
    return text


def shorten(text: str, limit: int = LIMIT) -> str:
    """At most ``limit`` words, cut at the last clause boundary that keeps most of it
    ("…, and the Arduino code maps everything in between" goes), else with an ellipsis."""
    words = text.split()
    if len(words) <= limit:
        return text.strip()
    kept = " ".join(words[:limit])
    cut = max(kept.rfind(", "), kept.rfind("; "), kept.rfind(" - "), kept.rfind(": "))
    if cut > 0 and len(kept[:cut].split()) >= limit * 2 // 3:
        return tidy(kept[:cut])
    return clip_words(text, limit)


COUNTED = re.compile(
    r"^\W*(?:(?:so|ok(?:ay)?|right)[,.]?\s+)?(?:it'?s\s+|there\s+are\s+)?(?:two|three|four|five|"
    r"\d)\s+(?:things|parts|steps|rules|questions|habits|points|ideas)\W*$"
)


def _only_interjections(text: str) -> bool:
    return all(w in INTERJECTIONS for w in re.findall(r"[a-z']+", fold(text)))


_COMMON_FIRST = BASE_VERBS | wordset("you the a an it if every each most when always never don't")


def phrase(name: str, lesson: str) -> str:
    """The lesson, prefixed by its topic when the sentence itself does not name it."""
    lesson = lower_first(tidy(lesson))
    if name:
        named = content_stems(name)
        if named and len(named & content_stems(lesson)) * 2 < len(named):
            name = clip_words(name, 10).rstrip("…")
            return shorten(f"{name}: {lesson}")
    return shorten(lesson)
