"""Lessons that written notes state with a verb: who taught whom, and what.

"Amara walked me through …", "I showed Kenji how …", "Dmitri showed Ananya and Mateo …",
"Lena's segment: …", "Kwame's tip: …", "Her point was that …", "I told him what I wish
someone had told me: …", "learned u can use X instead of Y (from mateo)", "we spent half an
hour on shortcuts", "he wanted to get accrual vs cash, drew it on the whiteboard". Each
sentence is cut into clauses ("Leo walked Amara through X, and Amara explained Y") and each
clause gives at most one lesson. A cue without a subject ("showed her how …", "… ->
explained: WHERE filters rows") is the note-taker's.
"""

from __future__ import annotations

import itertools
import re

from assistant.summary.cuewords import ANY_CUE, GROUP_OBJ, patterns
from assistant.summary.lessons import PLANNING, imperative, lower_first, shorten
from assistant.summary.parse import Notes, Unit
from assistant.summary.people import People
from assistant.summary.teaching import EXPLANATION_WORDS, Entry, lesson_sentence
from assistant.summary.text import STOPWORDS, content_stems, fold, tidy, wordset

_VAGUE = wordset("something thing few lot new useful cool neat trick back favour favor return")
# Going over last time's homework or one's own work is a review, not a lesson.
REVIEW = re.compile(
    r"^\W*(?:her|his|my|your|their|our)\b|\b(?:(?:i|you|he|she|we)\s+(?:sent|wrote|made|did)|"
    r"last\s+(?:week|time)|homework)\b"
)
# Reported speech that gives advice: "he says you have to make your own deadlines".
_ADVISES = re.compile(
    r"^\W*(?:you\s+(?:should|need|have\s+to|must|always|never|can|want)|never|always|don'?t|"
    r"the\s+(?:trick|key|thing|rule)\b)"
)
# Cues that report what someone said or did not know: they need a lesson with substance.
_REPORTED = frozenset({"rule", "says", "how", "told", "uptake"})
# "I didn't know she was leaving" is news about someone, not something learned.
_NEWS = re.compile(r"^\W*(?:that\s+)?(?:he|she|they|i|we|you)(?:'d|\s+(?:was|were|had|would|is))\b")
_DID_THAT = re.compile(r"\b(?:do|did|does|doing)\s+(?:that|this|it)\b|^\W*(?:that|this|it)\W*$")
# Whose turn a bullet is: "her turn: explained how …", "Kwame's turn to teach: …".
_TURN = re.compile(
    r"^\W*+(?P<w>his|her|[\w-]+?)(?:'s)?\s+turn(?:\s+to\s+(?:teach|explain|show))?\s*:"
)
# Sentences that go on with the lesson a short cue only names ("I told him how I deal with
# vendors. You always ask for the second price.").
_GOES_ON = re.compile(
    r"^\W*(?:you|he|she|they|it|the|always|never|don'?t|so|then|if|every|only|first)\b"
)


_Patterns = tuple[list[tuple[str, re.Pattern[str]]], re.Pattern[str]]
_CACHE: dict[str, _Patterns] = {}


def _compiled(names: str) -> _Patterns:
    """The cue patterns and the clause splitter for one set of member names, compiled once."""
    found = _CACHE.get(names)
    if found is None:
        if len(_CACHE) > 64:  # many relationships in one process: keep memory bounded
            _CACHE.clear()
        splitter = re.compile(
            r"(?:,\s*+|(?<!\s)\s++)(?:and|but|while|then|and\s+then)\s+(?=(?:"
            + names
            + r"|i|he|she|we|they)\s+[a-z]+(?:ed|ght|ok|ew|ave)\b)|;\s+"
        )
        found = _CACHE[names] = (patterns(names), splitter)
    return found


def from_cues(notes: Notes, people: People, unit: Unit) -> list[Entry]:
    """The lessons one unit states with a cue, one per clause at most."""
    patterns, splitter = _compiled(people.alternation or r"(?!x)x")
    me = unit.speaker if notes.transcript else notes.author
    out: list[Entry] = []
    if unit.label and unit.label != "*group" and unit.sentences and unit.section != "action":
        # "Lena: how to read an axe-core report" — a member's segment on a topic.
        first = unit.sentences[0]
        if re.match(r"^\W*(?:how|why|what|when|where)\b", fold(first.text)) and not (
            first.private or first.injected or first.text.rstrip().endswith("?")
        ):
            learner = people.other(unit.label) if people.is_pair else None
            what = shorten(tidy(first.text))
            return [Entry(learner, unit.label, what, first.index, "label", unit.index)]
    usable = [s for s in unit.sentences if not (s.private or s.injected)]
    for n, sentence in enumerate(usable):
        # "Leo walked Amara through X, and Amara explained Y": one lesson per clause.
        folded_sentence = fold(sentence.text)
        cuts = [0] + [m.end() for m in splitter.finditer(folded_sentence)] + [len(sentence.text)]
        following = usable[n + 1].text if n + 1 < len(usable) else ""
        for a, b in itertools.pairwise(cuts):
            clause = sentence.text[a:b]
            before = " ".join(x.text for x in usable[:n]) + " " + sentence.text[:a]
            context = _Context(notes, people, unit, me, sentence.index, before)
            entries = _clause_cues(context, patterns, clause, following)
            out.extend(entries)
    return out


class _Context:
    """Where a clause sits: the notes, the unit, the writer and the text before it."""

    def __init__(
        self, notes: Notes, people: People, unit: Unit, me: str | None, order: int, prefix: str
    ) -> None:
        self.notes, self.people, self.unit, self.me = notes, people, unit, me
        self.order, self.prefix = order, prefix


def _clause_cues(
    ctx: _Context, patterns: list[tuple[str, re.Pattern[str]]], clause: str, following: str
) -> list[Entry]:
    folded = fold(clause)
    if not ANY_CUE.search(folded):
        return []
    for kind, pattern in patterns:
        m = pattern.search(folded)
        if not m:
            continue
        if kind == "show" and m["t"] == "we":
            continue
        teacher = _teacher(ctx, clause, m, kind)
        if teacher is None:
            continue
        learners = _learners(ctx, clause, m, teacher, kind)
        what = _what(clause, m, kind)
        if kind == "explain" and not m["t"] and REVIEW.search(fold(what)):
            continue  # "Went through the 3 example prompts I sent last week"
        unquoted = re.sub(r'"[^"]*"', "", fold(what))
        if kind == "told" and (PLANNING.search(unquoted) or re.search(r"\bi'?d\b", unquoted)):
            continue  # "I told him that I'd send the file": a plan, not a lesson
        if kind == "says" and not _ADVISES.match(unquoted) and not imperative(unquoted):
            continue  # "she said it went fine" reports; "he says email them first" advises
        if kind in _REPORTED and len(content_stems(what)) < 2:
            continue  # "His answer: no", "Told him it's fine": nothing to learn there
        if kind == "uptake" and (
            ctx.notes.transcript or _DID_THAT.search(unquoted) or _NEWS.match(unquoted)
        ):
            continue  # "He didn't know Excel could do that" (named elsewhere), "… she'd left"
        if kind == "reference":
            what = _teacher_turn_what(ctx.notes, ctx.unit, teacher) or what
        elif following and len(what.split()) < 8 and _GOES_ON.match(fold(following)):
            # "I told him how I deal with parts vendors. You always ask for the second price."
            what = shorten(f"{what}: {lower_first(tidy(following))}")
        if not what:
            continue
        if kind == "said" and re.search(
            r"\balso\s+(?:said|suggested|recommended|advised|told)", folded
        ):
            kind = "also"
        return [
            Entry(learner, teacher, what, ctx.order, kind, ctx.unit.index)
            for learner in learners
            if learner != teacher
        ]
    return []


def _teacher(ctx: _Context, clause: str, m: re.Match[str], kind: str) -> str | None:
    if kind == "uptake":
        # "I had no idea …": in a pair the other member taught it; in a group, nobody says.
        learner = _who(ctx, clause, m, "l") if m["l"] else ctx.me
        return ctx.people.other(learner) if learner else None
    if kind in ("wanted", "stuck"):
        # "he wanted to get accrual vs cash, drew it …": the other member, or the writer.
        learner = _who(ctx, clause, m, "l")
        return ctx.people.other(learner) if ctx.people.is_pair else ctx.me
    if kind == "mine":
        return ctx.me
    if "t" in m.groupdict() and m["t"]:
        return _who(ctx, clause, m, "t")
    if kind in ("show", "explain", "gave", "told"):
        # "Tunde drew a design on a napkin and explained that …": the clause's subject.
        names = ctx.people.alternation or r"(?!x)x"
        lead = re.match(rf"^\W*(?P<s>i|he|she|{names})\s+[a-z]", fold(clause))
        if lead and re.match(r"\W*and\b", m.group(0)):
            return _who(ctx, clause, lead, "s")
        # A bullet starting "Showed her how …" is the writer's, unless it opens with whose
        # turn it is ("her turn: explained how they decide numbers per shift").
        turn = _TURN.match(fold(ctx.unit.text))
        return (_who(ctx, ctx.unit.text, turn, "w") if turn else None) or ctx.me
    return None


def _who(ctx: _Context, raw: str, m: re.Match[str], group: str) -> str | None:
    word = m[group]
    if word is None:
        return None
    if word == "i":
        return ctx.me
    if word in ("he", "she", "him", "her", "his"):
        return _third_person(ctx, ctx.prefix + raw[: m.start(group)])
    if word in ("we", "they", "their"):
        return None
    return ctx.people.name_at(raw, m.start(group), m.end(group))


def _third_person(ctx: _Context, before: str) -> str | None:
    """ "he"/"she": the other member of a pair, else the last member named before."""
    people, me = ctx.people, ctx.me
    if people.is_pair and me:
        return people.other(me)
    named = [pid for _, _, pid in people.find(before) if pid != me]
    if not named and ctx.unit.label in people.members and ctx.unit.label != me:
        named = [ctx.unit.label]  # "noor: reading papers is slow. gave her …"
    if not named and ctx.unit.index > 0:
        prev = ctx.notes.units[ctx.unit.index - 1]
        named = [pid for _, _, pid in people.find(prev.text) if pid != me]
    return named[-1] if named else None


def _learners(
    ctx: _Context, raw: str, m: re.Match[str], teacher: str, kind: str
) -> list[str | None]:
    """Who learned: named after the cue, "me", "everyone" (None), the member a bullet is
    about ("carlos: … explained poster = …"), or by default the other member of a pair
    (None in a group)."""
    people, me = ctx.people, ctx.me
    label = ctx.unit.label if ctx.unit.label in people.members else None
    default: list[str | None] = (
        [people.other(teacher)] if people.is_pair else [label if label != teacher else None]
    )
    if kind in ("learned", "wanted", "stuck", "uptake"):
        who = _who(ctx, raw, m, "l") if m["l"] else me
        return [who] if who else default
    if kind == "reference":
        return [me] if me else default
    if kind in ("explain", "label", "share", "said", "on", "colon", "mine"):
        # "… went over X with Freya", "explained Y to me"
        tail = fold(m["rest"] or "")
        to = re.search(r"\b(?:to|with|for)\s+(me|" + people.alternation + r")\b", tail)
        if not to:
            return default
        if to.group(1) == "me":
            return [me] if me and me != teacher else default
        start = m.start("rest") + to.start(1)
        pid = people.name_at(raw, start, start + len(to.group(1)))
        return [pid] if pid else default
    spec = m.groupdict().get("l")
    if not spec or spec in ("him", "her"):
        return default
    if GROUP_OBJ.match(spec):
        return default if people.is_pair else [None]
    if spec == "me":
        return [me] if me else default
    found = [pid for s, _, pid in people.find(raw) if m.start("l") <= s < m.end("l")]
    return list(dict.fromkeys(found)) or default


def _what(raw: str, m: re.Match[str], kind: str) -> str:
    """The lesson itself: what follows the cue, trimmed to its first clause."""
    start = m.start("rest") if m["rest"] else 0
    text = raw[start : m.end("rest")] if kind in ("wanted", "stuck") else raw[start:]
    if kind == "learned":
        # "picked up a trick from her: she cleans the site codes in Excel first"
        after = raw[m.start("after") :].strip()
        if after.startswith(":") or len(tidy(text).split()) < 3:
            text = after.lstrip(":) ")
        else:
            text = raw[start : m.end("rest")]
    if kind == "told":
        colon = text.find(":")
        if 0 < colon < 80:
            text = text[colon + 1 :]  # "what I wish someone had told me: plan for …"
    if kind in ("told", "said", "rule", "says", "uptake"):
        text = re.sub(r"^\s*that\s+", "", text, flags=re.I)
    if kind == "share":
        # "the most useful tip of the day: the first sentence has to be the problem"
        colon = text.find(":")
        if 0 <= colon < 40 and len(text[:colon].split()) <= 5:
            text = text[colon + 1 :]
    text = re.sub(
        r"^[^\w\"]*(?:through|thru|over|about|on|of|how\s+to\b)?",
        lambda x: x.group(0) if "how" in x.group(0) else "",
        text,
    )
    text = re.split(r"(?<=[.!?])\s", text, maxsplit=1)[0]
    text = re.split(
        r"(?<!\s)\s++(?:so\s+(?:she|he|they|i|we)\s+can|while\s+i|which\s+got|and\s+(?:said|told|"
        r"showed)\b)|,\s++(?:which|since|because|as)\b",
        text,
        flags=re.I,
    )[0]
    # "explained to Pablo that the strings live in …", "walked me thru it: HAVING = …"
    text = re.sub(r"^\s*(?:to\s+\S+\s+that|(?:it|this|that|them)\s*:)\s*", "", text, flags=re.I)
    text = tidy(text)
    if set(re.findall(r"[a-z']+", fold(text))) <= _VAGUE | STOPWORDS:
        return ""  # "Then he taught me something": the next sentence says what
    if len(text.split()) < 2:
        text = tidy(raw)
    return shorten(text)


def _teacher_turn_what(notes: Notes, unit: Unit, teacher: str) -> str | None:
    if not notes.transcript:
        return None
    for j in range(unit.index - 1, max(-1, unit.index - 12), -1):
        turn = notes.units[j]
        if turn.speaker == teacher and turn.words >= EXPLANATION_WORDS and not turn.private:
            return lesson_sentence(turn, set())
    return None
