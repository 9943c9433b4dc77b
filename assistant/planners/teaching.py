"""Who teaches whom what: matching one person's skills to others' learning goals by meaning.

Shared by the agenda, question and topic planners. A person with no skills listed falls
back to what the guidance says their role typically brings (juniors: digital tools and
fresh perspectives; seniors: navigating the organisation), and the match says so.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from assistant.guidance import Category
from assistant.planners.common import PlanContext, goal_phrase, seniority_key
from assistant.program import Participant

GOAL_MATCH_FLOOR = 0.3
BRIDGE_WEIGHT = 0.9
FOCUS_FLOOR = 0.25  # a focus this far from every skill says nothing about who teaches what
FOCUS_BAND = 0.1


@dataclass(frozen=True)
class TeachingMatch:
    teacher: str
    learner: str | None
    skill: str
    goal: str | None
    score: float
    fallback: bool = False
    category: str | None = None
    citations: tuple[str, ...] = ()

    @property
    def topic(self) -> str:
        return self.skill


def link_matrix(ctx: PlanContext, skills: Sequence[str], goals: Sequence[str]) -> np.ndarray:
    """How well each skill serves each goal, by meaning.

    Short phrases often share no meaning a small model can see ("prompt engineering" vs
    "use ChatGPT for reports"), so a skill and a goal also link through a catalog topic
    both are close to: the link is then the weaker of the two similarities.
    """
    direct = ctx.matcher.similarity(skills, goals)
    bridges = [t.match_text for t in ctx.catalog.topics]
    if not bridges or not len(skills) or not len(goals):
        return direct
    via_skill = ctx.matcher.similarity(skills, bridges)  # (s, b)
    via_goal = ctx.matcher.similarity(goals, bridges)  # (g, b)
    bridged = np.minimum(via_skill[:, None, :], via_goal[None, :, :]).max(axis=2)
    return np.maximum(direct, BRIDGE_WEIGHT * bridged)


def categorise(ctx: PlanContext, phrases: Sequence[str]) -> list[Category]:
    """The question-bank category each phrase is closest to in meaning."""
    categories = list(ctx.bank.categories)
    if not phrases:
        return []
    sims = ctx.matcher.similarity(list(phrases), [c.match_text for c in categories])
    return [categories[int(i)] for i in sims.argmax(axis=1)]


def is_relatively_junior(person: Participant, others: Sequence[Participant]) -> bool:
    if not others:
        return False
    mean_rank = sum(seniority_key(o)[0] for o in others) / len(others)
    key = seniority_key(person)
    if key[0] != mean_rank:
        return key[0] < mean_rank
    return key[1] < sum(o.years_experience for o in others) / len(others)


def fallback_categories(
    ctx: PlanContext, person: Participant, others: Sequence[Participant]
) -> list[Category]:
    side = "junior" if is_relatively_junior(person, others) else "senior"
    return [c for c in ctx.bank.categories if c.typical_of == side]


def best_matches(
    ctx: PlanContext,
    teacher: Participant,
    learners: Sequence[Participant],
    *,
    focus: str | None = None,
    exclude: Sequence[str] = (),
    limit: int = 3,
) -> list[TeachingMatch]:
    """The teacher's skills ranked by how well they serve the learners' goals (and focus).

    Each skill appears once, paired with the learner goal it fits best. Skills already used
    (``exclude``) go last, so several calls can spread topics without repeating them.
    """
    others = [p for p in ctx.members if p.id != teacher.id]
    skills = list(teacher.skills)
    if not skills:
        return _fallback(ctx, teacher, learners, others, limit)
    goals = [(learner, goal) for learner in learners for goal in learner.learning_goals]
    goal_texts = [goal_phrase(g) for _, g in goals]
    sims = link_matrix(ctx, skills, goal_texts) if goals else np.zeros((len(skills), 0))
    focus_sims = ctx.matcher.similarity(skills, [focus])[:, 0] if focus else np.zeros(len(skills))
    best_focus = float(focus_sims.max()) if len(skills) else 0.0
    focus_on = focus is not None and best_focus >= FOCUS_FLOOR
    matches: list[TeachingMatch] = []
    for i, skill in enumerate(skills):
        learner: Participant | None
        goal: str | None
        if goals:
            j = int(np.argmax(sims[i]))
            goal_score = float(sims[i, j])
            learner, goal = goals[j]
            use_goal = goal_score >= GOAL_MATCH_FLOOR
        else:
            goal_score, use_goal = 0.0, False
            learner, goal = (learners[0] if learners else None), None
        # A focus picks the candidates (skills close to the best focus match), goals order
        # them; listed order carries a little weight, as people list their strongest first.
        score = goal_score - 0.01 * i
        if focus_on and float(focus_sims[i]) < best_focus - FOCUS_BAND:
            score -= 1.0
        if skill in exclude:
            score -= 10
        matches.append(
            TeachingMatch(
                teacher=teacher.id,
                learner=learner.id if learner is not None else None,
                skill=skill,
                goal=goal if use_goal else None,
                score=round(score, 4),
            )
        )
    matches.sort(key=lambda m: (-m.score, m.skill))
    return matches[:limit]


def _fallback(
    ctx: PlanContext,
    teacher: Participant,
    learners: Sequence[Participant],
    others: Sequence[Participant],
    limit: int,
) -> list[TeachingMatch]:
    categories = fallback_categories(ctx, teacher, others)
    goals = [(learner, goal) for learner in learners for goal in learner.learning_goals]
    out = []
    for category in categories:
        learner, goal, score = (learners[0] if learners else None), None, 0.0
        if goals:
            sims = ctx.matcher.similarity([category.match_text], [goal_phrase(g) for _, g in goals])
            j = int(np.argmax(sims[0]))
            score = float(sims[0, j])
            if score >= GOAL_MATCH_FLOOR:
                learner, goal = goals[j]
        out.append(
            TeachingMatch(
                teacher=teacher.id,
                learner=learner.id if learner is not None else None,
                skill=category.label,
                goal=goal,
                score=round(score, 4),
                fallback=True,
                category=category.id,
                citations=category.citations,
            )
        )
    out.sort(key=lambda m: (-m.score, m.skill))
    return out[:limit]


def fallback_note(ctx: PlanContext, teacher: Participant) -> str:
    others = [p for p in ctx.members if p.id != teacher.id]
    side = "junior" if is_relatively_junior(teacher, others) else "senior"
    brings = (
        "digital tools, current customer views and fresh perspectives"
        if side == "junior"
        else "how the organisation works, networks and judgement from experience"
    )
    return (
        f"{teacher.first_name} listed no skills to teach yet; the guidance notes that "
        f"{'more junior' if side == 'junior' else 'more senior'} colleagues typically bring "
        f"{brings}, so the topic starts there."
    )
