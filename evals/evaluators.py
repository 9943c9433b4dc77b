"""Evaluators that need no LLM. Each takes a case and what the system returned and says
what is wrong (a list of failures) or scores it (a number).

Tokenisation here is deliberately independent of the system's own (no BM25 stemmer, no
embedding model): an evaluator that reused the system's machinery would grade it on its
own terms.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from typing import Any

from assistant.models import TEACHING_KINDS, Agenda, ItemKind, QuestionSet, TopicSet
from evals.cases import PlanCase

_STOP = frozenset(
    """a an the and or but if then so than that this these those it its i me my we us our you
    your he him his she her they them their who what when where why how is are was were be been
    being am do does did have has had will would should can could may might must to of in on at
    by for with about from into over up down out off as not no just also only very all any both
    each every some such one other next last before after while there here get make thing way
    guidance""".split()
)


def words(text: str) -> list[str]:
    """Content words, lower-cased and lightly stemmed."""
    folded = unicodedata.normalize("NFKD", text.lower())
    out = []
    for word in re.findall(r"[a-z][a-z'-]{2,}", folded):
        word = word.strip("'-")
        if word in _STOP or len(word) < 3:
            continue
        for suffix in ("ing", "ers", "ies", "ed", "es", "er", "ly", "s"):
            if word.endswith(suffix) and len(word) - len(suffix) >= 4:
                word = word[: -len(suffix)]
                break
        out.append(word)
    return out


def support(claim: str, passage: str) -> float:
    """Share of the claim's content words that the cited passage contains."""
    claim_words = set(words(claim))
    if not claim_words:
        return 1.0
    return len(claim_words & set(words(passage))) / len(claim_words)


def mentions(text: str, fact: Sequence[str]) -> bool:
    lowered = text.lower()
    return any(alt.lower() in lowered for alt in fact)


# -- planners -------------------------------------------------------------------------------


def agenda_failures(agenda: Agenda, members: set[str]) -> tuple[list[str], list[str]]:
    """(timing failures, reciprocity failures) that hold for every agenda."""
    timing, reciprocity = [], []
    total = sum(i.minutes for i in agenda.items)
    if total != agenda.total_minutes:
        timing.append(f"items add up to {total} minutes, not {agenda.total_minutes}")
    if any(i.minutes < 1 for i in agenda.items):
        timing.append("an item has no time")
    teachers = {p for i in agenda.items if i.kind in TEACHING_KINDS for p in i.led_by}
    expected = set(agenda.rotation.teaching_now) if agenda.rotation else members
    if teachers != expected:
        reciprocity.append(f"teaching led by {sorted(teachers)}, expected {sorted(expected)}")
    if agenda.rotation and set(agenda.rotation.teaching_now) | set(agenda.rotation.waiting) != (
        members
    ):
        reciprocity.append("the rotation leaves someone out")
    kinds = {i.kind for i in agenda.items}
    for needed in (
        ItemKind.RECIPROCAL_QUESTIONS,
        ItemKind.ACTION_PLANNING,
        ItemKind.RELATIONSHIP_CHECK,
    ):
        if needed not in kinds:
            reciprocity.append(f"no {needed.value} segment")
    return timing, reciprocity


def questions_reciprocity(result: QuestionSet, members: set[str]) -> list[str]:
    need = 2 if len(members) == 2 else 1
    problems = []
    for pid in sorted(members):
        n = sum(q.answerer == pid for q in result.questions)
        if n < need:
            problems.append(f"{pid} answers {n} question(s), needs {need}")
    texts = [q.text.lower() for q in result.questions]
    if len(set(texts)) != len(texts):
        problems.append("duplicate questions")
    return problems


def agenda_expectations(case: PlanCase, agenda: Agenda) -> list[str]:
    exp = case.expect
    problems = []
    teaching = [i for i in agenda.items if i.kind in TEACHING_KINDS]
    if exp.main_teacher:
        main = max(teaching, key=lambda i: i.minutes) if teaching else None
        if main is None or main.led_by != [exp.main_teacher]:
            got = main.led_by if main else None
            problems.append(f"main teaching block led by {got}, expected {exp.main_teacher}")
    teachers = {p for i in teaching for p in i.led_by}
    missing = set(exp.teachers_include) - teachers
    if missing:
        problems.append(f"expected {sorted(missing)} to lead a teaching segment")
    if exp.rotation is not None and (agenda.rotation is not None) != exp.rotation:
        problems.append(f"rotation expected: {exp.rotation}, got: {agenda.rotation is not None}")
    if exp.goal_review_mentions:
        review = " ".join(i.notes for i in agenda.items if i.kind == ItemKind.GOAL_REVIEW)
        for text in exp.goal_review_mentions:
            if text.lower() not in review.lower():
                problems.append(f"goal review does not mention {text!r}")
    problems += _cites(exp.cites_any_of, [c for i in agenda.items for c in i.citations])
    return problems


def questions_expectations(case: PlanCase, result: QuestionSet) -> list[str]:
    exp = case.expect
    problems = []
    for answerer, topics in exp.topics_for.items():
        got = {q.topic.lower() for q in result.questions if q.answerer == answerer}
        if not got & {t.lower() for t in topics}:
            problems.append(f"{answerer}'s topics {sorted(got)} include none of {topics}")
    for asker, goals in exp.goals_served.items():
        got = {(q.goal or "").lower() for q in result.questions if q.asker == asker}
        if not got & {g.lower() for g in goals}:
            problems.append(f"no question serves {asker}'s goals {goals}")
    for pid in exp.fallback_for:
        mine = [q for q in result.questions if q.answerer == pid]
        if not mine or not all(q.fallback for q in mine):
            problems.append(f"{pid}'s questions should use the fallback topics")
    problems += _cites(exp.cites_any_of, [c for q in result.questions for c in q.citations])
    return problems


def topics_expectations(case: PlanCase, result: TopicSet, topic_ids: dict[str, str]) -> list[str]:
    """``topic_ids`` maps catalog topic text to its id."""
    exp = case.expect
    problems = []
    if exp.mentor and result.mentor != exp.mentor:
        problems.append(f"mentor is {result.mentor}, expected {exp.mentor}")
    if exp.mentee and result.mentee != exp.mentee:
        problems.append(f"mentee is {result.mentee}, expected {exp.mentee}")
    if exp.top_topics_any_of:
        top = result.topics[:3]
        keys = {topic_ids.get(t.topic, t.topic).lower() for t in top}
        keys |= {t.topic.lower() for t in top} | {(t.skill or "").lower() for t in top}
        if not keys & {x.lower() for x in exp.top_topics_any_of}:
            problems.append(
                f"top topics {[t.topic for t in top]} include none of {exp.top_topics_any_of}"
            )
    problems += _cites(exp.cites_any_of, [c for t in result.topics for c in t.citations])
    return problems


def _cites(sources: Sequence[str], citations: Iterable[str]) -> list[str]:
    if not sources:
        return []
    cited = list(citations)
    if any(c.partition("#")[0] in sources or c in sources for c in cited):
        return []
    return [f"cites none of {list(sources)}"]


def contains_any(output: Any, needles: Iterable[str]) -> list[str]:
    """The needles that occur anywhere in a JSON-like output (case-insensitive)."""
    text = _flatten(output).lower()
    return [n for n in needles if n and n.lower() in text]


def _flatten(value: Any) -> str:
    if isinstance(value, dict):
        return " ".join(f"{k} {_flatten(v)}" for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return " ".join(_flatten(v) for v in value)
    return "" if value is None else str(value)
