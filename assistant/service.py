"""The planning service: one object the CLI, the API and the evals share.

It builds the plan context for a relationship, runs the engine, checks the result with the
validators and, when a non-grounded engine's result fails, falls back to the grounded
engine with the reason recorded in the result's notes.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
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
from assistant.errors import EmptyIndexError, EngineError, InputError, LLMError
from assistant.guidance import load_question_bank, load_topic_catalog
from assistant.knowledge.retrieval import HybridRetriever, build_retriever
from assistant.limits import (
    MAX_NOTES_BYTES,
    MAX_QUESTION_CHARS,
    check_date,
    check_focus,
    check_notes,
    tidy_notes,
)
from assistant.models import Agenda, CheckinSummary, PreviousCheckin, QuestionSet, TopicSet
from assistant.planners.agenda import default_minutes
from assistant.planners.common import GuidanceLookup, PlanContext, SemanticMatcher
from assistant.program import Program
from assistant.rotation import RotationLedger
from assistant.safety import clean_data, clean_text, sanitize
from assistant.validation import check_agenda, check_questions, check_summary, check_topics

R = TypeVar("R", bound=BaseModel)
log = logging.getLogger("comentor.engine")


MAX_PREVIOUS_BYTES = MAX_NOTES_BYTES  # a summary is far smaller than the notes it came from
_SUMMARY_KEYS = ("relationship_id", "date", "action_items")


def load_previous(path: str | Path, *, relationship_id: str | None = None) -> PreviousCheckin:
    """A previous check-in from a summary JSON file (the output of `comentor summarize
    --json`). With ``relationship_id``, a summary of another relationship is an error."""
    file = Path(path)
    try:
        if file.is_dir():
            raise InputError(f"{file} is a folder, not a summary JSON file.")
        with file.open("rb") as handle:
            raw = handle.read(MAX_PREVIOUS_BYTES + 1)
        if len(raw) > MAX_PREVIOUS_BYTES:
            raise InputError(f"{file} is over {MAX_PREVIOUS_BYTES:,} bytes; not a summary.")
        data = json.loads(raw.decode("utf-8-sig"))
    except FileNotFoundError:
        raise InputError(f"Previous summary not found: {file}") from None
    except (OSError, UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise InputError(f"{file} is not a readable summary JSON file: {exc}") from None
    return parse_previous(data, source=str(file), relationship_id=relationship_id)


def parse_previous(
    data: Any, *, source: str = "previous", relationship_id: str | None = None
) -> PreviousCheckin:
    """A summary (from `comentor summarize --json`) as the planners' previous check-in.

    It must be a summary: an object with ``relationship_id``, ``date`` and ``action_items``,
    of ``relationship_id`` when one is given. Its text is untrusted (a file anyone could
    have edited), so every string goes through the output cleaner first.
    """
    if not isinstance(data, dict):
        raise InputError(f"{source}: not a check-in summary (expected a JSON object).")
    missing = [key for key in _SUMMARY_KEYS if key not in data]
    if missing:
        raise InputError(
            f"{source}: not a check-in summary (missing {', '.join(missing)}).",
            hint="Pass the JSON that `comentor summarize --json` printed for this pair.",
        )
    try:
        previous = PreviousCheckin.model_validate(clean_data(data))
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise InputError(f"{source}: not a check-in summary ({where}: {first['msg']})") from None
    if relationship_id is not None:
        _check_same_relationship(previous, relationship_id, source)
    return previous


def _check_same_relationship(previous: PreviousCheckin, relationship_id: str, source: str) -> None:
    if previous.relationship_id is not None and previous.relationship_id != relationship_id:
        raise InputError(
            f"{source} is a summary of {previous.relationship_id!r}, not of {relationship_id!r}.",
            hint="Pass the previous summary of the same pair or group.",
        )


class Comentor:
    """Agendas, reciprocal questions, reverse-mentoring topics and check-in summaries."""

    def __init__(
        self,
        settings: Settings,
        *,
        retriever: HybridRetriever | None = None,
        engine: Engine | str | None = None,
    ) -> None:
        """``engine``: an engine or its spec; ``settings.llm`` (``COMENTOR_LLM``) when None."""
        self.settings = settings
        self.retriever = retriever or build_retriever(settings)
        self.guidance = GuidanceLookup(self.retriever)
        self.matcher = SemanticMatcher(self.retriever.store.embedder)
        spec = settings.llm if engine is None else engine
        self.engine = build_engine(spec, settings) if isinstance(spec, str) else spec
        self.grounded = GroundedEngine()
        # Group rotations: the records database, under the program files' id "" (see
        # assistant.rotation); opened only when a group's agenda needs it.
        self.rotation = RotationLedger(settings)

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
        failed = "failed validation"
        try:
            result = sanitize(produce(self.engine))
            problems = check(result, ctx)
        except LLMError as exc:  # failed, late, refused or unparsable: never the user's problem
            failed, problems = "failed", [exc.message]
        if not problems:
            return result
        if isinstance(self.engine, GroundedEngine):
            raise EngineError(
                "The grounded engine produced an invalid result: " + "; ".join(problems[:5])
            )
        reason = "; ".join(problems[:3])
        log.warning(
            "%s engine %s (%s); using the grounded result", self.engine.name, failed, reason
        )
        fallback = sanitize(produce(self.grounded))
        notes = list(getattr(fallback, "notes", []))
        notes.append(
            f"The {self.engine.name} engine's result {failed} ({reason}); "
            "this is the grounded result instead."
        )
        update: dict[str, Any] = {
            "engine": f"grounded (fallback from {self.engine.name})",
            "fallback_reason": reason,
        }
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
        grounded = answer_question(
            question,
            self.retriever,
            k=k or self.settings.top_k,
            min_relevance=self.settings.min_relevance,
            embed=self.matcher.embed,
        )
        if isinstance(self.engine, GroundedEngine) or grounded.declined:
            return grounded
        from assistant.llm.engine import answer_with

        passages = self.retriever.search(question, k or self.settings.top_k)
        return answer_with(self.engine, question, passages, grounded)

    def agenda(
        self,
        program: Program,
        relationship_id: str,
        *,
        minutes: int | None = None,
        focus: str | None = None,
        previous: PreviousCheckin | None = None,
        record_rotation: bool = True,
        first_teacher: tuple[str, str] | None = None,
        rotation: Any = None,
    ) -> Agenda:
        """``minutes`` defaults to the mode's usual length (20 for flash, else 45).
        ``first_teacher`` is (participant id, reason) for who teaches first; ``rotation``
        replaces :attr:`rotation`, the ledger of program files (the service passes one for
        its stored program).

        A group's teachers are picked and recorded under the ledger's lock (its ``reserve``),
        so two agendas planned at once never pick the same teachers."""
        ledger = rotation if rotation is not None else self.rotation
        ctx = self.context(program, relationship_id)
        if previous is not None:
            _check_same_relationship(previous, relationship_id, "the previous summary")
        if minutes is None:
            minutes = default_minutes(ctx.mode)
        focus = clean_text(check_focus(focus) or "") or None

        def plan(history: list[list[str]]) -> Agenda:
            request = AgendaRequest(
                minutes=minutes,
                focus=focus,
                previous=previous,
                history=tuple(tuple(s) for s in history),
                first_teacher=first_teacher[0] if first_teacher else None,
                first_teacher_reason=first_teacher[1] if first_teacher else None,
            )
            return self._run(ctx, lambda e: e.agenda(ctx, request), check_agenda)

        if record_rotation and ctx.relationship.is_group and hasattr(ledger, "reserve"):

            def choose(history: list[list[str]]) -> tuple[list[str] | None, Agenda]:
                agenda = plan(history)
                picked = agenda.rotation.teaching_now if agenda.rotation is not None else None
                return picked, agenda

            reserved: Agenda = ledger.reserve(relationship_id, choose)
            return reserved
        # Only groups rotate: a pair's agenda never touches the ledger.
        agenda = plan(ledger.history(relationship_id) if ctx.relationship.is_group else [])
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
        focus = clean_text(check_focus(focus) or "") or None
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
        notes = tidy_notes(notes)
        when = check_date(date) if date is not None else dt.date.today()
        ctx = self.context(program, relationship_id)
        if previous is not None:
            _check_same_relationship(previous, relationship_id, "the previous summary")
        request = SummaryRequest(notes=notes, date=when, previous=previous)
        return self._run(ctx, lambda e: e.summarize(ctx, request), check_summary)
