"""Who learned what from whom.

Written notes say it with verbs (``cues``: "Amara walked me through …", "Kwame's tip: …"),
with advice lines in the adviser's voice ("Ask right after the thing happens"), with topic
lines ("Pricing basics: cost-plus vs value-based …", "how to read a paper: abstract ->
figs"), with what a pair did together ("we spent half an hour on shortcuts: …"), or with a
question and the member who answered it ("yusuf asked how to run a team mtg. kwame: stand
up, 3 items max"). In a transcript, teaching shows in the exchange (``teaching``). Learners
and teachers are always members.
"""

from __future__ import annotations

import re

from assistant.models import Learned
from assistant.summary.cues import REVIEW, from_cues
from assistant.summary.lessons import PLANNING, shorten
from assistant.summary.parse import Notes, Sentence, Unit
from assistant.summary.people import People
from assistant.summary.teaching import GOAL_FILLER, Entry, from_turns
from assistant.summary.text import (
    BASE_VERBS,
    STOPWORDS,
    content_stems,
    fold,
    overlap,
    tidy,
    wordset,
)

# "we spent half an hour on shortcuts", "we looked at how plurals work", "we fixed it by …"
_JOINT = re.compile(
    r"\bwe\s+(?:also\s+|then\s+)?(?:went\s+(?:through|over)|looked\s+at|covered|worked\s+through|"
    r"practi[sc]ed|spent\s+[^,.;:]{0,30}?\bon|(?:fixed|solved|sorted)\s+(?:it|this|that)\s+by)"
    r"\s+(?P<rest>.+)"
)
# What every session goes through: not a lesson.
_ROUTINE = re.compile(
    r"^\W*(?:the\s+)?(?:agenda|action\s+items?|calendar|schedule|logistics|next\s+steps|notes|"
    r"updates?|status|intros?|introductions|check-?in|round)\b"
)
_TOPIC_LINE = re.compile(r"^\W*+(?P<topic>[^:>]{2,50}?)\s*+(?::|->)\s*+(?P<rest>\S.{8,})$")
_TOPIC_WORDS = re.compile(
    r"^\W*(?:how\s+to|how\s+\w+(?:\s+\w+)?\s+works?|why)\b|\b(?:basics|101|primer|fundamentals|"
    r"crash\s+course|intro\s+to|tips)\b|\b(?<!check-in\s)(?<!mentoring\s)(?<!pairing\s)"
    r"(?<!coaching\s)(?<!planning\s)session(?:\s+\d+)?\W*$"
)
_TALKED = re.compile(
    r"^\W*(?:we\s+)?(?:talked|chatted|discussed|spoke)\s+(?:a\s+bit\s+|briefly\s+|a\s+lot\s+)?"
    r"(?:about\s+)?"
)
# A goal only counts where the notes show something being learned there.
_ACTIVITY = re.compile(
    r"\b(?:session|lesson|tutorial|basics|crash\s+course|intro\s+to|we\s+(?:did|covered|"
    r"practi[sc]ed|looked\s+at|went\s+(?:through|over)|worked\s+through))\b"
)


def extract_learned(
    notes: Notes, people: People, skip: set[int] | frozenset[int] = frozenset()
) -> list[Learned]:
    """Learned entries, in note order, deduplicated. ``skip`` are units that assign tasks:
    their advice-like wording ("ask Lena for a review") is not a lesson."""
    entries: list[Entry] = []
    if notes.transcript:
        entries += from_turns(notes, people)
    for unit in notes.units:
        if unit.section in ("action", "attendance", "agenda") and not notes.transcript:
            continue
        entries += from_cues(notes, people, unit)
    if not notes.transcript:
        entries += _from_written_extras(notes, people, entries, skip)
        entries = _fold_followups(entries)
    entries.sort(key=lambda e: e.order)
    return _dedupe(entries)


# -- written extras: advice lines, topic lines, joint work, goals -------------------------


def _from_written_extras(
    notes: Notes, people: People, found: list[Entry], skip: set[int] | frozenset[int]
) -> list[Entry]:
    out: list[Entry] = []
    adviser = people.adviser() if people.is_pair else notes.author
    units_with_entries = {e.unit for e in found}
    for unit in notes.units:
        if unit.section in ("action", "attendance", "agenda", "review") or unit.private:
            continue
        if unit.index in skip:
            continue
        usable = [s for s in unit.sentences if not (s.private or s.injected)]
        if not usable:
            continue
        answered = _answered(people, unit, usable)
        if answered:
            out.append(answered)
            continue
        # "We spent most of the hour on what happened in the room. I told him …": a joint
        # line before the unit's first lesson frames it; after one, it adds another.
        taken = [e.order for e in found if e.unit == unit.index]
        later = [s for s in usable if not taken or s.index > min(taken)]
        entry = _joint(people, adviser, unit, [s for s in later if s.index not in taken])
        if entry:
            out.append(entry)
            units_with_entries.add(unit.index)
            continue
        if adviser and unit.index not in units_with_entries:
            if not unit.label:
                entry = _topic_line(people, adviser, unit, usable)
            if not entry and not unit.label and people.is_pair:
                entry = _advice(people, adviser, unit, usable)
            if entry:
                out.append(entry)
                units_with_entries.add(unit.index)
                continue
        if unit.index not in units_with_entries and not unit.label:
            entry = _goal_entry(people, unit, usable)
            if entry:
                out.append(entry)
    return out


def _learner_of(people: People, teacher: str) -> str | None:
    return people.other(teacher) if people.is_pair else None


def _joint(people: People, adviser: str | None, unit: Unit, usable: list[Sentence]) -> Entry | None:
    """ "we spent half an hour on shortcuts: …": in a pair, the adviser's lesson."""
    if not people.is_pair or not adviser:
        return None
    for sentence in usable:
        m = _JOINT.search(fold(sentence.text))
        if not m or REVIEW.search(m["rest"]) or _ROUTINE.search(m["rest"]):
            continue
        if len(content_stems(m["rest"])) < 2:
            continue  # "we went through it": the lesson is named elsewhere
        what = shorten(tidy(sentence.text[m.start("rest") :]))
        return Entry(
            _learner_of(people, adviser), adviser, what, sentence.index, "joint", unit.index
        )
    return None


def _topic_line(people: People, adviser: str, unit: Unit, usable: list[Sentence]) -> Entry | None:
    """ "Pricing basics: cost-plus vs value-based, …", "how to read a paper: abstract ->
    figs -> discussion": a lesson line of the adviser (the writer, in a group)."""
    first = usable[0]
    m = _TOPIC_LINE.match(first.text)
    if not m or not _TOPIC_WORDS.search(fold(m["topic"])):
        return None
    what = shorten(tidy(f"{m['topic']}: {m['rest']}"))
    return Entry(_learner_of(people, adviser), adviser, what, first.index, "topic", unit.index)


# Verbs whose past tense looks like their base form: "set up python on her laptop" is a
# report, not advice.
_SAME_PAST = wordset("set put cut read let hit quit shut spread cost")


def _advice(people: People, adviser: str, unit: Unit, usable: list[Sentence]) -> Entry | None:
    """An advice bullet in the adviser's voice ("Ask right after the thing happens", "Too
    much apologizing up front. Lead with the service numbers"), or "talked about what an
    account director does" (not what something *would* mean)."""
    for n, sentence in enumerate(usable):
        folded = fold(sentence.text)
        if PLANNING.search(folded) or folded.rstrip().endswith("?") or "->" in folded:
            continue
        wh = n == 0 and re.match(_TALKED.pattern + r"(?:what|how|why|when|where|whether)\b", folded)
        if wh and re.search(r"\b(?:would|could|might|should)\b", folded):
            return None  # "talked about what going digital would mean": a discussion
        lead = re.match(r"^\W*([a-z]+)", folded)
        advice = (
            unit.kind == "bullet"
            and lead is not None
            and lead.group(1) in BASE_VERBS
            and lead.group(1) not in _SAME_PAST
            and len(folded.split()) >= (4 if n == 0 else 5)
        )
        if wh or advice:
            what = re.sub(_TALKED.pattern, "", sentence.text, count=1, flags=re.I)
            what = shorten(tidy(what))
            return Entry(people.other(adviser), adviser, what, sentence.index, "advice", unit.index)
    return None


def _answered(people: People, unit: Unit, usable: list[Sentence]) -> Entry | None:
    """ "yusuf asked how to run a team mtg … kwame: stand up, 3 items max": the member
    who answers a member's question taught them."""
    names = people.alternation or r"(?!x)x"
    for n in range(len(usable) - 1):
        asked = re.search(
            r"\b(?P<l>" + names + r")\s+asked\s+(?:me\s+|us\s+)?(?P<topic>(?:how|what|why|"
            r"whether|about)\b.*)",
            fold(usable[n].text),
        )
        answer = re.match(
            r"^\W*(?P<t>" + names + r")\s*:\s*(?P<rest>\S.*)", fold(usable[n + 1].text)
        )
        if not asked or not answer:
            continue
        text, reply = usable[n].text, usable[n + 1].text
        learner = people.name_at(text, asked.start("l"), asked.end("l"))
        teacher = people.name_at(reply, answer.start("t"), answer.end("t"))
        if learner and teacher and learner != teacher:
            topic = tidy(re.sub(r"^about\s+", "", text[asked.start("topic") :]))
            what = shorten(f"{topic}: {tidy(reply[answer.start('rest') :])}")
            return Entry(learner, teacher, what, usable[n].index, "answered", unit.index)
    return None


def _goal_terms(goal: str) -> set[str]:
    """Distinctive words of a goal: names of tools and subjects ("Python", "R", "SQL")."""
    terms = set()
    for m in re.finditer(r"\b[A-Z][\w+#.-]*", goal):
        word = m.group(0).rstrip(".")
        if fold(word) not in STOPWORDS and fold(word) not in GOAL_FILLER:
            terms.add(word)
    return terms


def _goal_entry(people: People, unit: Unit, usable: list[Sentence]) -> Entry | None:
    """A pair's note about learning a topic one member wants to learn ("R session 3: …",
    "We did lists and loops in Python"): they learned it from the other."""
    if not people.is_pair:
        return None
    text = " ".join(s.text for s in usable)
    if not _ACTIVITY.search(fold(text)):
        return None
    for pid in people.ids:
        other = people.other(pid)
        if other is None:
            continue
        for goal in people.members[pid].goals:
            for term in _goal_terms(goal):
                if re.search(r"(?<![\w-])" + re.escape(term) + r"(?![\w-])", text):
                    best = next((s for s in usable if _ACTIVITY.search(fold(s.text))), usable[0])
                    what = shorten(tidy(best.text))
                    return Entry(pid, other, what, best.index, "goal", unit.index)
    return None


# The words of a cue itself ("she talked me through NVDA"): they name no lesson.
_CUE_WORDS = wordset("talk walk show explain demo went through thru over")


def _fold_followups(entries: list[Entry]) -> list[Entry]:
    """One lesson told in several sentences of a paragraph is one entry. A review of the
    learner's own work ("She went through her markup with me") gives way to what was said
    about it, and "She also said …" or "Didn't know …" is more of the lesson before it."""
    same: dict[tuple[int, str | None, str], int] = {}
    for e in entries:
        if e.unit >= 0:
            same[(e.unit, e.learner, e.teacher)] = same.get((e.unit, e.learner, e.teacher), 0) + 1
    kept = [
        e
        for e in entries
        if not (
            e.kind == "explain"
            and e.unit >= 0
            and (REVIEW.search(fold(e.what)) or len(e.what.split()) <= 4)
            and same[(e.unit, e.learner, e.teacher)] > 1
        )
    ]
    out: list[Entry] = []
    seen: dict[tuple[int, str | None, str], Entry] = {}
    for entry in sorted(kept, key=lambda e: e.order):
        key = (entry.unit, entry.learner, entry.teacher)
        before = seen.get(key)
        if entry.kind in ("also", "uptake") and before is not None:
            # "Amara walked me through X. Didn't know Y": Y is more of the same lesson, and
            # says what it was when X only names a topic ("she talked me through NVDA").
            if entry.kind == "uptake" and len(content_stems(before.what) - _CUE_WORDS) <= 3:
                before.what = shorten(f"{before.what}: {entry.what}")
            continue
        seen[key] = entry
        out.append(entry)
    return out


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
