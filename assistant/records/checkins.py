"""Check-ins, their summaries, the reciprocity ledger and the stored job results.

A check-in's notes are committed on their own, before any summarizing starts; the summary,
its flags and its ledger entries are then written together in one transaction, so a
check-in is either pending/failed with its notes, or summarized with all three.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import and_, delete, func, insert, or_, select, update

from assistant.errors import NotFoundError
from assistant.models import CheckinSummary, PreviousCheckin
from assistant.records.db import Database
from assistant.records.orm import (
    CheckinRow,
    JobResultRow,
    LedgerRow,
    SummaryFlagRow,
    SummaryRow,
    utcnow,
)
from assistant.records.schemas import CheckinStatus, CheckinView, LedgerEntry

MAX_ERROR_CHARS = 2000


def _checkin_view(row: CheckinRow, summary: SummaryRow | None) -> CheckinView:
    return CheckinView(
        id=row.id,
        program_id=row.program_id,
        relationship_id=row.relationship_id,
        date=row.date,
        status=CheckinStatus(row.status),
        error=row.error,
        summary=CheckinSummary.model_validate(summary.payload) if summary is not None else None,
        notes=row.notes,
        created_at=row.created_at,
    )


class CheckinsMixin:
    """Check-ins, summaries, ledger and job results (part of :class:`Records`)."""

    db: Database

    # -- job results ------------------------------------------------------------------------

    def add_job_result(
        self,
        program_id: str,
        relationship_id: str,
        kind: str,
        payload: dict[str, Any],
        *,
        user_id: int | None = None,
    ) -> tuple[int, dt.datetime]:
        """Store what an agenda/questions/topics job produced; returns (id, created_at)."""
        now = utcnow()
        with self.db.connect(write=True) as connection:
            ident = connection.execute(
                insert(JobResultRow)
                .values(
                    program_id=program_id,
                    relationship_id=relationship_id,
                    kind=kind,
                    payload=payload,
                    user_id=user_id,
                    created_at=now,
                )
                .returning(JobResultRow.id)
            ).scalar_one()
        return int(ident), now

    def job_results(
        self, program_id: str, relationship_id: str, kind: str, *, limit: int = 20
    ) -> list[tuple[int, dt.datetime, dict[str, Any]]]:
        """The newest results of one kind for a relationship, newest first."""
        with self.db.read() as session:
            rows = session.scalars(
                select(JobResultRow)
                .where(
                    JobResultRow.program_id == program_id,
                    JobResultRow.relationship_id == relationship_id,
                    JobResultRow.kind == kind,
                )
                .order_by(JobResultRow.id.desc())
                .limit(limit)
            )
            return [(r.id, r.created_at, dict(r.payload)) for r in rows]

    # -- check-ins --------------------------------------------------------------------------

    def create_checkin(
        self,
        program_id: str,
        relationship_id: str,
        *,
        notes: str,
        date: dt.date,
        user_id: int | None = None,
    ) -> CheckinView:
        """Commit a check-in's raw notes with status ``pending``; nothing else happens here."""
        now = utcnow()
        with self.db.connect(write=True) as connection:
            ident = connection.execute(
                insert(CheckinRow)
                .values(
                    program_id=program_id,
                    relationship_id=relationship_id,
                    date=date,
                    notes=notes,
                    status=CheckinStatus.PENDING.value,
                    attempts=0,
                    user_id=user_id,
                    created_at=now,
                    updated_at=now,
                )
                .returning(CheckinRow.id)
            ).scalar_one()
        return CheckinView(
            id=int(ident),
            program_id=program_id,
            relationship_id=relationship_id,
            date=date,
            status=CheckinStatus.PENDING,
            notes=notes,
            created_at=now,
        )

    def save_summary(self, checkin_id: int, summary: CheckinSummary) -> CheckinView:
        """Store a check-in's summary, its flags and its ledger entries, in one transaction.

        A retry replaces what an earlier attempt stored. (Core statements: this runs for
        every check-in, and the ORM's unit of work would cost more than the writes.)
        """
        now = utcnow()
        with self.db.connect(write=True) as connection:
            row = connection.execute(
                select(CheckinRow.__table__).where(CheckinRow.id == checkin_id).with_for_update()
            ).first()
            if row is None:
                raise NotFoundError(f"No check-in with id {checkin_id}.", code="unknown_checkin")
            where = {"program_id": row.program_id, "relationship_id": row.relationship_id}
            if row.attempts:
                # Only an earlier attempt can have stored anything (summary and status are
                # written together); a first summary skips the two deletes.
                connection.execute(delete(SummaryRow).where(SummaryRow.checkin_id == checkin_id))
                connection.execute(delete(LedgerRow).where(LedgerRow.checkin_id == checkin_id))
            summary_id = connection.execute(
                insert(SummaryRow)
                .values(
                    checkin_id=checkin_id,
                    date=row.date,
                    payload=summary.model_dump(mode="json"),
                    created_at=now,
                    **where,
                )
                .returning(SummaryRow.id)
            ).scalar_one()
            codes = sorted(summary.flag_codes())
            if codes:
                connection.execute(
                    insert(SummaryFlagRow), [{"summary_id": summary_id, "code": c} for c in codes]
                )
            if summary.learned:
                connection.execute(
                    insert(LedgerRow),
                    [
                        {
                            "checkin_id": checkin_id,
                            "date": row.date,
                            "teacher": entry.teacher,
                            "learner": entry.learner,
                            "what": entry.what,
                            **where,
                        }
                        for entry in summary.learned
                    ],
                )
            connection.execute(
                update(CheckinRow)
                .where(CheckinRow.id == checkin_id)
                .values(
                    status=CheckinStatus.SUMMARIZED.value,
                    error=None,
                    attempts=CheckinRow.attempts + 1,
                    updated_at=now,
                )
            )
        return CheckinView(
            id=checkin_id,
            program_id=row.program_id,
            relationship_id=row.relationship_id,
            date=row.date,
            status=CheckinStatus.SUMMARIZED,
            summary=summary,
            notes=row.notes,
            created_at=row.created_at,
        )

    def mark_checkin_failed(self, checkin_id: int, reason: str) -> CheckinView:
        """Record why summarizing failed; the notes and any earlier summary stay."""
        with self.db.write() as session:
            row = self._checkin_row(session, checkin_id, lock=True)
            summary = session.scalar(select(SummaryRow).where(SummaryRow.checkin_id == checkin_id))
            if summary is None:
                row.status = CheckinStatus.FAILED.value
            row.error = reason[:MAX_ERROR_CHARS]
            row.attempts += 1
            row.updated_at = utcnow()
            session.flush()
            return _checkin_view(row, summary)

    @staticmethod
    def _checkin_row(session: Any, checkin_id: int, *, lock: bool = False) -> CheckinRow:
        # Writers lock the row (PostgreSQL) so two retries of one check-in run in turn.
        row = session.get(CheckinRow, checkin_id, with_for_update=lock or None)
        if row is None:
            raise NotFoundError(f"No check-in with id {checkin_id}.", code="unknown_checkin")
        assert isinstance(row, CheckinRow)
        return row

    def get_checkin(self, checkin_id: int) -> CheckinView:
        with self.db.read() as session:
            row = self._checkin_row(session, checkin_id)
            summary = session.scalar(select(SummaryRow).where(SummaryRow.checkin_id == checkin_id))
            return _checkin_view(row, summary)

    def list_checkins(self, program_id: str, relationship_id: str) -> list[CheckinView]:
        """A relationship's check-ins, oldest first."""
        with self.db.read() as session:
            rows = session.execute(
                select(CheckinRow, SummaryRow)
                .outerjoin(SummaryRow, SummaryRow.checkin_id == CheckinRow.id)
                .where(
                    CheckinRow.program_id == program_id,
                    CheckinRow.relationship_id == relationship_id,
                )
                .order_by(CheckinRow.date, CheckinRow.id)
            ).all()
            return [_checkin_view(c, s) for c, s in rows]

    def previous_for(self, checkin: CheckinView) -> PreviousCheckin | None:
        """The summary of the check-in before ``checkin`` (by date, then id), as the
        summarizer's ``previous``."""
        with self.db.connect() as connection:
            payload = connection.execute(
                select(SummaryRow.payload)
                .where(
                    SummaryRow.program_id == checkin.program_id,
                    SummaryRow.relationship_id == checkin.relationship_id,
                    or_(
                        SummaryRow.date < checkin.date,
                        and_(SummaryRow.date == checkin.date, SummaryRow.checkin_id < checkin.id),
                    ),
                )
                .order_by(SummaryRow.date.desc(), SummaryRow.checkin_id.desc())
                .limit(1)
            ).scalar()
        return PreviousCheckin.model_validate(payload) if payload is not None else None

    def latest_summary(
        self, program_id: str, relationship_id: str, *, before: CheckinView | None = None
    ) -> CheckinSummary | None:
        """The summary of the relationship's most recent summarized check-in (by date, then
        id), or of the most recent one before the check-in ``before``."""
        query = select(SummaryRow).where(
            SummaryRow.program_id == program_id,
            SummaryRow.relationship_id == relationship_id,
        )
        if before is not None:
            query = query.where(
                or_(
                    SummaryRow.date < before.date,
                    and_(SummaryRow.date == before.date, SummaryRow.checkin_id < before.id),
                )
            )
        with self.db.read() as session:
            row = session.scalar(
                query.order_by(SummaryRow.date.desc(), SummaryRow.checkin_id.desc()).limit(1)
            )
            return CheckinSummary.model_validate(row.payload) if row is not None else None

    def agenda_history(
        self, program_id: str, relationship_id: str
    ) -> tuple[PreviousCheckin | None, dict[str, int]]:
        """What the next agenda needs from the history, in one read: the latest summary as
        the ``previous`` check-in, and how many ledger entries each teacher has."""
        with self.db.connect() as connection:
            latest = connection.execute(
                select(SummaryRow.payload)
                .where(
                    SummaryRow.program_id == program_id,
                    SummaryRow.relationship_id == relationship_id,
                )
                .order_by(SummaryRow.date.desc(), SummaryRow.checkin_id.desc())
                .limit(1)
            ).scalar()
            taught = connection.execute(
                select(LedgerRow.teacher, func.count())
                .where(
                    LedgerRow.program_id == program_id,
                    LedgerRow.relationship_id == relationship_id,
                )
                .group_by(LedgerRow.teacher)
            ).all()
        previous = PreviousCheckin.model_validate(latest) if latest is not None else None
        return previous, {str(teacher): int(count) for teacher, count in taught}

    def ledger_entries(self, program_id: str, relationship_id: str) -> list[LedgerEntry]:
        """The relationship's reciprocity ledger, oldest first."""
        with self.db.read() as session:
            rows = session.scalars(
                select(LedgerRow)
                .where(
                    LedgerRow.program_id == program_id,
                    LedgerRow.relationship_id == relationship_id,
                )
                .order_by(LedgerRow.date, LedgerRow.id)
            )
            return [
                LedgerEntry(
                    date=r.date,
                    teacher=r.teacher,
                    learner=r.learner,
                    what=r.what,
                    checkin_id=r.checkin_id,
                )
                for r in rows
            ]
