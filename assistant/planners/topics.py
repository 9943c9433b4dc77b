"""Reverse-mentoring topics: what a mentor could learn from their (more junior) mentee.

Catalog topics are ranked by how well they connect the junior's skills with the senior's
learning goals, both compared by meaning. When the senior lists no goals, the catalog is
ranked by the junior's skills alone (and the result says so). A junior skill that serves a
senior goal but fits no catalog topic becomes a topic of its own. The pitfalls of reverse
mentoring (senior resistance, power dynamics, ...) always come with the topics.
"""

from __future__ import annotations

import numpy as np

from assistant.errors import InputError
from assistant.guidance import CatalogTopic
from assistant.models import Pitfall, TopicSet, TopicSuggestion
from assistant.planners.common import (
    PlanContext,
    fill,
    goal_phrase,
    guidance_note,
    junior_and_senior,
)
from assistant.planners.teaching import categorise, link_matrix

SKILL_FLOOR = 0.3  # below this a junior skill does not really support a topic
COVERED = 0.45  # a junior skill this close to a catalog topic is represented by it
OWN_SKILL = 0.5  # how surely a junior can teach a skill they list themselves
GENERAL_PITFALLS = 4


def plan_topics(ctx: PlanContext, *, limit: int = 5) -> TopicSet:
    if len(ctx.members) != 2:
        raise InputError(
            f"Reverse-mentoring topics are planned for a pair; {ctx.relationship.id!r} has "
            f"{len(ctx.members)} members. Use `comentor questions` for groups."
        )
    junior, senior = junior_and_senior(ctx)
    topics = list(ctx.catalog.topics)
    skills, goals = list(junior.skills), list(senior.learning_goals)
    goal_texts = [goal_phrase(g) for g in goals]
    topic_texts = [t.match_text for t in topics]
    notes: list[str] = []

    skill_sims = ctx.matcher.similarity(topic_texts, skills) if skills else None
    goal_sims = ctx.matcher.similarity(topic_texts, goal_texts) if goals else None
    if not goals:
        notes.append(
            f"{senior.first_name} listed no learning goals, so the catalog is ranked by "
            f"{junior.first_name}'s skills alone."
        )
    if not skills:
        notes.append(
            f"{junior.first_name} listed no skills yet, so topics are ranked by "
            f"{senior.first_name}'s goals and what junior colleagues typically bring."
        )

    suggestions: list[TopicSuggestion] = []
    for i, topic in enumerate(topics):
        skill, s_score = _best(skill_sims, i, skills)
        goal, g_score = _best(goal_sims, i, goals)
        if skills and goals:
            # A topic is best when it links a skill AND a goal: the weaker side counts most.
            score = 0.6 * min(s_score, g_score) + 0.2 * (s_score + g_score)
        elif skills:
            score = s_score
        elif goals:
            score = 0.8 * g_score
        else:
            score = 0.0
        suggestions.append(
            TopicSuggestion(
                topic=topic.topic,
                taught_by=junior.id,
                learner=senior.id,
                why=_why(junior.first_name, senior.first_name, skill, s_score, goal, g_score),
                skill=skill if s_score >= SKILL_FLOOR else None,
                goal=goal if g_score >= SKILL_FLOOR else None,
                score=round(score, 4),
                starter_questions=list(topic.starter_questions),
                pitfalls=list(topic.pitfalls),
                citations=list(topic.citations),
            )
        )
    suggestions.extend(
        _skill_topics(ctx, junior.id, senior.id, skills, goals, goal_texts, skill_sims)
    )
    suggestions.sort(key=lambda s: (-s.score, s.topic))
    chosen = [
        s.model_copy(update={"guidance": guidance_note(ctx, s.citations, _query(s, topics))})
        for s in _without_near_duplicates(ctx, suggestions, limit)
    ]
    pitfalls = [
        Pitfall(id=p.id, title=p.title, text=p.text, citations=list(p.citations))
        for p in ctx.catalog.pitfalls[:GENERAL_PITFALLS]
    ]
    cited = [c for s in chosen for c in s.citations] + [c for p in pitfalls for c in p.citations]
    return TopicSet(
        relationship_id=ctx.relationship.id,
        mode=ctx.mode,
        mentor=senior.id,
        mentee=junior.id,
        topics=chosen,
        pitfalls=pitfalls,
        notes=notes,
        citations=ctx.guidance.citation_refs(list(dict.fromkeys(cited))),
    )


def _query(suggestion: TopicSuggestion, topics: list[CatalogTopic]) -> str:
    for topic in topics:
        if topic.topic == suggestion.topic:
            return topic.match_text
    return f"{suggestion.topic} {suggestion.skill or ''}"


def _best(sims: np.ndarray | None, row: int, labels: list[str]) -> tuple[str | None, float]:
    if sims is None or not labels:
        return None, 0.0
    j = int(np.argmax(sims[row]))
    return labels[j], float(sims[row, j])


def _why(
    junior: str, senior: str, skill: str | None, s_score: float, goal: str | None, g_score: float
) -> str:
    has_skill = skill is not None and s_score >= SKILL_FLOOR
    has_goal = goal is not None and g_score >= SKILL_FLOOR
    if has_skill and has_goal:
        return f'{junior} lists "{skill}", which speaks to {senior}\'s goal "{goal}".'
    if has_skill:
        extra = f" It is further from {senior}'s stated goals." if goal else ""
        return f'{junior} lists "{skill}", a natural thing to teach here.{extra}'
    if has_goal:
        return (
            f'It serves {senior}\'s goal "{goal}"; it is something junior colleagues '
            f"often know well, though {junior} did not list it as a skill."
        )
    return (
        f"A topic junior colleagues often teach; neither {junior}'s skills nor "
        f"{senior}'s goals point at it directly."
    )


def _skill_topics(
    ctx: PlanContext,
    junior: str,
    senior: str,
    skills: list[str],
    goals: list[str],
    goal_texts: list[str],
    skill_sims: np.ndarray | None,
) -> list[TopicSuggestion]:
    """The junior's own skills that no catalog topic covers, as topics of their own.

    A junior who teaches Spanish translation or shift scheduling should be offered those,
    not only the catalog's usual digital themes. Starter questions come from the question
    bank's category for the skill.
    """
    if not skills:
        return []
    links = link_matrix(ctx, skills, goal_texts) if goals else None
    covered = skill_sims.max(axis=0) if skill_sims is not None else np.zeros(len(skills))
    categories = categorise(ctx, skills)
    junior_name, senior_name = ctx.person(junior).first_name, ctx.person(senior).first_name
    out = []
    for i, skill in enumerate(skills):
        if covered[i] >= COVERED:
            continue  # a catalog topic already says it better
        goal, link = None, 0.0
        if links is not None:
            j = int(np.argmax(links[i]))
            goal, link = goals[j], float(links[i, j])
        category = categories[i]
        use_goal = goal is not None and link >= SKILL_FLOOR
        starters = [
            fill(q.text, skill=skill, goal=goal_phrase(goal) if goal else "")
            for q in ctx.bank.questions
            if q.category == category.id
            and q.direction in ("junior-teaches", "any")
            and q.fits("reverse")
            and (use_goal or "{goal}" not in q.text)
        ][:3]
        if not starters:
            continue
        cites = list(
            dict.fromkeys(
                c for q in ctx.bank.questions if q.category == category.id for c in q.citations
            )
        )[:2]
        if goals:
            score = 0.6 * min(OWN_SKILL, link) + 0.2 * (OWN_SKILL + link)
        else:
            score = OWN_SKILL - 0.01 * i  # listed order: people list their strongest first
        out.append(
            TopicSuggestion(
                topic=skill[0].upper() + skill[1:],
                taught_by=junior,
                learner=senior,
                why=_why(junior_name, senior_name, skill, 1.0, goal, link),
                skill=skill,
                goal=goal if use_goal else None,
                score=round(score, 4),
                starter_questions=starters,
                citations=cites or list(category.citations),
            )
        )
    return out


def _without_near_duplicates(
    ctx: PlanContext, ranked: list[TopicSuggestion], limit: int
) -> list[TopicSuggestion]:
    chosen: list[TopicSuggestion] = []
    for suggestion in ranked:
        if len(chosen) >= limit:
            break
        # A skill already carried by a higher-ranked topic is not offered twice.
        if suggestion.skill and any(c.skill == suggestion.skill for c in chosen):
            continue
        if chosen:
            sims = ctx.matcher.similarity([suggestion.topic], [c.topic for c in chosen])
            if float(sims.max()) > 0.8:
                continue
        chosen.append(suggestion)
    return chosen
