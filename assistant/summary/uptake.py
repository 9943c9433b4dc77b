"""How a listener shows they took an explanation in.

Uptake ("Oh, I had no idea", "Makes sense", "Show me that after"), a restatement ("So it's
the data, not SQL"), a short echo of the explanation's words, a follow-up question, the
teacher confirming a restatement ("Exactly"), the question the explanation answers, the
teacher announcing it ("You asked last time how …"), and a later commitment to use it
("I'll redo my plot with read_csv") each add points for that listener; a correction ("Not
quite") takes them away. A reply that instructs in turn ("Run trimws() first"), plans ("I'll
put the numbers on a slide") or explains at length is the replier talking, not learning.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from assistant.summary import lessons
from assistant.summary.parse import Unit
from assistant.summary.people import People
from assistant.summary.text import GENERIC_VERBS, StemIndex, content_stems, fold, wordset

EXPLANATION_WORDS = 25  # a turn this long can teach on its own
WINDOW = 9  # turns an episode may span

_UPTAKE = re.compile(
    r"\b(?:i\s+had\s+no\s+idea|had\s+no\s+idea|i\s+didn'?t\s+know|didn'?t\s+know|never\s+knew|"
    r"good\s+to\s+know|makes\s+sense|that\s+helps|got\s+it|interesting|i\s+see\b|til\b|"
    r"today\s+i\s+learned|nice\s+trick|neat|clever|so\s+simple|elegant|counterintuitive|"
    r"i'?m\s+stealing|stealing\s+that|i'?ll\s+(?:use|try|remember)\s+that|going\s+(?:straight\s+)?"
    r"into\s+my|i\s+understand|i\s+can\s+remember|i\s+(?:always\s+)?wondered|new\s+to\s+me|"
    r"never\s+thought|now\s+i\s+(?:know|get|see)|clicked|wow|really\s+(?:cool|useful|helpful)|"
    r"actually\s+(?:really\s+)?(?:cool|useful|helpful)|that'?s\s+(?:a\s+)?(?:great|good|useful|"
    r"nice|cool)\s+(?:tip|trick|idea|point|one|catch)|what\s+i\s+need\s+to\s+learn|a\s+lot\s+less\s+"
    r"scary|that'?s\s+(?:so\s+)?(?:useful|helpful|smart)|i\s+finally\s+get|that\s+explains|"
    r"show\s+me\s+(?:that|how|where)|exactly\s+what\s+i\s+needed|that\s+actually\s+helps|"
    r"writing\s+that\s+down|(?:hadn'?t|never|didn'?t)\s+thought?\s+(?:about\s+it|of\s+(?:it|that)))\b|"
    r"^\W*(?:oh|huh|ah|aha)\b"
)
_CONFIRM = re.compile(r"^\W*(?:exactly|right|yes|yeah|correct|that'?s\s+it|precisely|yep)\b")
_QUESTION = re.compile(
    r"\b(?:how|what|why|where|when|which|can\s+you|could\s+you|do\s+you|is\s+there|"
    r"like\s+\w+)\b[^?]*\?|\b(?:i\s+keep\s+meaning\s+to\s+ask|i\s+(?:never|don'?t)\s+"
    r"(?:really\s+)?know\s+(?:if|whether|how|why|what|where))\b"
)
_ANNOUNCE = re.compile(
    r"\b(?:my\s+turn|let\s+me\s+(?:give|show|explain|tell)\s+you|you\s+asked\s+(?:last\s+time|"
    r"about|why|how|what|me)|you\s+wanted\s+(?:to\s+know|the)|you\s+mentioned|something\s+back|"
    r"here'?s\s+(?:how|what|the\s+thing)|the\s+trick\s+is|the\s+thing\s+is|i\s+can\s+help\s+with|"
    r"asked\s+me\s+(?:last\s+(?:time|week|month)|about|how|why|what)|you\s+said\s+(?:last\s+time|"
    r"in\s+the)|i'?d\s+(?:just\s+)?explain|i\s+want\s+to\s+talk\s+about)\b"
)
# "How did you get there?" checks someone's work; "How do you cache it?" asks to learn.
EXAMINER = re.compile(
    r"\b(?:did\s+you|have\s+you|your\s+(?:answer|solution|working|reasoning|approach)|"
    r"tell\s+me\s+(?:your|how\s+you)|walk\s+me\s+through\s+your|are\s+you\s+sure|"
    r"what\s+are\s+you\s+picturing|when\s+you\s+say|how\s+(?:did|does)\s+it\s+(?:go|feel)|"
    r"how\s+was|how'?s\s+(?:it|the|your)|how\s+(?:are|is)\s+(?:you|it|the|your))\b"
)
_CORRECTION = re.compile(
    r"^\W*(?:no|nope)[,.!]?\s+(?:that|it|you|not)\b|^\W*(?:not\s+quite|not\s+really|"
    r"that'?s\s+(?:not|wrong|incorrect)|incorrect|wrong)\b|\b(?:gone\s+too\s+far|you'?ve\s+"
    r"(?:made\s+a|overcomplicated)|that'?s\s+not\s+(?:right|correct|what))\b"
)
_ACK_SHORT = re.compile(r"(?:^|[.!?]\s)\W*(?:ok|okay|right|fine|true|fair|noted)\b")


@dataclass
class Episode:
    """The turns of one teaching episode: the teacher's, and the replies to them."""

    teacher: str
    start: int
    turns: list[int] = field(default_factory=list)  # the teacher's turns
    replies: list[tuple[int, int]] = field(default_factory=list)  # (unit, sentences used)
    stop: int = 0  # the unit after the episode (it may open the next one)


class Evidence:
    """Points for "``learner`` took in this explanation", and the words they picked up."""

    def __init__(self) -> None:
        self.scores: dict[str, float] = {}
        self.hints: dict[str, set[str]] = {}

    def add(self, pid: str, amount: float, words: set[str]) -> None:
        """Add evidence that ``pid`` learned, with the words they used."""
        self.scores[pid] = self.scores.get(pid, 0.0) + amount
        self.hints.setdefault(pid, set()).update(words)


def text_of(unit: Unit, limit: int | None = None) -> str:
    """A unit's text without private or injected sentences (the first ``limit`` of them)."""
    sentences = [s.text for s in unit.sentences if not (s.private or s.injected)]
    return " ".join(sentences[:limit])


def evidence(
    units: list[Unit], episode: Episode, points: list[tuple[int, str | None, float, set[str]]]
) -> Evidence:
    """The points of the episode's replies (see ``reply_points``), per listener: a reply
    right after the teacher counts fully, and the first few count most."""
    found = Evidence()
    kept = [p for p in points if p[0] > episode.start]
    for n, (j, learner, amount, said) in enumerate(kept):
        if learner:
            near = units[j - 1].speaker == episode.teacher
            weight = (1.0 if near else 0.8) * (0.85 if n > 2 else 1.0)
            # "That's a good story for a video. The eleven miles." points at the anecdote,
            # not at the lesson: its words do not pick the lesson's sentence.
            story = bool(re.search(r"\bstory\b", fold(units[j].text)))
            found.add(learner, amount * weight, set() if story else said)
    return found


def reply_points(
    units: list[Unit], stems: list[set[str]], episode: Episode
) -> list[tuple[int, str | None, float, set[str]]]:
    """(unit, learner, points, words used) for each reply of the episode."""
    out: list[tuple[int, str | None, float, set[str]]] = []
    explained, taught = StemIndex(set()), iter(episode.turns)
    upcoming = next(taught, None)
    for j, used in episode.replies:
        # A reply echoes what was said before it, not what the teacher says later.
        while upcoming is not None and upcoming < j:
            explained.add(stems[upcoming])
            upcoming = next(taught, None)
        reply = units[j]
        text = text_of(reply, used)
        folded = fold(text)
        if _CORRECTION.search(folded):
            out.append((j, reply.speaker, -1.0, set()))  # "Not quite, you've gone too far"
            continue
        if instructs(reply):
            continue  # "Ah, classic. Run trimws() first": the replier teaches
        said = content_stems(text) if used < len(reply.sentences) else stems[j]
        if _echoes_someone_else(units, stems, episode, j, said, explained):
            continue  # "I'm stealing 'lead with the forklift'" thanks whoever said that
        amount = 2.0 if _UPTAKE.search(folded) else 0.0
        # "Okay. Funnel. I'll redo it around the gap": the echo counts, the plan does not
        # ("I'll put the numbers on a slide" alone plans, it does not learn).
        heard = " ".join(
            s.text
            for s in reply.sentences[:used]
            if not (s.private or s.injected or lessons.PLANNING.search(fold(s.text)))
        )
        # A long reply that explains in turn is the replier teaching: only its opening's
        # uptake counts, not the words it shares.
        whole = used >= len(reply.sentences) or reply.words < EXPLANATION_WORDS
        if heard:
            echoed = content_stems(heard) if whole else _opening_echo(reply, explained)
            amount += _echo(heard, echoed, explained)
        elif not amount:
            amount = 0.25 if "?" in folded else 0.0
        confirmed = j + 1 < len(units) and units[j + 1].speaker == episode.teacher
        if confirmed and amount > 0.5 and _CONFIRM.match(fold(units[j + 1].text)):
            amount += 1.0  # "So the drone is the solution." "Exactly."
        if amount:
            out.append((j, reply.speaker, amount, said))
    return out


def _opening_echo(reply: Unit, explained: StemIndex) -> set[str]:
    """ "Facts, not adjectives. I'm writing that down. I had a review last week …": a long
    reply whose short first sentence repeats the explanation's words took it in."""
    first = reply.sentences[0].text if reply.sentences else ""
    said = content_stems(first) - _FILLER
    if len(first.split()) > 8 or len(said) < 2:
        return set()
    return said if all(explained.has(w) for w in said) else set()


def _echoes_someone_else(
    units: list[Unit],
    stems: list[set[str]],
    episode: Episode,
    j: int,
    said: set[str],
    explained: StemIndex,
) -> bool:
    """Whether a reply repeats a third person's recent words more than the teacher's."""
    own = sum(1 for w in said if explained.has(w))
    listener = units[j].speaker
    for k in range(max(0, episode.start - 4), j):
        speaker = units[k].speaker
        if speaker in (None, episode.teacher, listener) or units[k].private:
            continue
        other = len(said & stems[k] - _FILLER)
        if other >= 2 and other > own:
            return True
    return False


def _echo(text: str, said: set[str], explained: StemIndex) -> float:
    """Points for a reply that restates, echoes or asks about the explanation."""
    folded = fold(text)
    words = len(text.split())
    # Numbers echo too easily (every turn of a maths lesson shares them).
    shared = {w for w in said - _FILLER if not w.isdigit() and explained.has(w)}
    amount = 0.0
    if re.match(r"^\W*(?:ok(?:ay)?[,.]?\s+)?so\b", folded) and shared:
        amount += 1.0 + (0.5 if len(shared) >= 2 else 0.0)
    elif words <= 25 and len(shared) >= 2:
        amount += 1.0
    elif words <= 15 and shared:
        amount += 0.75
    if "?" in folded and words <= 20:
        amount += 0.25
    if words <= 15 and _ACK_SHORT.search(folded):
        amount += 0.5
    return amount


def trim(points: list[tuple[int, str | None, float, set[str]]], episode: Episode) -> None:
    """Start the episode at the first of the teacher's turns that drew some uptake: the talk
    before it (greetings, the setup of the problem) is not the lesson."""
    live = {j for j, _, amount, _ in points if amount > 0}
    for n, k in enumerate(episode.turns):
        after = episode.turns[n + 1] if n + 1 < len(episode.turns) else episode.stop
        if any(k < j <= after for j in live):
            if n:
                episode.turns = episode.turns[n:]
                episode.replies = [(j, u) for j, u in episode.replies if j > k]
                episode.start = k
            return


def instructs(reply: Unit) -> bool:
    """A reply that tells the other person what to do is teaching, not taking in."""
    for sentence in reply.sentences:
        folded = fold(sentence.text)
        if folded.rstrip().endswith("?") or len(sentence.text.split()) < 4:
            continue
        first = re.match(r"^\W*(?:just\s+|then\s+)?([a-z]+)", folded)
        if first and first.group(1) in ("run", "switch", "use", "try", "stop", "start", "put"):
            return True
    return False


def context(
    units: list[Unit], people: People, stems: list[set[str]], episode: Episode, evidence: Evidence
) -> None:
    """A question the explanation answers, or the teacher announcing what they will teach."""
    i, teacher = episode.start, episode.teacher
    if i > 0:
        asker = units[i - 1].speaker
        asked = fold(units[i - 1].text)
        if asker and asker != teacher and _QUESTION.search(asked) and not EXAMINER.search(asked):
            evidence.add(asker, 1.0, stems[i - 1])
    opener = " ".join(
        fold(units[k].text) for k in range(max(0, i - 2), i + 1) if units[k].speaker == teacher
    )
    if _ANNOUNCE.search(opener):
        listeners = [units[j].speaker for j, _ in episode.replies]
        target = people.other(teacher) or next((s for s in listeners if s), None)
        if target and target != teacher:
            evidence.add(target, 1.0, set())


_WHEN = wordset(
    """monday tuesday wednesday thursday friday saturday sunday january february march april
    may june july august september october november december morning afternoon evening
    number numbers slide slides meeting call link"""
)
_FILLER = wordset("pretty much exactly quite totally basically definitely true sorry")
_COMMIT = re.compile(r"\b(?:i'?ll|i\s+will|i'?m\s+going\s+to|i'?m\s+gonna)\b")


def adoption(
    units: list[Unit],
    stems: list[set[str]],
    explained: StemIndex,
    episode: Episode,
    evidence: Evidence,
) -> None:
    """A listener who later commits to use what was explained ("I'll redo my plot with
    read_csv", "I'll reply with Lena's structure") took it in."""
    for j in range(episode.stop, min(len(units), episode.stop + WINDOW + 6)):
        unit = units[j]
        if not unit.speaker or unit.speaker == episode.teacher or unit.private:
            continue
        if not _COMMIT.search(fold(unit.text)):
            continue
        said = stems[j] - GENERIC_VERBS - _WHEN
        shared = {w for w in said if not w.isdigit() and explained.has(w)}
        if len(shared) >= 2:
            evidence.add(unit.speaker, 1.0, shared)
