"""Validators every engine's output must pass: citations resolve, participants are real,
everyone teaches, minutes add up. Each returns a list of problems (empty when valid)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable

from assistant.models import (
    TEACHING_KINDS,
    Agenda,
    CheckinSummary,
    ItemKind,
    QuestionSet,
    TopicSet,
)
from assistant.planners.common import PlanContext

Resolver = Callable[[list[str]], set[str]]


def _citation_problems(where: str, ids: Iterable[str], known: set[str]) -> list[str]:
    return [
        f"{where}: cites {cid!r}, which is not in the knowledge index"
        for cid in ids
        if cid not in known
    ]


def _known_citations(ctx: PlanContext, ids: Iterable[str]) -> set[str]:
    return set(ctx.guidance.resolve(list(dict.fromkeys(ids))))


def check_agenda(agenda: Agenda, ctx: PlanContext) -> list[str]:
    problems: list[str] = []
    members = {p.id for p in ctx.members}
    total = sum(item.minutes for item in agenda.items)
    if total != agenda.total_minutes:
        problems.append(f"item minutes add up to {total}, not {agenda.total_minutes}")
    kinds = Counter(item.kind for item in agenda.items)
    for needed in (
        ItemKind.GOAL_REVIEW,
        ItemKind.RECIPROCAL_QUESTIONS,
        ItemKind.ACTION_PLANNING,
        ItemKind.RELATIONSHIP_CHECK,
    ):
        if needed not in kinds and not (needed is ItemKind.GOAL_REVIEW and ctx.mode == "flash"):
            problems.append(f"no {needed.value} item")
    teachers = {pid for item in agenda.items if item.kind in TEACHING_KINDS for pid in item.led_by}
    expected = set(agenda.rotation.teaching_now) if agenda.rotation else members
    missing = expected - teachers
    if missing:
        problems.append(f"participants who lead no teaching segment: {sorted(missing)}")
    if agenda.rotation:
        covered = set(agenda.rotation.teaching_now) | set(agenda.rotation.waiting)
        if covered != members:
            problems.append("the rotation does not cover every member exactly")
    all_ids: list[str] = []
    for n, item in enumerate(agenda.items, start=1):
        for pid in [*item.led_by, *item.learners]:
            if pid not in members:
                problems.append(f"item {n} names {pid!r}, who is not in this relationship")
        if not item.led_by:
            problems.append(f"item {n} ({item.title}) has no leader")
        if not item.citations:
            problems.append(f"item {n} ({item.title}) cites nothing")
        all_ids.extend(item.citations)
    known = _known_citations(ctx, all_ids)
    problems += _citation_problems("agenda", all_ids, known)
    problems += _top_level(agenda.citations, all_ids)
    if ctx.mode == "reverse" and len(ctx.members) == 2:
        teaching = [i for i in agenda.items if i.kind in TEACHING_KINDS]
        main = max(teaching, key=lambda i: i.minutes) if teaching else None
        from assistant.planners.common import junior_and_senior

        junior, _ = junior_and_senior(ctx)
        if main is None or main.led_by != [junior.id]:
            problems.append("in reverse mentoring the junior must lead the main teaching block")
    return problems


def check_questions(result: QuestionSet, ctx: PlanContext) -> list[str]:
    problems: list[str] = []
    members = {p.id for p in ctx.members}
    answered = Counter(q.answerer for q in result.questions)
    need = 2 if len(members) == 2 else 1
    for pid in sorted(members):
        if answered[pid] < need:
            problems.append(f"{pid} answers {answered[pid]} question(s); at least {need} needed")
    texts = Counter(q.text.strip().lower() for q in result.questions)
    problems += [f"duplicate question: {t!r}" for t, n in texts.items() if n > 1]
    ids: list[str] = []
    for q in result.questions:
        if q.asker not in members or q.answerer not in members:
            problems.append(f"question names a non-member: {q.asker!r} → {q.answerer!r}")
        if q.asker == q.answerer:
            problems.append(f"{q.asker} asks themself: {q.text!r}")
        if "{" in q.text or "}" in q.text:
            problems.append(f"unfilled slot in {q.text!r}")
        if not q.citations:
            problems.append(f"question cites nothing: {q.text!r}")
        ids.extend(q.citations)
    problems += _citation_problems("questions", ids, _known_citations(ctx, ids))
    problems += _top_level(result.citations, ids)
    return problems


def check_topics(result: TopicSet, ctx: PlanContext) -> list[str]:
    problems: list[str] = []
    members = {p.id for p in ctx.members}
    if not result.topics:
        problems.append("no topics")
    ids: list[str] = []
    for t in result.topics:
        if t.taught_by not in members or t.learner not in members:
            problems.append(f"topic {t.topic!r} names a non-member")
        if not t.starter_questions:
            problems.append(f"topic {t.topic!r} has no starter questions")
        if not t.citations:
            problems.append(f"topic {t.topic!r} cites nothing")
        ids.extend(t.citations)
    scores = [t.score for t in result.topics]
    if scores != sorted(scores, reverse=True):
        problems.append("topics are not ranked by score")
    if not result.pitfalls:
        problems.append("no pitfalls")
    ids.extend(c for p in result.pitfalls for c in p.citations)
    problems += _citation_problems("topics", ids, _known_citations(ctx, ids))
    problems += _top_level(result.citations, ids)
    return problems


def check_summary(summary: CheckinSummary, ctx: PlanContext) -> list[str]:
    problems: list[str] = []
    members = {p.id for p in ctx.members}
    for item in summary.action_items:
        if item.owner is not None and item.owner not in members:
            problems.append(f"action item owner {item.owner!r} is not a participant")
    for entry in summary.learned:
        for pid in (entry.learner, entry.teacher):
            if pid is not None and pid not in members:
                problems.append(f"learned entry names {pid!r}, who is not a participant")
    for pid in summary.talk_share:
        if pid not in members:
            problems.append(f"talk share for non-participant {pid!r}")
    if summary.talk_share and abs(sum(summary.talk_share.values()) - 1.0) > 0.01:
        problems.append("talk shares do not sum to 1")
    ids = [c for f in summary.flags for c in f.citations]
    problems += _citation_problems("summary", ids, _known_citations(ctx, ids))
    problems += _top_level(summary.citations, ids)
    return problems


def _top_level(refs: Iterable[object], ids: Iterable[str]) -> list[str]:
    listed = {getattr(r, "id", None) for r in refs}
    missing = sorted(set(ids) - listed)
    return [f"citation {cid!r} is missing from the top-level citations list" for cid in missing]
