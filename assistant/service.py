"""The planning service: one object the CLI, the API and the evals share.

It builds the plan context for a relationship, runs the engine, checks the result with the
validators and, when a non-grounded engine's result fails, falls back to the grounded
engine with the reason recorded in the result's notes.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from assistant.answer import Answer, answer_question
from assistant.config import Settings
from assistant.engine import (
    AgendaRequest,
    Engine,
    GroundedEngine,
    QuestionsRequest,
    SummaryRequest,
    TopicsRequest,
    build_engine,
)
from assistant.errors import EmptyIndexError, EngineError, InputError
from assistant.guidance import load_question_bank, load_topic_catalog
from assistant.knowledge.retrieval import HybridRetriever, build_retriever
from assistant.limits import MAX_QUESTION_CHARS, check_notes
from assistant.models import Agenda, CheckinSummary, PreviousCheckin, QuestionSet, TopicSet
from assistant.planners.common import GuidanceLookup, PlanContext, SemanticMatcher
from assistant.program import Program
from assistant.rotation import RotationLedger
from assistant.safety import sanitize
from assistant.validation import check_agenda, check_questions, check_summary, check_topics

R = TypeVar("R", bound=BaseModel)


def load_previous(path: str | Path) -> PreviousCheckin:
    """A previous check-in from a summary JSON file (the output of `comentor summarize`)."""
    file = Path(path)
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"Previous summary not found: {file}") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"{file} is not a readable summary JSON file: {exc}") from None
    return parse_previous(data, source=str(file))


def parse_previous(data: Any, *, source: str = "previous") -> PreviousCheckin:
    try:
        return PreviousCheckin.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise InputError(f"{source}: not a check-in summary ({where}: {first['msg']})") from None


class Comentor:
    """Agendas, reciprocal questions, reverse-mentoring topics and check-in summaries."""

    def __init__(
        self,
        settings: Settings,
        *,
        retriever: HybridRetriever | None = None,
        engine: Engine | str = "grounded",
    ) -> None:
        self.settings = settings
        self.retriever = retriever or build_retriever(settings)
        self.guidance = GuidanceLookup(self.retriever)
        self.matcher = SemanticMatcher(self.retriever.store.embedder)
        self.engine = build_engine(engine) if isinstance(engine, str) else engine
        self.grounded = GroundedEngine()
        self.rotation = RotationLedger(settings.data_dir / "rotation.json")

    # -- context ---------------------------------------------------------------------------

    def context(self, program: Program, relationship_id: str) -> PlanContext:
        relationship = program.relationship(relationship_id)
        if len(self.retriever.lexical()) == 0:
            raise EmptyIndexError("The knowledge index is empty, so there is nothing to cite.")
        bank = load_question_bank(self.settings.knowledge_dir)
        catalog = load_topic_catalog(self.settings.knowledge_dir)
        self.matcher.pin(
            [c.match_text for c in bank.categories] + [t.match_text for t in catalog.topics]
        )
        return PlanContext(
            program=program,
            relationship=relationship,
            guidance=self.guidance,
            matcher=self.matcher,
            bank=bank,
            catalog=catalog,
        )

    def _run(
        self,
        ctx: PlanContext,
        produce: Callable[[Engine], R],
        check: Callable[[R, PlanContext], list[str]],
    ) -> R:
        result = sanitize(produce(self.engine))
        problems = check(result, ctx)
        if not problems:
            return result
        if isinstance(self.engine, GroundedEngine):
            raise EngineError(
                "The grounded engine produced an invalid result: " + "; ".join(problems[:5])
            )
        fallback = sanitize(produce(self.grounded))
        notes = list(getattr(fallback, "notes", []))
        notes.append(
            f"The {self.engine.name} engine's result failed validation ("
            + "; ".join(problems[:3])
            + "); this is the grounded result instead."
        )
        update: dict[str, Any] = {"engine": f"grounded (fallback from {self.engine.name})"}
        if "notes" in type(fallback).model_fields:
            update["notes"] = notes
        return fallback.model_copy(update=update)

    # -- the jobs ---------------------------------------------------------------------------

    def ask(self, question: str, *, k: int | None = None) -> Answer:
        """A grounded, extractive answer from the guidance (declines what it does not cover)."""
        question = question.strip()
        if not question:
            raise InputError("The question is empty.")
        if len(question) > MAX_QUESTION_CHARS:
            raise InputError(
                f"The question is {len(question)} characters; the limit is {MAX_QUESTION_CHARS}."
            )
        if len(self.retriever.lexical()) == 0:
            raise EmptyIndexError()
        return answer_question(
            question,
            self.retriever,
            k=k or self.settings.top_k,
            min_relevance=self.settings.min_relevance,
            embed=self.matcher.embed,
        )

    def agenda(
        self,
        program: Program,
        relationship_id: str,
        *,
        minutes: int = 45,
        focus: str | None = None,
        previous: PreviousCheckin | None = None,
        record_rotation: bool = True,
        first_teacher: tuple[str, str] | None = None,
        rotation: Any = None,
    ) -> Agenda:
        """``first_teacher`` is (participant id, reason) for who teaches first; ``rotation``
        replaces the data directory's rotation ledger (the service passes its database's)."""
        ledger = rotation if rotation is not None else self.rotation
        ctx = self.context(program, relationship_id)
        request = AgendaRequest(
            minutes=minutes,
            focus=focus,
            previous=previous,
            history=tuple(tuple(s) for s in ledger.history(relationship_id)),
            first_teacher=first_teacher[0] if first_teacher else None,
            first_teacher_reason=first_teacher[1] if first_teacher else None,
        )
        agenda = self._run(ctx, lambda e: e.agenda(ctx, request), check_agenda)
        if record_rotation and agenda.rotation is not None:
            ledger.record(relationship_id, agenda.rotation.teaching_now)
        return agenda

    def questions(
        self,
        program: Program,
        relationship_id: str,
        *,
        per_person: int | None = None,
        focus: str | None = None,
    ) -> QuestionSet:
        if per_person is not None and not 1 <= per_person <= 10:
            raise InputError(f"--per-person must be between 1 and 10; got {per_person}.")
        ctx = self.context(program, relationship_id)
        request = QuestionsRequest(per_person=per_person, focus=focus)
        return self._run(ctx, lambda e: e.questions(ctx, request), check_questions)

    def topics(self, program: Program, relationship_id: str, *, limit: int = 5) -> TopicSet:
        if not 1 <= limit <= 20:
            raise InputError(f"--limit must be between 1 and 20; got {limit}.")
        ctx = self.context(program, relationship_id)
        request = TopicsRequest(limit=limit)
        return self._run(ctx, lambda e: e.topics(ctx, request), check_topics)

    def summarize(
        self,
        program: Program,
        relationship_id: str,
        notes: str,
        *,
        date: dt.date | None = None,
        previous: PreviousCheckin | None = None,
    ) -> CheckinSummary:
        check_notes(notes)
        ctx = self.context(program, relationship_id)
        request = SummaryRequest(notes=notes, date=date or dt.date.today(), previous=previous)
        return self._run(ctx, lambda e: e.summarize(ctx, request), check_summary)
