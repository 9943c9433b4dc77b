"""The workspace: Comentor's jobs as stored resources, for the service (and later MCP).

Where :class:`assistant.service.Comentor` plans from what it is handed, the workspace
remembers: programs are stored, every agenda/questions/topics result and every check-in is
kept, and the next agenda uses the stored history without being told — the latest
summary's open action items (as the ``previous`` check-in) and the reciprocity ledger (the
member who taught less gets the first teaching block, with a note saying why). Group
rotations are picked and recorded in one database transaction.

Check-ins never lose what was submitted: the notes are committed before summarizing starts,
and a summary that fails (or a process that dies) leaves the check-in ``failed`` (with the
reason) or ``pending``; :meth:`Workspace.retry_checkin` runs the summary again.

Access control is not here: callers check :func:`assistant.records.access.authorize`
first. The few methods that take a ``user`` use it to scope listings.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from assistant.config import Settings
from assistant.errors import ComentorError, InputError, NotFoundError, PermissionDenied
from assistant.limits import check_notes
from assistant.models import FlagCode, PreviousCheckin
from assistant.program import Program, Relationship, parse_program
from assistant.records import Records
from assistant.records.ledger import first_teacher_reason, ledger_view
from assistant.records.programs import check_program_id
from assistant.records.schemas import (
    AgendaRecord,
    CheckinStatus,
    CheckinView,
    LedgerView,
    ProgramHealth,
    QuestionsRecord,
    RelationshipView,
    Role,
    SummaryPage,
    TopicsRecord,
    User,
)

if TYPE_CHECKING:
    from assistant.service import Comentor

log = logging.getLogger(__name__)

DEFAULT_MINUTES = 45
DEFAULT_FLASH_MINUTES = 20


class _ReservedRotation:
    """The rotation ledger interface over a history already read (and locked) by
    ``Records.reserve_rotation``: a pick is collected here and recorded by that
    transaction."""

    def __init__(self, history: list[list[str]]) -> None:
        self._history = history
        self.picked: list[str] | None = None

    def history(self, relationship_id: str) -> list[list[str]]:
        return [list(s) for s in self._history]

    def record(self, relationship_id: str, teachers: Sequence[str]) -> None:
        self.picked = list(teachers)


class Workspace:
    """Programs, relationships, jobs, check-ins and staff views, backed by :class:`Records`.

    ``Workspace(settings)`` migrates the database (idempotent) and builds the planning
    service on first use; pass ``comentor`` and/or ``records`` to share existing ones.
    """

    def __init__(
        self,
        settings: Settings,
        *,
        comentor: Comentor | None = None,
        records: Records | None = None,
        upgrade: bool = True,
    ) -> None:
        self.settings = settings
        self.records = records or Records(settings)
        if upgrade:
            self.records.upgrade()
        self._comentor = comentor
        self._lock = threading.Lock()
        self._programs: dict[str, tuple[Any, Program]] = {}

    @property
    def comentor(self) -> Comentor:
        """The planning service (built on first use: it loads the embedder and the index)."""
        if self._comentor is None:
            with self._lock:
                if self._comentor is None:
                    from assistant.service import Comentor

                    self._comentor = Comentor(self.settings)
        return self._comentor

    # -- programs -----------------------------------------------------------------------------

    def put_program(self, program_id: str, document: Any) -> tuple[Program, bool]:
        """Validate a program document as the CLI validates files, and store it.

        Returns the program and whether it was created (False: replaced).
        """
        check_program_id(program_id)
        program = parse_program(document, source=f"program {program_id!r}")
        created = self.records.put_program(program_id, program)
        with self._lock:
            self._programs.pop(program_id, None)
        return program, created

    def get_program(self, program_id: str) -> Program:
        """The stored program; NotFoundError(code="unknown_program") if there is none."""
        version = self.records.program_version(program_id)
        if version is None:
            raise NotFoundError(
                f"No program with id {program_id!r}.",
                hint="An admin creates it with PUT /api/programs/{id} or "
                "`comentor programs import FILE --id ID`.",
                code="unknown_program",
            )
        with self._lock:
            cached = self._programs.get(program_id)
        if cached is not None and cached[0] == version:
            return cached[1]
        program = parse_program(self.records.program_document(program_id), source=program_id)
        with self._lock:
            self._programs[program_id] = (version, program)
        return program

    def relationship(self, program_id: str, relationship_id: str) -> tuple[Program, Relationship]:
        program = self.get_program(program_id)
        for rel in program.relationships:
            if rel.id == relationship_id:
                return program, rel
        raise NotFoundError(
            f"No relationship {relationship_id!r} in program {program_id!r}.",
            code="unknown_relationship",
        )

    def list_relationships(
        self, user: User, program_id: str | None = None
    ) -> list[RelationshipView]:
        """The relationships ``user`` may see: their own (mentees, mentors), their program's
        (staff) or all (admins), optionally of one program."""
        if user.role is Role.ADMIN:
            if program_id is not None:
                self.get_program(program_id)
            return self.records.relationships_of(program_id=program_id)
        if program_id is not None and program_id != user.program_id:
            raise NotFoundError(f"No program with id {program_id!r}.", code="unknown_program")
        if user.program_id is None:
            return []
        if user.role is Role.STAFF:
            return self.records.relationships_of(program_id=user.program_id)
        return self.records.relationships_of(
            program_id=user.program_id, participant_id=user.participant_id or ""
        )

    # -- jobs ---------------------------------------------------------------------------------

    def previous_checkin(self, program_id: str, relationship_id: str) -> PreviousCheckin | None:
        """The latest summary as the planners' ``previous`` check-in (its action items are
        the open ones the next goal review goes through)."""
        return self.records.agenda_history(program_id, relationship_id)[0]

    def agenda(
        self,
        program_id: str,
        relationship_id: str,
        *,
        minutes: int | None = None,
        focus: str | None = None,
        user: User | None = None,
    ) -> AgendaRecord:
        """Plan and store an agenda that follows up the stored history (see module doc)."""
        program, rel = self.relationship(program_id, relationship_id)
        if minutes is None:
            minutes = DEFAULT_FLASH_MINUTES if rel.mode.value == "flash" else DEFAULT_MINUTES
        previous, taught = self.records.agenda_history(program_id, relationship_id)
        first = first_teacher_reason(program, rel, taught)

        def plan(history: list[list[str]]) -> tuple[list[str] | None, Any]:
            reserved = _ReservedRotation(history)
            agenda = self.comentor.agenda(
                program,
                relationship_id,
                minutes=minutes,
                focus=focus,
                previous=previous,
                first_teacher=first,
                rotation=reserved,
            )
            return reserved.picked, agenda

        if rel.is_group:
            # Pick and record who teaches in one transaction (concurrent plans queue).
            agenda = self.records.reserve_rotation(program_id, relationship_id, plan)
        else:
            agenda = plan([])[1]
        ident, created = self._store(program_id, relationship_id, "agenda", agenda, user)
        return AgendaRecord(
            id=ident,
            program_id=program_id,
            relationship_id=relationship_id,
            created_at=created,
            agenda=agenda,
        )

    def questions(
        self,
        program_id: str,
        relationship_id: str,
        *,
        focus: str | None = None,
        user: User | None = None,
    ) -> QuestionsRecord:
        """Suggest and store reciprocal questions; ``focus`` (like the agenda's, at most
        500 characters) puts the questions about it first and is kept in the record."""
        program, _ = self.relationship(program_id, relationship_id)
        result = self.comentor.questions(program, relationship_id, focus=focus)
        ident, created = self._store(program_id, relationship_id, "questions", result, user)
        return QuestionsRecord(
            id=ident,
            program_id=program_id,
            relationship_id=relationship_id,
            created_at=created,
            questions=result,
        )

    def topics(
        self, program_id: str, relationship_id: str, *, user: User | None = None
    ) -> TopicsRecord:
        program, _ = self.relationship(program_id, relationship_id)
        result = self.comentor.topics(program, relationship_id)
        ident, created = self._store(program_id, relationship_id, "topics", result, user)
        return TopicsRecord(
            id=ident,
            program_id=program_id,
            relationship_id=relationship_id,
            created_at=created,
            topics=result,
        )

    def _store(
        self,
        program_id: str,
        relationship_id: str,
        kind: str,
        result: BaseModel,
        user: User | None,
    ) -> tuple[int, dt.datetime]:
        """Keep a job's result; its id and creation time."""
        return self.records.add_job_result(
            program_id,
            relationship_id,
            kind,
            result.model_dump(mode="json"),
            user_id=user.id if user else None,
        )

    # -- check-ins ----------------------------------------------------------------------------

    def submit_checkin(
        self,
        program_id: str,
        relationship_id: str,
        *,
        notes: str,
        date: dt.date | None = None,
        user: User | None = None,
    ) -> CheckinView:
        """Store the notes (committed first), then summarize; the returned view says how
        that went (``summarized``, or ``failed`` with the reason). Bad input (empty notes,
        over 1 MB, unknown relationship) raises before anything is stored."""
        program, _ = self.relationship(program_id, relationship_id)
        check_notes(notes)
        stored = self.records.create_checkin(
            program_id,
            relationship_id,
            notes=notes,
            date=date or dt.date.today(),
            user_id=user.id if user else None,
        )
        return self._summarize(program, stored)

    def retry_checkin(self, program_id: str, relationship_id: str, checkin_id: int) -> CheckinView:
        """Summarize a stored check-in again (after a failure or an interrupted attempt)."""
        program, _ = self.relationship(program_id, relationship_id)
        return self._summarize(program, self.get_checkin(program_id, relationship_id, checkin_id))

    def _summarize(self, program: Program, checkin: CheckinView) -> CheckinView:
        previous = self.records.previous_for(checkin)
        try:
            summary = self.comentor.summarize(
                program,
                checkin.relationship_id,
                checkin.notes,
                date=checkin.date,
                previous=previous,
            )
        except ComentorError as exc:
            return self.records.mark_checkin_failed(checkin.id, f"{exc.code}: {exc.message}")
        except Exception as exc:
            # A bug in summarizing must not lose the check-in: record it, keep the notes.
            log.exception("summarizing check-in %s failed", checkin.id)
            return self.records.mark_checkin_failed(
                checkin.id, f"internal_error: {type(exc).__name__}: {exc}"
            )
        return self.records.save_summary(checkin.id, summary)

    def get_checkin(self, program_id: str, relationship_id: str, checkin_id: int) -> CheckinView:
        """One check-in with its raw notes; 404 unknown_checkin unless it is in this
        relationship."""
        try:
            view = self.records.get_checkin(checkin_id)
        except NotFoundError:
            view = None
        if view is None or (view.program_id, view.relationship_id) != (
            program_id,
            relationship_id,
        ):
            raise NotFoundError(
                f"No check-in {checkin_id} in relationship {relationship_id!r}.",
                code="unknown_checkin",
            )
        return view

    def list_checkins(self, program_id: str, relationship_id: str) -> list[CheckinView]:
        self.relationship(program_id, relationship_id)
        return self.records.list_checkins(program_id, relationship_id)

    def ledger(self, program_id: str, relationship_id: str) -> LedgerView:
        """Who taught whom what (from the summaries' learned entries), with per-direction
        counts and who taught least."""
        program, rel = self.relationship(program_id, relationship_id)
        entries = self.records.ledger_entries(program_id, relationship_id)
        return ledger_view(program_id, program, rel, entries)

    # -- staff views --------------------------------------------------------------------------

    def summaries(
        self,
        *,
        program_id: str | None = None,
        relationship_id: str | None = None,
        flag: str | None = None,
        since: dt.date | None = None,
        until: dt.date | None = None,
        limit: int = 50,
        cursor: str | None = None,
        user: User,
    ) -> SummaryPage:
        """Summaries for staff (never notes), newest first, scoped to what ``user`` may see:
        staff their own program, admins any."""
        if user.role in (Role.MENTEE, Role.MENTOR):
            raise PermissionDenied(
                f"A {user.role.value} may not read the program's summaries.", code="forbidden"
            )
        if user.role is Role.STAFF:
            if program_id is not None and program_id != user.program_id:
                raise NotFoundError(f"No program with id {program_id!r}.", code="unknown_program")
            program_id = user.program_id
        if program_id is not None:
            self.get_program(program_id)
            if relationship_id is not None:
                self.relationship(program_id, relationship_id)
        if flag is not None and flag not in {f.value for f in FlagCode}:
            known = ", ".join(f.value for f in FlagCode)
            raise InputError(f"Unknown flag {flag!r}; use one of: {known}.", code="invalid_flag")
        return self.records.summaries_page(
            program_id=program_id,
            relationship_id=relationship_id,
            flag=flag,
            since=since,
            until=until,
            limit=limit,
            cursor=cursor,
        )

    def health(self, program_id: str, *, today: dt.date | None = None) -> ProgramHealth:
        """Per relationship: last check-in, stalled (after ``settings.stalled_days``),
        ledger balance, open action items and flags over time."""
        program = self.get_program(program_id)
        return self.records.program_health(
            program_id,
            program,
            today=today or dt.date.today(),
            stalled_days=self.settings.stalled_days,
        )

    def close(self) -> None:
        self.records.dispose()


__all__ = ["CheckinStatus", "Workspace"]
