"""Teaching in a transcript: an explanation, and the other person's uptake.

Teaching comes in episodes. One member explains (a turn of statements, not a question, a
plan or an account of their own problem); the other replies with uptake ("Oh, I had no
idea", "So it's the data, not SQL", a short echo of its key words, a follow-up question);
the teacher goes on ("Exactly. And the other thing …") until someone changes the subject
("Can I ask you something back?", "So, homework"), a listener starts a long explanation of
their own, or a few turns have passed. An earlier question from the learner, the teacher
announcing a topic ("You asked how …"), a match with the teacher's skills or the learner's
goals, and the teacher's role add weight; a correction ("Not quite") takes it away.

An episode can hold more than one lesson: "The other thing …", "Now, journals." start a new
one. Each lesson's phrase is chosen in ``lessons``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from assistant.program import Role
from assistant.summary import lessons, topics
from assistant.summary.parse import Notes, Unit
from assistant.summary.people import People
from assistant.summary.text import StemIndex, content_stems, fold, wordset
from assistant.summary.uptake import (
    EXAMINER,
    EXPLANATION_WORDS,
    WINDOW,
    Episode,
    adoption,
    context,
    evidence,
    instructs,
    reply_points,
    text_of,
    trim,
)

# A turn that describes one's own problem is asking for help, not giving it.
_PROBLEM = re.compile(
    r"\b(?:i'?m\s+stuck|i\s+(?:don'?t|do\s+not)\s+(?:know|understand|get)|not\s+sure|"
    r"i\s+just\s+stared|i\s+found\s+out|how\s+do\s+i|what\s+should\s+i|i\s+keep\s+(?:not|getting)|"
    r"i'?m\s+(?:lost|confused|struggling|panicking|dreading)|i\s+tried|haven'?t\s+(?:opened|"
    r"started|done)|i\s+got\s+the|came\s+out\s+as|i\s+freeze)\b"
)
# Someone changes the subject: the episode before it is over.
_SWITCH = re.compile(
    r"\b(?:can\s+i\s+(?:ask|show|tell)\s+you|my\s+turn|something\s+back|what\s+about\s+your|"
    r"your\s+side|in\s+return|(?:can\s+i|let'?s|i'?d\s+like\s+to)\s+switch|anyway|so\s+for\s+next\s+time|homework|"
    r"so\s+the\s+plan|we\s+agreed|we'?re\s+at\s+time|last\s+thing|let\s+me\s+read\s+back|quick\s+recap|"
    r"off\s+topic|something\s+(?:a\s+bit\s+)?different)\b"
)
# Inside an explanation: a new lesson starts.
_NEXT_LESSON = re.compile(
    r"^\W*(?:(?:and|also|ok(?:ay)?|so|right|oh)[,.]?\s+)?(?:the\s+other\s+thing|another\s+thing|"
    r"(?:the\s+)?(?:second|third|fourth|next|last)\s+thing|"
    r"one\s+more\s+thing|something\s+else|now,|you\s+(?:asked|mentioned|wanted)\b|"
    r"(?:but\s+)?i\s+wanted\s+to\s+show\s+you)"
)
_CREDIT = re.compile(
    r"\b(?:(?:the\s+thing|what)\s+you\s+(?:told|showed|taught|said\s+to)\s+me|you\s+(?:taught|"
    r"showed)\s+me\s+(?:last|how|that))\b"
)
_MARKER = re.compile(
    r"^\W*(?:(?:and|also|ok(?:ay)?|so|right|oh)[,.]?\s+)?(?:the\s+other|another|one\s+more|"
    r"(?:the\s+)?(?:second|third|fourth|next|last))\s+thing\b[\s,:]*"
)
_ORDINAL = re.compile(r"^\W*(?:and\s+)?(?:the\s+)?(?:second|third|fourth|fifth|next)\s+thing\b")
GOAL_FILLER = wordset(
    """learn learning understand get better figure out use using first time make write how
    actually does runs works work comfortable good properly enough basics whether stop
    feeling like"""
)
SHORT_WORDS = 15  # a shorter answer teaches only with clear uptake


@dataclass
class Entry:
    """A learned entry before deduplication, with its place in the notes."""

    learner: str | None
    teacher: str
    what: str
    order: int
    kind: str = ""  # the cue that gave it ("show", "said", …), "" for transcript uptake
    unit: int = -1


def _explains(unit: Unit) -> bool:
    """A turn that could teach: long enough, mostly statements, not only plans, and not
    thanking the listener for what they taught ("the thing you told me last month …")."""
    if not unit.speaker or unit.private or unit.words < SHORT_WORDS:
        return False
    if _CREDIT.search(fold(unit.text)):
        return False
    sentences = [s.text for s in unit.sentences if not (s.private or s.injected)]
    questions = sum(1 for s in sentences if s.rstrip().endswith("?"))
    if not sentences or questions * 2 > len(sentences):
        return False
    stated = [
        s
        for s in sentences
        if not s.rstrip().endswith("?") and not lessons.PLANNING.search(fold(s))
    ]
    said = sum(len(s.split()) for s in stated)
    return said >= 10 and said * 2 >= unit.words  # mostly plans: an action item, not a lesson


def from_turns(notes: Notes, people: People) -> list[Entry]:
    """Learned entries from the teaching episodes of a transcript (linear in its length)."""
    units = notes.units
    stems = [content_stems(text_of(u)) for u in units]
    teaches = {pid: content_stems(" ".join(m.skills)) for pid, m in people.members.items()}
    wants = {
        pid: content_stems(" ".join(m.goals)) - GOAL_FILLER for pid, m in people.members.items()
    }
    out: list[Entry] = []
    i = 0
    while i < len(units):
        if not _explains(units[i]):
            i += 1
            continue
        episode = _episode(units, i)
        out += _lessons(episode, units, stems, people, teaches, wants)
        i = max(i + 1, episode.stop)
    return out


def _episode(units: list[Unit], i: int) -> Episode:
    """The turns of one teaching episode, starting with the explanation at ``i``."""
    teacher = units[i].speaker or ""
    episode = Episode(teacher, i, turns=[i])
    j = i + 1
    while j < len(units) and j <= i + WINDOW:
        unit = units[j]
        if unit.private:
            break  # "Off the record, …" changes the subject
        if not unit.speaker:
            j += 1
            continue
        folded = fold(text_of(unit, 2))
        if unit.speaker == teacher:
            if _SWITCH.search(folded) or not _explains_or_short(unit):
                break
            episode.turns.append(j)
        elif instructs(unit):
            break  # "Ah, classic. Run trimws() first": the listener's own lesson starts here
        else:
            switch = _SWITCH.search(folded)
            long_turn = unit.words >= EXPLANATION_WORDS and _explains(unit)
            # A long reply or one that changes the subject still shows uptake in its opening.
            episode.replies.append((j, 2 if (switch or long_turn) else len(unit.sentences)))
            if switch or long_turn:
                break
        j += 1
    episode.stop = j
    return episode


def _explains_or_short(unit: Unit) -> bool:
    """A teacher's follow-up: more explanation, or a short answer that is not a plan."""
    text = fold(text_of(unit))
    return not (lessons.PLANNING.search(text) and unit.words < EXPLANATION_WORDS)


def _lessons(
    episode: Episode,
    units: list[Unit],
    stems: list[set[str]],
    people: People,
    teaches: dict[str, set[str]],
    wants: dict[str, set[str]],
) -> list[Entry]:
    teacher = episode.teacher
    opened = episode.start
    replies = reply_points(units, stems, episode)
    trim(replies, episode)
    first = units[episode.start]
    explained = StemIndex(set().union(*(stems[k] for k in episode.turns)))
    points = evidence(units, episode, replies)
    context(units, people, stems, episode, points)
    adoption(units, stems, explained, episode, points)
    adjust = -1.0 if _PROBLEM.search(fold(text_of(first))) else 0.0
    if people.members[teacher].role in (Role.MENTOR, Role.FACILITATOR):
        adjust += 0.5
    needed = 2.0 if first.words >= EXPLANATION_WORDS or len(episode.turns) > 1 else 2.5
    learners: list[tuple[str, float]] = []
    for learner, score in points.scores.items():
        score += adjust
        if _related(explained, teaches[teacher]) or _related(explained, wants[learner]):
            score += 0.75
        if score >= needed:
            learners.append((learner, score))
    if not learners:
        return []
    top = max(p for _, p in learners)
    learners = [(pid, p) for pid, p in learners if p >= 0.75 * top]
    name = _episode_topic(units, episode, opened)
    segments = _segments(units, episode, name)
    out: list[Entry] = []
    heard = set().union(*(stems[j] for j, _ in episode.replies)) if episode.replies else set()
    for k, part in enumerate(segments):
        if k and not _substantial(part.sentences):
            continue
        own = _own_name(part.sentences, heard, part.openings)
        topic_name = own or (name if k == 0 else "")
        for learner, _ in learners:
            hints = {w for w in points.hints.get(learner, set()) if explained.has(w)}
            found = lessons.pick(
                part.sentences,
                hints,
                content_stems(topic_name),
                part.bonuses,
                part.openings,
                topics.naming,
            )
            if found:
                out.append(Entry(learner, teacher, lessons.phrase(topic_name, found), part.order))
    return out


@dataclass
class _Lesson:
    """One lesson of an episode: its sentences, with a bonus for each (an answer to the
    learner's own question) and which of them open one of the teacher's turns."""

    order: int
    sentences: list[str] = field(default_factory=list)
    bonuses: list[float] = field(default_factory=list)
    openings: set[int] = field(default_factory=set)


def _segments(units: list[Unit], episode: Episode, name: str) -> list[_Lesson]:
    """The teacher's sentences split into lessons ("The other thing …" starts a new one)."""
    segments: list[_Lesson] = []
    named = content_stems(name)
    for k in episode.turns:
        sentences = [
            s
            for s in units[k].sentences
            if not (s.private or s.injected or lessons.PLANNING.search(fold(s.text)))
        ]
        if k == episode.start:
            # "That's going straight into my notes. Now let me give you something back."
            cut = [n for n, s in enumerate(sentences) if _SWITCH.search(fold(s.text))]
            if cut and cut[-1] + 1 < len(sentences):
                sentences = sentences[cut[-1] + 1 :]
        before = units[k - 1]
        asked = k != episode.start and before.speaker != episode.teacher and "?" in before.text
        for n, s in enumerate(sentences):
            folded = fold(s.text)
            # "The other thing people don't see is that slotting is …" goes on about the topic.
            same_topic = bool(named) and bool(named & content_stems(s.text))
            if not segments or (_NEXT_LESSON.search(folded) and not same_topic):
                segments.append(_Lesson(s.index))
            lesson = segments[-1]
            if n < 3:
                lesson.openings.add(len(lesson.sentences))
            lesson.sentences.append(s.text)
            lesson.bonuses.append(1.0 if asked else 0.0)
    return segments


def _own_name(sentences: list[str], heard: set[str], openings: set[int]) -> str:
    """A lesson that opens by naming its topic ("Slotting.", "The other thing is captions."),
    when the name comes up again (later in the explanation or in the replies). Only the
    first sentences of a turn (``openings``) can name a topic."""
    for n, sentence in enumerate(sentences):
        if n not in openings:
            continue
        name = topics.naming(sentence)
        if name:
            later = set().union(*(content_stems(s) for s in sentences[n + 1 :])) | heard
            index = StemIndex(later)
            if any(index.has(w) for w in content_stems(name)):
                return name
            following = sentences[n + 1] if n + 1 < len(sentences) else ""
            return name if lessons.imperative(fold(following)) else ""  # "Terminal. Type …"
    return ""


def _substantial(sentences: list[str]) -> bool:
    """A later lesson of an episode must say something, not just trail off."""
    words = sum(len(s.split()) for s in sentences)
    if words >= 10 and sentences and _ORDINAL.match(fold(sentences[0])):
        return True  # "Third thing, Ctrl+Shift+L turns filters on and off": one of a list
    return words >= 12 and any(
        lessons.TEACHY.search(fold(s)) or lessons.imperative(_unmarked(s)) for s in sentences
    )


def _unmarked(sentence: str) -> str:
    """A sentence without its "Second thing," marker, folded."""
    return _MARKER.sub("", fold(sentence))


def _episode_topic(units: list[Unit], episode: Episode, opened: int) -> str:
    """The topic named around the episode: a listener naming the concept ("Oh, that's an
    occupancy model"), or what was asked or announced just before or at its start."""
    for j, used in episode.replies:
        name = topics.called(text_of(units[j], used))
        if name:
            return name
    start = episode.start
    texts = [text_of(units[start], 3)]
    texts += [
        text_of(units[k])
        for k in (opened, start - 1)
        if 0 <= k < start and units[k].speaker == episode.teacher
    ]
    named = topics.topic([t for t in texts if t])
    before = units[start - 1] if start > 0 else None
    if named or before is None or before.speaker in (None, episode.teacher):
        return named
    # The listener's own question names what the explanation answers, unless it checks
    # the teacher's work ("how did it go?").
    asked = text_of(before)
    return "" if EXAMINER.search(fold(asked)) else topics.question(asked)


def _related(turn: StemIndex, topic: set[str]) -> bool:
    """Whether an explanation touches a subject (a teacher's skill, a learner's goal)."""
    return any(turn.has(t) for t in topic)


def lesson_sentence(turn: Unit, hints: set[str]) -> str:
    """The sentence of an explanation that best states the lesson."""
    sentences = [s.text for s in turn.sentences if not (s.private or s.injected)]
    return lessons.phrase("", lessons.pick(sentences, hints))
