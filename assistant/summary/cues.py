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

from assistant.summary.lessons import PLANNING, lower_first, shorten
from assistant.summary.parse import Notes, Unit
from assistant.summary.people import People
from assistant.summary.teaching import EXPLANATION_WORDS, Entry, lesson_sentence
from assistant.summary.text import STOPWORDS, fold, tidy, wordset

_OBJ = (
    r"(?:me|him|her|them|us|everyone|everybody|the\s+(?:group|team|circle|others|rest\s+of\s+us)|"
    r"the\s+rest\s+of\s+the\s+(?:group|team|circle)|all\s+of\s+us|{names})"
)
_SUBJ = r"(?:i|we|he|she|they|{names})"
# "Destiny, who does this for a living on camera, gave the group …"
_ASIDE = r"(?:\s*,[^,;:]{{1,60}},)?"
_GROUP_OBJ = re.compile(r"^(?:us|everyone|everybody|the\s+|all\s+of\s+us|them)")
_LESSON_NOUNS = (
    r"(?:topic|segment|tip|tips|advice|rule|trick|point|suggestion|lesson|talk|session|"
    r"walkthrough|demo|recommendation|take|approach|method|framework|structure|template|"
    r"checklist|system|idea|rule\s+of\s+thumb)"
)
_VAGUE = wordset("something thing few lot new useful cool neat trick back favour favor return")
# Going over last time's homework or one's own work is a review, not a lesson.
REVIEW = re.compile(
    r"^\W*(?:her|his|my|your|their|our)\b|\b(?:(?:i|you|he|she|we)\s+(?:sent|wrote|made|did)|"
    r"last\s+(?:week|time)|homework)\b"
)
# Where a clause may start without a subject: its start, or after "->", ":" or ";".
_OPEN = r"(?:^\W*|(?:->|→|=>|[:;])\s*)"
# Sentences that go on with the lesson a short cue only names ("I told him how I deal with
# vendors. You always ask for the second price.").
_GOES_ON = re.compile(
    r"^\W*(?:you|he|she|they|it|the|always|never|don'?t|so|then|if|every|only|first)\b"
)


def _patterns(names: str) -> list[tuple[str, re.Pattern[str]]]:
    obj = _OBJ.format(names=names)
    subj = _SUBJ.format(names=names)
    lists = rf"{obj}(?:(?:\s*,\s*|\s+and\s+|\s*[&+/]\s*){obj})*"
    return [
        (
            "show",
            re.compile(
                rf"(?:{_OPEN}|\b(?P<t>{subj})\s+)(?:also\s+|then\s+)?(?:showed|shows|show|taught|"
                rf"teaches|walked|walks|took|takes|talked)\s+(?P<l>{lists})\b(?P<rest>.*)"
            ),
        ),
        (
            "explain",
            re.compile(
                rf"(?:{_OPEN}|\b(?P<t>{subj})\s+)(?:also\s+|then\s+)?(?:explained|explains|demoed|"
                rf"demonstrated|went\s+(?:over|through|thru)|ran\s+through|(?:walked|talked)\s+"
                rf"(?:thru|through)|did\s+an?\s+(?:[\w-]+\s+){{0,2}}?(?:demo|run|walkthrough|"
                rf"run-through))\b(?P<rest>.*)"
            ),
        ),
        (
            "share",
            re.compile(
                rf"\b(?P<t>{subj}){_ASIDE.format()}\s+(?:also\s+)?(?:shared|gave\s+(?:[\w-]+\s+){{0,3}}?(?:a|an|some|"
                rf"her|his|their|my|the|our))\s+(?:[\w-]+\s+){{0,3}}?(?P<noun>{_LESSON_NOUNS}|"
                rf"rundown|overview|primer|crash\s+course|intro)\b(?P<rest>.*)"
            ),
        ),
        (
            "share",  # "Tomás shared how he calms things down: …"
            re.compile(
                rf"\b(?P<t>{subj})\s+(?:also\s+)?shared\s+(?P<rest>(?:how|what|why|when)\b.*)"
            ),
        ),
        (
            "gave",  # "gave her the order abstract -> figures -> discussion"
            re.compile(
                rf"(?:{_OPEN}|\b(?P<t>{subj})\s+)(?:also\s+)?gave\s+(?P<l>{lists})\s+(?P<rest>(?:the|a|"
                rf"an|some|my)\s+(?:[\w-]+\s+){{0,2}}?(?:{_LESSON_NOUNS}|order|steps|sequence|formula|"
                rf"recipe|shortcut|shortcuts)\b.*)"
            ),
        ),
        (
            "colon",  # "I added the one thing I have learned from twenty years: one number …"
            re.compile(
                rf"\b(?P<t>{subj}){_ASIDE.format()}\s+(?:also\s+)?(?:added|offered|shared|gave|passed\s+on)\b[^:]"
                rf"{{0,80}}\b(?:thing|tip|lesson|rule|advice|trick)s?\b[^:]*:\s*(?P<rest>.+)"
            ),
        ),
        (
            "label",
            re.compile(
                rf"^\W*(?P<t>{names})'s\s+(?:\w+\s+)?{_LESSON_NOUNS}\s*[:\-]\s*(?P<rest>.+)"
            ),
        ),
        (
            "on",  # "Lena on review tone: prefix optional comments with nit"
            re.compile(rf"^\W*(?P<t>{names})\s+on\s+[^:]{{3,60}}:\s*(?P<rest>.+)"),
        ),
        (
            "said",
            re.compile(
                rf"\b(?P<t>{subj}|her|his|their)(?:'s|\s+also)?\s+(?:point\s+was|said\s+to|"
                rf"suggested|recommended|advised|told\s+(?:me|him|her|us)\s+to)\b(?P<rest>.*)"
            ),
        ),
        (
            "told",  # "I told him that …", "I told him what I wish someone had told me: …"
            re.compile(
                rf"\b(?P<t>{subj})\s+(?:also\s+)?told\s+(?P<l>{lists})\s+"
                rf"(?P<rest>(?:that|what|how|why)\b.*)"
            ),
        ),
        (
            "mine",  # "my usual line: don't change anything big in the first month"
            re.compile(
                r"(?P<t>\bmy)\s+(?:usual\s+|one\s+|golden\s+)?(?:line|rule|advice|tip|mantra)"
                r"(?:\s+is)?\s*[:\-]\s*(?P<rest>.+)"
            ),
        ),
        (
            "reference",
            re.compile(
                rf"\b(?:with|using|from|per|following)\s+(?P<t>{names})'s\s+(?:\w+\s+)?"
                rf"{_LESSON_NOUNS}\b(?P<rest>.*)"
            ),
        ),
        (
            "learned",  # "Leo learned X from Amara", "learned u can … (from mateo)"
            re.compile(
                rf"(?:{_OPEN}|\b(?P<l>{subj})\s+)(?:also\s+)?(?:learned|learnt|picked\s+up\s+(?:a|the|"
                rf"this|that|one)\s+(?:[\w-]+\s+)?(?:trick|tip|idea|habit))\b(?P<rest>.*?)\(?"
                rf"\bfrom\s+(?P<t>{names}|him|her)\b\)?(?P<after>.*)"
            ),
        ),
        (
            "wanted",  # "he wanted to get accrual vs cash, drew it on the whiteboard"
            re.compile(
                rf"\b(?P<l>he|she|{names})\s+wanted\s+to\s+(?:get|understand|learn|know|see)\s+"
                rf"(?P<rest>[^,;.]+)[,;]\s*(?:so\s+)?(?:i\s+)?(?:drew|explained|showed|walked|"
                rf"went\s+(?:through|over)|talked\s+(?:through|thru))\b"
            ),
        ),
        (
            "stuck",  # "She got stuck on the pipe, we went through it slowly"
            re.compile(
                rf"\b(?P<l>he|she|{names})\s+(?:got|was|were)\s+stuck\s+on\s+(?P<rest>[^,;.]+)[,;]"
                rf"\s*(?:so\s+)?(?:we|i)\s+(?:went\s+(?:through|over)|worked\s+through|explained|"
                rf"walked)\b"
            ),
        ),
    ]


_Patterns = tuple[list[tuple[str, re.Pattern[str]]], re.Pattern[str]]
_CACHE: dict[str, _Patterns] = {}


def _compiled(names: str) -> _Patterns:
    """The cue patterns and the clause splitter for one set of member names, compiled once."""
    found = _CACHE.get(names)
    if found is None:
        if len(_CACHE) > 64:  # many relationships in one process: keep memory bounded
            _CACHE.clear()
        splitter = re.compile(
            r"(?:,\s*|\s+)(?:and|but|while|then|and\s+then)\s+(?=(?:"
            + names
            + r"|i|he|she|we|they)\s+[a-z]+(?:ed|ght|ok|ew|ave)\b)|;\s+"
        )
        found = _CACHE[names] = (_patterns(names), splitter)
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


# Every cue has one of these words; a clause without any is skipped without trying each.
_ANY_CUE = re.compile(
    r"\b(?:show|taught|teach|walk|took|take|talk|explain|demo|went|ran|did|shared|gave|added|"
    r"offered|passed|point|said|suggest|recommend|advis|told|my|learn|picked|wanted|stuck)|"
    r"'s\b|\son\s"
)


def _clause_cues(
    ctx: _Context, patterns: list[tuple[str, re.Pattern[str]]], clause: str, following: str
) -> list[Entry]:
    folded = fold(clause)
    if not _ANY_CUE.search(folded):
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
    if kind in ("wanted", "stuck"):
        # "he wanted to get accrual vs cash, drew it …": the other member, or the writer.
        learner = _who(ctx, clause, m, "l")
        return ctx.people.other(learner) if ctx.people.is_pair else ctx.me
    if kind == "mine":
        return ctx.me
    if "t" in m.groupdict() and m["t"]:
        return _who(ctx, clause, m, "t")
    if kind in ("show", "explain", "gave"):
        return ctx.me  # a bullet starting "Showed her how …" is the writer's
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
    if kind in ("learned", "wanted", "stuck"):
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
    if _GROUP_OBJ.match(spec):
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
    if kind in ("told", "said"):
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
        r"\s+(?:so\s+(?:she|he|they|i|we)\s+can|while\s+i|which\s+got|and\s+(?:said|told|"
        r"showed)\b)|,\s+(?:which|since|because|as)\b",
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
