"""Who learned what from whom.

Written notes say it with verbs ("Amara walked me through …", "I showed Kenji how …",
"Dmitri showed Ananya and Mateo …", "Lena's segment: …", "Kwame's tip: …") or with advice
lines in the adviser's voice. In a transcript, teaching shows in the exchange: a long
explanation by one person followed by the other's uptake ("Oh, I had no idea", "So it's the
data, not SQL", "Makes sense"), an answer to their question, or a topic that matches the
teacher's skills and the learner's goals. Learners and teachers are always members.
"""

from __future__ import annotations

import itertools
import re

from assistant.models import Learned
from assistant.summary.parse import Notes, Unit
from assistant.summary.people import People
from assistant.summary.teaching import (
    EXPLANATION_WORDS,
    GOAL_FILLER,
    Entry,
    from_turns,
    lesson_sentence,
)
from assistant.summary.text import (
    BASE_VERBS,
    STOPWORDS,
    clip_words,
    content_stems,
    fold,
    overlap,
    tidy,
)

_OBJ = (
    r"(?:me|him|her|them|us|everyone|everybody|the\s+(?:group|team|circle|others|rest\s+of\s+us)|"
    r"the\s+rest\s+of\s+the\s+(?:group|team|circle)|all\s+of\s+us|{names})"
)
_SUBJ = r"(?:i|we|he|she|they|{names})"
_GROUP_OBJ = re.compile(r"^(?:us|everyone|everybody|the\s+|all\s+of\s+us|them)")
_LESSON_NOUNS = (
    r"(?:topic|segment|tip|tips|advice|rule|trick|point|suggestion|lesson|talk|session|"
    r"walkthrough|demo|recommendation|take|approach|method|framework|structure|template|"
    r"checklist|system|idea|rule\s+of\s+thumb)"
)


def extract_learned(
    notes: Notes, people: People, skip: set[int] | frozenset[int] = frozenset()
) -> list[Learned]:
    """Learned entries, in note order, deduplicated. ``skip`` are units that assign tasks:
    their advice-like wording ("ask Lena for a review") is not a lesson."""
    names = people.alternation or r"(?!x)x"
    entries: list[Entry] = []
    if notes.transcript:
        entries += from_turns(notes, people)
    for unit in notes.units:
        if unit.section in ("action", "attendance", "agenda") and not notes.transcript:
            continue
        entries += _from_cues(notes, people, unit, names)
    if not notes.transcript:
        entries += _from_written_extras(notes, people, entries, skip)
    entries.sort(key=lambda e: e.order)
    return _dedupe(entries)


# -- explicit cues ("showed", "walked me through", "Lena's segment:") ---------------------


def _patterns(names: str) -> list[tuple[str, re.Pattern[str]]]:
    obj = _OBJ.format(names=names)
    subj = _SUBJ.format(names=names)
    lists = rf"{obj}(?:(?:\s*,\s*|\s+and\s+|\s*[&+/]\s*){obj})*"
    return [
        (
            "show",
            re.compile(
                rf"(?:^|\b(?P<t>{subj})\s+)(?:also\s+|then\s+)?(?:showed|shows|show|taught|"
                rf"teaches|walked|walks|took|takes|talked)\s+(?P<l>{lists})\b(?P<rest>.*)"
            ),
        ),
        (
            "explain",
            re.compile(
                rf"(?:^|\b(?P<t>{subj})\s+)(?:also\s+|then\s+)?(?:explained|explains|demoed|"
                rf"demonstrated|went\s+(?:over|through)|ran\s+through|did\s+a\s+(?:live\s+|quick\s+)?"
                rf"(?:demo|run|walkthrough|run-through))\b(?P<rest>.*)"
            ),
        ),
        (
            "share",
            re.compile(
                rf"\b(?P<t>{subj})\s+(?:also\s+)?(?:shared|gave\s+(?:\w+\s+)?(?:a|an|some|her|his|"
                rf"their|my))\s+(?:\w+\s+)?(?P<noun>{_LESSON_NOUNS}|rundown|overview|primer|"
                rf"crash\s+course|intro)\b(?P<rest>.*)"
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
                rf"\b(?P<t>{subj})(?:'s|\s+also)?\s+(?:point\s+was|said\s+to|suggested|recommended|"
                rf"advised|told\s+(?:me|him|her|us)\s+to)\b(?P<rest>.*)"
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
            "learned",
            re.compile(
                rf"\b(?P<l>{subj})\s+(?:learned|learnt|picked\s+up)\b(?P<rest>.*?)\bfrom\s+"
                rf"(?P<t>{names})\b"
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


def _from_cues(notes: Notes, people: People, unit: Unit, names: str) -> list[Entry]:
    patterns, splitter = _compiled(names)
    me = unit.speaker if notes.transcript else notes.author
    out: list[Entry] = []
    if unit.label and unit.label != "*group" and unit.sentences and unit.section != "action":
        # "Lena: how to read an axe-core report" — a member's segment on a topic.
        first = unit.sentences[0]
        if re.match(r"^\W*(?:how|why|what|when|where)\b", fold(first.text)) and not (
            first.private or first.injected or first.text.rstrip().endswith("?")
        ):
            learner = people.other(unit.label) if people.is_pair else None
            what = clip_words(tidy(first.text), 22)
            return [Entry(learner, unit.label, what, first.index)]
    for sentence in unit.sentences:
        if sentence.private or sentence.injected:
            continue
        # "Leo walked Amara through X, and Amara explained Y": one lesson per clause.
        folded_sentence = fold(sentence.text)
        cuts = [0] + [m.end() for m in splitter.finditer(folded_sentence)] + [len(sentence.text)]
        for a, b in itertools.pairwise(cuts):
            clause = sentence.text[a:b]
            entries = _clause_cues(
                notes, people, unit, patterns, clause, me, sentence.index, sentence.text[:a]
            )
            out.extend(entries)
    return out


def _clause_cues(
    notes: Notes,
    people: People,
    unit: Unit,
    patterns: list[tuple[str, re.Pattern[str]]],
    clause: str,
    me: str | None,
    order: int,
    prefix: str,
) -> list[Entry]:
    folded = fold(clause)
    for kind, pattern in patterns:
        m = pattern.search(folded)
        if not m:
            continue
        if kind in ("show", "explain") and not m["t"] and m.start() > 2:
            continue
        if kind == "show" and m["t"] == "we":
            continue
        teacher = (
            _who(people, clause, m, "t", me, notes, unit, prefix) if "t" in m.groupdict() else None
        )
        if kind in ("show", "explain") and not m["t"]:
            teacher = me  # a bullet starting "Showed her how …" is the writer's
        if teacher is None:
            continue
        learners = _learners(people, clause, m, teacher, me, notes, kind)
        what = _what(clause, m)
        if kind == "reference":
            what = _teacher_turn_what(notes, unit, teacher) or what
        if not what:
            continue
        return [Entry(learner, teacher, what, order) for learner in learners if learner != teacher]
    return []


def _who(
    people: People,
    raw: str,
    m: re.Match[str],
    group: str,
    me: str | None,
    notes: Notes,
    unit: Unit,
    prefix: str = "",
) -> str | None:
    word = m[group]
    if word is None:
        return None
    if word == "i":
        return me
    if word in ("he", "she"):
        return _third_person(people, notes, unit, me, prefix + raw[: m.start(group)])
    if word in ("we", "they"):
        return None
    return people.name_at(raw, m.start(group), m.end(group))


def _third_person(
    people: People, notes: Notes, unit: Unit, me: str | None, before: str
) -> str | None:
    """ "he"/"she": the other member of a pair, else the last member named before."""
    if people.is_pair and me:
        return people.other(me)
    named = [pid for _, _, pid in people.find(before) if pid != me]
    if not named and unit.index > 0:
        prev = notes.units[unit.index - 1]
        named = [pid for _, _, pid in people.find(prev.text) if pid != me]
    return named[-1] if named else None


def _learners(
    people: People,
    raw: str,
    m: re.Match[str],
    teacher: str,
    me: str | None,
    notes: Notes,
    kind: str,
) -> list[str | None]:
    """Who learned: named after the cue, "me", "everyone" (None), or by default the other
    member of a pair (None in a group)."""
    default: list[str | None] = [people.other(teacher)] if people.is_pair else [None]
    if kind == "learned":
        who = _who(people, raw, m, "l", me, notes, notes.units[0])
        return [who] if who else default
    if kind == "reference":
        return [me] if me else default
    if kind in ("explain", "label", "share", "said", "on"):
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


def _what(raw: str, m: re.Match[str]) -> str:
    """The lesson itself: what follows the cue, trimmed to its first clause."""
    start = m.start("rest") if m["rest"] else 0
    text = raw[start:]
    text = re.sub(
        r"^\W*(?:through|over|about|on|how\s+to\b)?",
        lambda x: x.group(0) if "how" in x.group(0) else "",
        text,
    )
    text = re.split(r"(?<=[.!?])\s", text, maxsplit=1)[0]
    text = re.split(
        r"\s+(?:so\s+(?:she|he|they|i|we)\s+can|while\s+i|which\s+got|, which)\b", text
    )[0]
    text = tidy(text)
    if len(text.split()) < 2:
        text = tidy(raw)
    return clip_words(text, 22)


def _teacher_turn_what(notes: Notes, unit: Unit, teacher: str) -> str | None:
    if not notes.transcript:
        return None
    for j in range(unit.index - 1, max(-1, unit.index - 12), -1):
        turn = notes.units[j]
        if turn.speaker == teacher and turn.words >= EXPLANATION_WORDS and not turn.private:
            return lesson_sentence(turn, set())
    return None


# -- written extras: advice lines, "talked about how …", goals ----------------------------


def _from_written_extras(
    notes: Notes, people: People, found: list[Entry], skip: set[int] | frozenset[int]
) -> list[Entry]:
    out: list[Entry] = []
    if not people.is_pair:
        return out
    adviser = people.adviser()
    covered = {e.order for e in found}
    units_with_entries = {s.unit for u in notes.units for s in u.sentences if s.index in covered}
    for unit in notes.units:
        if unit.section in ("action", "attendance", "agenda", "review") or unit.private:
            continue
        if unit.index in units_with_entries or unit.label or unit.index in skip:
            continue
        for sentence in unit.sentences:
            if sentence.private or sentence.injected:
                continue
            folded = fold(sentence.text)
            wh = re.match(
                r"^\W*(?:we\s+)?(?:talked|chatted|discussed|spoke)\s+(?:a\s+bit\s+|briefly\s+|"
                r"a\s+lot\s+)?(?:about\s+)?(?:what|how|why|when|where|whether)\b",
                folded,
            )
            first = re.match(r"^\W*([a-z]+)", folded)
            advice = (
                unit.kind == "bullet"
                and first is not None
                and first.group(1) in BASE_VERBS
                and len(folded.split()) >= 4
                and not folded.rstrip().endswith("?")
            )
            if (wh or advice) and adviser:
                what = clip_words(
                    tidy(
                        re.sub(
                            r"^\W*(?:we\s+)?(?:talked|chatted|discussed|spoke)"
                            r"\s+(?:a\s+bit\s+|briefly\s+|a\s+lot\s+)?(?:about\s+)?",
                            "",
                            sentence.text,
                            flags=re.I,
                        )
                    ),
                    22,
                )
                out.append(Entry(people.other(adviser), adviser, what, sentence.index))
                units_with_entries.add(unit.index)
                break
        else:  # no advice line in this unit: does it touch a member's learning goal?
            entry = _goal_entry(notes, people, unit)
            if entry:
                out.append(entry)
    return out


def _goal_terms(goal: str) -> set[str]:
    """Distinctive words of a goal: names of tools and subjects ("Python", "R", "SQL")."""
    terms = set()
    for m in re.finditer(r"\b[A-Z][\w+#.-]*", goal):
        word = m.group(0).rstrip(".")
        if fold(word) not in STOPWORDS and fold(word) not in GOAL_FILLER:
            terms.add(word)
    return terms


def _goal_entry(notes: Notes, people: People, unit: Unit) -> Entry | None:
    """A pair's note about a topic one member wants to learn: they learned it from the other."""
    usable = [s for s in unit.sentences if not (s.private or s.injected)]
    if not usable:
        return None
    text = " ".join(s.text for s in usable)
    for pid in people.ids:
        other = people.other(pid)
        if other is None:
            continue
        for goal in people.members[pid].goals:
            for term in _goal_terms(goal):
                if re.search(r"(?<![\w-])" + re.escape(term) + r"(?![\w-])", text):
                    what = clip_words(tidy(usable[0].text), 22)
                    return Entry(pid, other, what, usable[0].index)
    return None


def _dedupe(entries: list[Entry]) -> list[Learned]:
    """Drop entries that repeat an earlier one (same people, much the same lesson)."""
    kept: dict[tuple[str | None, str], list[set[str]]] = {}
    out: list[Entry] = []
    for entry in entries:
        stems = content_stems(entry.what)
        previous = kept.setdefault((entry.learner, entry.teacher), [])
        # Only recent entries are compared, so long transcripts stay linear.
        if any(overlap(stems, k) >= 0.4 for k in previous[-30:]):
            continue
        previous.append(stems)
        out.append(entry)
    return [Learned(learner=e.learner, teacher=e.teacher, what=e.what) for e in out]
