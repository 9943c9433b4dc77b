"""Teaching in a transcript: an explanation, and the other person's uptake.

A turn teaches when it explains (25 words or more, mostly statements) and someone shows
they took it in: "Oh, I had no idea", "So it's the data, not SQL", a short echo of its key
words, a follow-up question, the teacher confirming their restatement ("Exactly"). An
earlier question from the learner, the teacher announcing a topic ("My turn. You asked how
…"), and a match with the teacher's skills or the learner's goals add weight; a correction
("Not quite, you've gone too far") takes it away. The lesson is the explanation's sentence
that best matches what the learner picked up.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.program import Role
from assistant.summary.parse import Notes, Unit
from assistant.summary.people import People
from assistant.summary.text import StemIndex, clip_words, content_stems, fold, tidy, wordset

_UPTAKE = re.compile(
    r"\b(?:i\s+had\s+no\s+idea|had\s+no\s+idea|i\s+didn'?t\s+know|didn'?t\s+know|never\s+knew|"
    r"good\s+to\s+know|makes\s+sense|that\s+helps|got\s+it|interesting|i\s+see\b|til\b|"
    r"today\s+i\s+learned|nice\s+trick|neat|clever|so\s+simple|elegant|counterintuitive|"
    r"i'?m\s+stealing|stealing\s+that|i'?ll\s+(?:use|try|remember)\s+that|going\s+(?:straight\s+)?"
    r"into\s+my|i\s+understand|i\s+can\s+remember|i\s+(?:always\s+)?wondered|new\s+to\s+me|"
    r"never\s+thought|now\s+i\s+(?:know|get|see)|clicked|wow|really\s+(?:cool|useful|helpful)|"
    r"actually\s+(?:really\s+)?(?:cool|useful|helpful)|that'?s\s+(?:a\s+)?(?:great|good|useful|"
    r"nice|cool)\s+(?:tip|trick|idea|point|one)|what\s+i\s+need\s+to\s+learn|a\s+lot\s+less\s+"
    r"scary|that'?s\s+(?:so\s+)?(?:useful|helpful|smart))\b|^\W*(?:oh|huh|ah|aha)\b"
)
_CONFIRM = re.compile(r"^\W*(?:exactly|right|yes|correct|that'?s\s+it|precisely|yep)\b")
_QUESTION = re.compile(
    r"\b(?:how|what|why|where|when|which|can\s+you|could\s+you|do\s+you|is\s+there|"
    r"like\s+\w+)\b[^?]*\?"
)
_TEACHY = re.compile(
    r"\b(?:the\s+trick|the\s+key|what\s+you\s+(?:do|want)|you\s+(?:need|want|should|can)|"
    r"first|always|never|means|because|instead|is\s+when|so\s+that|three\s+(?:things|parts)|"
    r"rule|basically|think\s+of\s+it|that'?s\s+how|which\s+is\s+why)\b"
)
_ANNOUNCE = re.compile(
    r"\b(?:my\s+turn|let\s+me\s+(?:give|show|explain|tell)\s+you|you\s+asked\s+(?:last\s+time|"
    r"about|why|how|what)|you\s+wanted\s+(?:to\s+know|the)|you\s+mentioned|something\s+back|"
    r"here'?s\s+(?:how|what|the\s+thing)|the\s+trick\s+is|the\s+thing\s+is|i\s+can\s+help\s+with|"
    r"asked\s+me\s+(?:last\s+(?:time|week|month)|about|how|why|what))\b"
)
# "How did you get there?" checks someone's work; "How do you cache it?" asks to learn.
_EXAMINER = re.compile(
    r"\b(?:did\s+you|have\s+you|your\s+(?:answer|solution|working|reasoning|approach)|"
    r"tell\s+me\s+(?:your|how\s+you)|walk\s+me\s+through\s+your|are\s+you\s+sure)\b"
)
_CORRECTION = re.compile(
    r"^\W*(?:no|nope)[,.!]?\s+(?:that|it|you|not)\b|^\W*(?:not\s+quite|not\s+really|"
    r"that'?s\s+(?:not|wrong|incorrect)|incorrect|wrong)\b|\b(?:gone\s+too\s+far|you'?ve\s+(?:made\s+a|overcomplicated)|"
    r"that'?s\s+not\s+(?:right|correct|what))\b"
)
_ACK_SHORT = re.compile(r"(?:^|[.!?]\s)\W*(?:ok|okay|right|fine|true|fair|noted)\b")
# A turn that describes one's own problem is asking for help, not giving it.
_PROBLEM = re.compile(
    r"\b(?:i'?m\s+stuck|i\s+(?:don'?t|do\s+not)\s+(?:know|understand|get)|not\s+sure|"
    r"i\s+just\s+stared|i\s+found\s+out|how\s+do\s+i|what\s+should\s+i|i\s+keep\s+(?:not|getting)|"
    r"i'?m\s+(?:lost|confused|struggling|panicking)|i\s+tried|haven'?t\s+(?:opened|started|done))\b"
)
GOAL_FILLER = wordset(
    """learn learning understand get better figure out use using first time make write how
    actually does runs works work comfortable good properly enough basics whether stop
    feeling like"""
)
EXPLANATION_WORDS = 25


@dataclass
class Entry:
    """A learned entry before deduplication, with its place in the notes."""

    learner: str | None
    teacher: str
    what: str
    order: int


class _Evidence:
    """Points for "``learner`` took in this explanation", and the words they picked up."""

    def __init__(self) -> None:
        self.scores: dict[str, float] = {}
        self.hints: dict[str, set[str]] = {}

    def add(self, pid: str, amount: float, words: set[str]) -> None:
        """Add evidence that ``pid`` learned, with the words they used."""
        self.scores[pid] = self.scores.get(pid, 0.0) + amount
        self.hints.setdefault(pid, set()).update(words)


def _stems_of(unit: Unit) -> set[str]:
    return content_stems(" ".join(s.text for s in unit.sentences if not s.private))


def from_turns(notes: Notes, people: People) -> list[Entry]:
    """Learned entries from the explanations of a transcript (linear in its length)."""
    units = notes.units
    stems = [_stems_of(u) for u in units]
    indexes = [StemIndex(x) for x in stems]
    teaches = {pid: content_stems(" ".join(m.skills)) for pid, m in people.members.items()}
    wants = {
        pid: content_stems(" ".join(m.goals)) - GOAL_FILLER for pid, m in people.members.items()
    }
    out: list[Entry] = []
    for i, turn in enumerate(units):
        teacher = turn.speaker
        if not teacher or turn.private or turn.words < EXPLANATION_WORDS:
            continue
        questions = sum(1 for s in turn.sentences if s.text.rstrip().endswith("?"))
        if questions * 2 > len(turn.sentences):
            continue
        evidence = _replies(units, stems, indexes[i], i)
        _context(units, people, stems, i, evidence)
        adjust = -1.0 if _PROBLEM.search(fold(turn.text)) else 0.0
        if people.members[teacher].role in (Role.MENTOR, Role.FACILITATOR):
            adjust += 0.5
        for learner, score in evidence.scores.items():
            score += adjust
            if _related(indexes[i], teaches[teacher]) or _related(indexes[i], wants[learner]):
                score += 0.75
            if score >= 2.0:
                what = lesson_sentence(turn, evidence.hints.get(learner, set()))
                if what:
                    out.append(Entry(learner, teacher, what, turn.sentences[0].index))
    return out


def _replies(units: list[Unit], stems: list[set[str]], explained: StemIndex, i: int) -> _Evidence:
    """Uptake, restatements, echoes, questions and the teacher confirming, in the replies."""
    evidence = _Evidence()
    teacher = units[i].speaker
    for j in range(i + 1, min(len(units), i + 5)):
        reply = units[j]
        learner = reply.speaker
        if not learner or reply.private:
            continue
        if learner == teacher:
            if j > i + 1 and reply.words >= EXPLANATION_WORDS:
                break  # a new explanation starts its own lesson
            continue
        folded = fold(reply.text)
        if _CORRECTION.search(folded):
            evidence.add(learner, -1.0, set())  # "Not quite, you've gone too far": no lesson
            continue
        # Numbers echo too easily (every turn of a maths lesson shares them).
        shared = {w for w in stems[j] if not w.isdigit() and explained.has(w)}
        amount = 2.0 if _UPTAKE.search(folded) else 0.0
        if re.match(r"^\W*(?:ok(?:ay)?[,.]?\s+)?so\b", folded) and shared:
            amount += 1.0 + (0.5 if len(shared) >= 2 else 0.0)
        elif reply.words <= 25 and len(shared) >= 2:
            amount += 1.0
        elif reply.words <= 15 and shared:
            amount += 0.75
        if "?" in folded and reply.words <= 20:
            amount += 0.25
        if reply.words <= 15 and _ACK_SHORT.search(folded):
            amount += 0.5
        confirmed = j + 1 < len(units) and units[j + 1].speaker == teacher
        if confirmed and _CONFIRM.match(fold(units[j + 1].text)):
            amount += 1.0
        if amount:
            evidence.add(learner, amount * (1.0 if j == i + 1 else 0.8), stems[j])
    return evidence


def _context(
    units: list[Unit], people: People, stems: list[set[str]], i: int, evidence: _Evidence
) -> None:
    """A question the explanation answers, or the teacher announcing what they will teach."""
    teacher = units[i].speaker
    if i > 0:
        asker = units[i - 1].speaker
        asked = fold(units[i - 1].text)
        if asker and asker != teacher and _QUESTION.search(asked) and not _EXAMINER.search(asked):
            evidence.add(asker, 1.0, stems[i - 1])
    opener = " ".join(
        fold(units[k].text) for k in range(max(0, i - 2), i + 1) if units[k].speaker == teacher
    )
    if _ANNOUNCE.search(opener):
        target = people.other(teacher) or (units[i + 1].speaker if i + 1 < len(units) else None)
        if target and target != teacher:
            evidence.add(target, 1.0, set())


def _related(turn: StemIndex, topic: set[str]) -> bool:
    """Whether an explanation touches a subject (a teacher's skill, a learner's goal)."""
    return any(turn.has(t) for t in topic)


def lesson_sentence(turn: Unit, hints: set[str]) -> str:
    """The sentence of an explanation that best states the lesson."""
    best, best_score, best_k = "", -1.0, -1
    sentences = [s for s in turn.sentences if not (s.private or s.injected)]
    for k, sentence in enumerate(sentences):
        words = sentence.text.split()
        if len(words) < 4 or sentence.text.rstrip().endswith("?"):
            continue
        stems = content_stems(sentence.text)
        score = 2.0 * len(stems & hints) + (1.0 if _TEACHY.search(fold(sentence.text)) else 0.0)
        score += min(len(stems), 12) / 12 - (1.0 if len(words) < 7 else 0.0)
        if score > best_score:
            best, best_score, best_k = sentence.text, score, k
    if best and len(best.split()) < 10 and best_k + 1 < len(sentences):
        best = f"{best} {sentences[best_k + 1].text}"
    return clip_words(clean_lesson(best), 25) if best else ""


_LEAD_IN = re.compile(
    r"^\W*(?:(?:so|ok|okay|right|well|and|but|yes|yeah|exactly|basically|honestly|also|then|"
    r"now|look|first|second|third|finally|the\s+other\s+thing|one\s+more\s+thing)\b[,.:!]?\s*)+",
    re.I,
)


def clean_lesson(text: str) -> str:
    """A lesson without its spoken lead-in: "One thing that helped me: keep a running doc"
    -> "keep a running doc"; "So, first thing, stop using VLOOKUP" -> "stop using VLOOKUP"."""
    out = tidy(text)
    colon = out.find(":")
    if 0 < colon <= 45 and len(out[:colon].split()) <= 6 and len(out[colon + 1 :].split()) >= 3:
        out = out[colon + 1 :].strip()
    out = _LEAD_IN.sub("", out)
    return tidy(out) or tidy(text)
