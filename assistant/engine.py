"""The engine seam: every planner goes through one interface and returns typed results.

``grounded`` is the default engine: deterministic, offline, built on the knowledge index.
LLM engines (:mod:`assistant.llm`) implement the same :class:`Engine` protocol and are
checked by the same validators (:mod:`assistant.validation`); a result that fails validation,
or an LLM call that fails, is replaced by the grounded one, with the reason recorded.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from assistant.models import Agenda, CheckinSummary, PreviousCheckin, QuestionSet, TopicSet
from assistant.planners.common import PlanContext

if TYPE_CHECKING:
    from assistant.config import Settings


@dataclass(frozen=True)
class AgendaRequest:
    minutes: int = 45
    focus: str | None = None
    previous: PreviousCheckin | None = None
    history: Sequence[Sequence[str]] = field(default_factory=tuple)
    # Who should lead the first teaching block, and why (from the reciprocity ledger).
    first_teacher: str | None = None
    first_teacher_reason: str | None = None


@dataclass(frozen=True)
class QuestionsRequest:
    per_person: int | None = None
    focus: str | None = None


@dataclass(frozen=True)
class TopicsRequest:
    limit: int = 5


@dataclass(frozen=True)
class SummaryRequest:
    notes: str
    date: dt.date
    previous: PreviousCheckin | None = None


class Engine(Protocol):
    """What an engine implements. Each method returns a typed result for one relationship."""

    name: str

    def agenda(self, ctx: PlanContext, request: AgendaRequest) -> Agenda: ...

    def questions(self, ctx: PlanContext, request: QuestionsRequest) -> QuestionSet: ...

    def topics(self, ctx: PlanContext, request: TopicsRequest) -> TopicSet: ...

    def summarize(self, ctx: PlanContext, request: SummaryRequest) -> CheckinSummary: ...


class GroundedEngine:
    """Deterministic planners built on the guidance index; no LLM, no network."""

    name = "grounded"

    def agenda(self, ctx: PlanContext, request: AgendaRequest) -> Agenda:
        from assistant.planners.agenda import plan_agenda

        return plan_agenda(
            ctx,
            minutes=request.minutes,
            focus=request.focus,
            previous=request.previous,
            history=request.history,
            first_teacher=request.first_teacher,
            first_teacher_reason=request.first_teacher_reason,
        )

    def questions(self, ctx: PlanContext, request: QuestionsRequest) -> QuestionSet:
        from assistant.planners.questions import plan_questions

        return plan_questions(ctx, per_person=request.per_person, focus=request.focus)

    def topics(self, ctx: PlanContext, request: TopicsRequest) -> TopicSet:
        from assistant.planners.topics import plan_topics

        return plan_topics(ctx, limit=request.limit)

    def summarize(self, ctx: PlanContext, request: SummaryRequest) -> CheckinSummary:
        from assistant.summary import summarize_checkin

        summary = summarize_checkin(
            request.notes,
            program=ctx.program,
            relationship=ctx.relationship,
            date=request.date,
            previous=request.previous,
            embed=ctx.matcher.embed,
        )
        cited = [c for flag in summary.flags for c in flag.citations]
        return summary.model_copy(
            update={"citations": ctx.guidance.citation_refs(list(dict.fromkeys(cited)))}
        )


def build_engine(spec: str = "grounded", settings: Settings | None = None) -> Engine:
    """An engine from its spec string: ``grounded``, ``fake[:MODE]``, ``openai:MODEL`` or
    ``local[:PATH]`` (see :mod:`assistant.llm.backends`). An unknown spec is an
    ``EngineError`` listing the valid ones; LLM engines take their timeout, retries and
    circuit breaker from ``settings``."""
    from assistant.llm.backends import parse_spec

    parsed = parse_spec(spec)
    if parsed.kind == "grounded":
        return GroundedEngine()
    from assistant.config import Settings
    from assistant.llm.engine import LLMEngine

    return LLMEngine.from_settings(parsed, settings or Settings())
