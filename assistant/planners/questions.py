"""Reciprocal learning questions: each side asks what the other can teach.

For every answerer, their skills are matched by meaning to the asker's learning goals; the
skill's category, the direction (is the answerer junior, senior or a peer of the asker?)
and the mode pick a template from the question bank, whose slots are filled with the skill
and the goal phrase. In a pair each person answers at least two questions; in a group every
member answers at least one. Choices are deterministic: the same input gives the same set.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from assistant.guidance import BankQuestion
from assistant.models import QuestionSet, ReciprocalQuestion
from assistant.planners.common import (
    PlanContext,
    direction,
    fill,
    goal_phrase,
    guidance_note,
)
from assistant.planners.teaching import (
    TeachingMatch,
    best_matches,
    categorise,
    fallback_note,
)
from assistant.program import Participant


def _stable(*parts: str) -> str:
    return hashlib.sha1("|".join(parts).encode()).hexdigest()


def plan_questions(
    ctx: PlanContext, *, per_person: int | None = None, focus: str | None = None
) -> QuestionSet:
    pair = len(ctx.members) == 2
    per_person = per_person or (3 if pair else (2 if len(ctx.members) <= 4 else 1))
    per_person = max(per_person, 2 if pair else 1)
    focus = " ".join(focus.split()) if focus and focus.strip() else None
    questions: list[ReciprocalQuestion] = []
    notes: list[str] = []
    texts: set[str] = set()
    for answerer in ctx.members:
        askers = _askers(ctx, answerer)
        matches = _matches_for(ctx, answerer, askers, per_person, focus)
        if any(m.fallback for m in matches):
            notes.append(fallback_note(ctx, answerer))
        for index in range(per_person):
            match = matches[index % len(matches)]
            asker = _asker_for(ctx, match, askers, index)
            question = _question(ctx, match, answerer, asker, texts)
            if question is not None:
                texts.add(question.text.lower())
                questions.append(question)
    for person in ctx.members:
        if not person.learning_goals:
            notes.append(
                f"{person.first_name} listed no learning goals, so their questions follow "
                "the other person's strongest skills."
            )
    cited = [c for q in questions for c in q.citations]
    return QuestionSet(
        relationship_id=ctx.relationship.id,
        mode=ctx.mode,
        focus=focus,
        questions=questions,
        notes=list(dict.fromkeys(notes)),
        citations=ctx.guidance.citation_refs(list(dict.fromkeys(cited))),
    )


def _askers(ctx: PlanContext, answerer: Participant) -> list[Participant]:
    return [p for p in ctx.members if p.id != answerer.id]


def _matches_for(
    ctx: PlanContext,
    answerer: Participant,
    askers: Sequence[Participant],
    per_person: int,
    focus: str | None,
) -> list[TeachingMatch]:
    matches = best_matches(ctx, answerer, askers, focus=focus, limit=max(per_person, 3))
    return matches or []


def _asker_for(
    ctx: PlanContext, match: TeachingMatch, askers: Sequence[Participant], index: int
) -> Participant:
    """The asker whose goal the match serves; otherwise askers take turns."""
    if match.learner and match.goal:
        return ctx.person(match.learner)
    return askers[index % len(askers)]


def _candidates(ctx: PlanContext, category: str, way: str, has_goal: bool) -> list[BankQuestion]:
    def usable(q: BankQuestion) -> bool:
        return q.fits(ctx.mode) and (has_goal or "{goal}" not in q.text)

    exact = [
        q
        for q in ctx.bank.questions
        if q.category == category and q.direction in (way, "any") and usable(q)
    ]
    if exact:
        return exact
    same_category = [q for q in ctx.bank.questions if q.category == category and usable(q)]
    if same_category:
        return same_category
    return [q for q in ctx.bank.questions if q.direction in (way, "any") and usable(q)]


def _question(
    ctx: PlanContext,
    match: TeachingMatch,
    answerer: Participant,
    asker: Participant,
    taken: set[str],
) -> ReciprocalQuestion | None:
    goal = match.goal if match.goal and match.learner == asker.id else None
    category = match.category or categorise(ctx, [match.skill])[0].id
    way = direction(answerer, asker)
    pool = _candidates(ctx, category, way, goal is not None)
    # Mode-specific templates first (a circle gets circle questions), then a stable shuffle.
    # Templates that name the topic come first; a generic question would not teach it.
    pool.sort(
        key=lambda q: (
            0 if "{skill}" in q.text or (goal is not None and "{goal}" in q.text) else 1,
            0 if ctx.mode in q.modes else 1,
            0 if goal is not None and "{goal}" in q.text else 1,
            _stable(ctx.relationship.id, asker.id, answerer.id, match.skill, q.id),
        )
    )
    for template in pool:
        text = fill(
            template.text,
            skill=match.skill,
            goal=goal_phrase(goal) if goal else "",
            asker=asker.first_name,
            answerer=answerer.first_name,
        )
        if text.lower() in taken:
            continue
        citations = list(dict.fromkeys([*match.citations, *template.citations]))
        label = ctx.bank.category(category)
        return ReciprocalQuestion(
            asker=asker.id,
            answerer=answerer.id,
            topic=match.skill,
            goal=goal,
            text=text,
            fallback=match.fallback,
            guidance=guidance_note(
                ctx, citations, f"{label.label} {label.description} {way.replace('-', ' ')}"
            ),
            citations=citations,
        )
    return None
