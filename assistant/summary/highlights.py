"""Decisions, concerns, progress on learning goals, and the overview sentences."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import TYPE_CHECKING

from assistant.models import ActionItem, Flag, GoalProgress, Learned
from assistant.summary.parse import Notes
from assistant.summary.people import People
from assistant.summary.text import StemIndex, clip_words, content_stems, fold, tidy, wordset

if TYPE_CHECKING:  # numpy is only needed when an embedding function is passed in
    import numpy as np

    Embed = Callable[[list[str]], np.ndarray]
else:
    Embed = Callable[[list[str]], object]

_DECISION = re.compile(
    r"\b(?:decided|agreed\s+(?:that|on|to)|we'?ll\s+go\s+with|go\s+with\s+the|settled\s+on|"
    r"let'?s\s+(?:start|go|use|keep|stick|try|do|make|drop|focus)|decision\s*:|the\s+plan\s+is|"
    r"we\s+chose|chose\s+to|left\s+it\s+open)\b"
)
_CONCERN = re.compile(
    r"\b(?:worried|worry|concern(?:ed|s)?|nervous|struggl\w*|stuck|blocker|blocked|behind|"
    r"not\s+sure|confus\w*|fuzzy\s+on|overwhelm\w*|burn(?:ed|t)?\s*out|anxious|scared|"
    r"haven'?t\s+started|drowning|too\s+much|panick\w*|frustrat\w*|risk)\b"
)
_GOAL_FILLER = wordset(
    """learn learning understand get better figure out use using first time make how actually
    good properly enough basics"""
)
_LIMIT = 6
_EMBED_MATCH = 0.3  # cosine of MiniLM vectors; related goal/lesson pairs score 0.3-0.5


def decisions_and_concerns(notes: Notes, people: People) -> tuple[list[str], list[str]]:
    """Sentences that record a decision, and sentences that voice a worry or a blocker."""
    decisions: list[str] = []
    concerns: list[str] = []
    for sentence in notes.sentences:
        if sentence.private or sentence.injected or sentence.section == "action":
            continue
        folded = fold(sentence.text)
        if len(folded.split()) < 3:
            continue
        prefix = f"{people.first(sentence.speaker)}: " if sentence.speaker else ""
        text = prefix + clip_words(tidy(sentence.text), 30)
        if _DECISION.search(folded) and len(decisions) < _LIMIT:
            decisions.append(text)
        elif _CONCERN.search(folded) and len(concerns) < _LIMIT:
            concerns.append(text)
    return decisions, concerns


def _goal_stems(goal: str) -> set[str]:
    return {w for w in content_stems(goal) if w not in _GOAL_FILLER}


def goal_progress(
    people: People,
    learned: list[Learned],
    actions: list[ActionItem],
    embed: Embed | None = None,
) -> list[GoalProgress]:
    """Link learned entries and action items to the learning goals they serve."""
    evidence: list[tuple[str, str, str]] = []  # (participant, text, label)
    for entry in learned:
        learners = (
            [entry.learner] if entry.learner else [p for p in people.ids if p != entry.teacher]
        )
        for pid in learners:
            evidence.append((pid, entry.what, f"learned from {people.first(entry.teacher)}: "))
    for item in actions:
        if item.owner:
            evidence.append((item.owner, item.task, "action item: "))
    goals = [(pid, goal) for pid in people.ids for goal in people.members[pid].goals]
    if not evidence or not goals:
        return []
    scores = _similarities(evidence, goals, embed)
    out: list[GoalProgress] = []
    seen: set[tuple[str, str]] = set()
    for (pid, goal), row in zip(goals, scores, strict=True):
        best, best_score = None, 0.0
        for (owner, text, label), score in zip(evidence, row, strict=True):
            if owner == pid and score > best_score:
                best, best_score = label + text, score
        if best is not None and (pid, goal) not in seen:
            seen.add((pid, goal))
            out.append(GoalProgress(participant=pid, goal=goal, evidence=best))
    return out


def _similarities(
    evidence: list[tuple[str, str, str]], goals: list[tuple[str, str]], embed: Embed | None
) -> list[list[float]]:
    """Goal x evidence relevance, 0 when unrelated: shared words, or (with ``embed``) close
    sentence vectors, whichever is stronger."""
    out = []
    ev_index = [StemIndex(content_stems(t)) for _, t, _ in evidence]
    for _, goal in goals:
        wanted = _goal_stems(goal)
        row = []
        for index in ev_index:
            shared = sum(1 for w in wanted if index.has(w))
            score = shared / len(wanted) if wanted else 0.0
            # Half the goal's words, or two of them: one shared word ("open") is chance.
            row.append(score if shared and (score >= 0.5 or shared >= 2) else 0.0)
        out.append(row)
    if embed is not None:
        # Only the few goals and extracted items are embedded, never the whole notes.
        vectors = embed([g for _, g in goals] + [t for _, t, _ in evidence])
        sims = vectors[: len(goals)] @ vectors[len(goals) :].T
        for row, sim_row in zip(out, sims, strict=True):
            for k, sim in enumerate(sim_row):
                if float(sim) >= _EMBED_MATCH:
                    row[k] = max(row[k], float(sim))
    return out


_FLAG_WORDS = {
    "one_sided": "one-sided (one person did most of the talking or teaching)",
    "no_action_items": "no action items",
    "stalled": "items from last time still open",
    "confidential_redacted": "private content left out",
}


def overview(
    people: People,
    date: dt.date,
    mode: str,
    learned: list[Learned],
    actions: list[ActionItem],
    flags: list[Flag],
) -> str:
    """Two or three plain sentences: who met, who learned what from whom, items and flags."""
    names = [people.first(pid) for pid in people.ids]
    if len(names) > 6:
        names = [*names[:5], f"{len(names) - 5} others"]
    who = ", ".join(names[:-1]) + " and " + names[-1]
    first = f"{who} met on {date.day} {date.strftime('%B %Y')} ({mode} mentoring)."
    lessons: list[str] = []
    seen: set[tuple[str | None, str]] = set()
    for entry in learned:
        key = (entry.learner, entry.teacher)
        if key in seen:
            continue
        seen.add(key)
        learner = people.first(entry.learner) if entry.learner else "the group"
        lessons.append(f"{learner} learned {_short(entry.what)} from {people.first(entry.teacher)}")
    if lessons:
        more = f" ({len(learned)} lessons in all)" if len(learned) > 3 else ""
        second = "; ".join(lessons[:3]) + more + "."
    else:
        second = "The notes record no clear teaching in either direction."
    n = len(actions)
    third = f"{n} action item{'s' if n != 1 else ''} agreed"
    if flags:
        third += "; flags: " + ", ".join(_FLAG_WORDS.get(f.code.value, f.code.value) for f in flags)
    else:
        third += "; no warning flags"
    return " ".join([first, second[0].upper() + second[1:], third + "."])


def _short(what: str) -> str:
    """A lesson in a few words for the overview ("how to ask ChatGPT to list …")."""
    text = re.split(r"[;(]|\s-\s|,\s|:\s", what, maxsplit=1)[0].strip().rstrip(".")
    text = clip_words(text.replace('"', ""), 9)
    if re.match(r"(?i)(?:how|what|why)\b", text):
        return text
    return f"“{text}”"
