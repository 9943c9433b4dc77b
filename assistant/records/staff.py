"""Staff views: summaries with filters and keyset pagination, and program health."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
from collections import defaultdict

from sqlalchemy import and_, case, exists, func, or_, select

from assistant.errors import InputError
from assistant.models import CheckinSummary
from assistant.program import Program
from assistant.records.db import Database
from assistant.records.ledger import directions, taught_least
from assistant.records.orm import (
    CheckinRow,
    LedgerRow,
    ProgramRow,
    SummaryFlagRow,
    SummaryRow,
)
from assistant.records.schemas import (
    CheckinStatus,
    FlagsOnDate,
    LedgerEntry,
    ProgramHealth,
    RelationshipHealth,
    StaffSummary,
    SummaryPage,
)

MAX_PAGE = 200


def encode_cursor(date: dt.date, summary_id: int) -> str:
    raw = f"{date.isoformat()}|{summary_id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[dt.date, int]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        day, _, ident = base64.urlsafe_b64decode(padded.encode()).decode().partition("|")
        return dt.date.fromisoformat(day), int(ident)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise InputError(
            "The cursor is not one this service handed out.",
            hint="Use the `next_cursor` of the previous page, or leave it out to start over.",
            code="invalid_cursor",
        ) from None


def _staff_view(row: SummaryRow) -> StaffSummary:
    summary = CheckinSummary.model_validate(row.payload)
    return StaffSummary(
        id=row.id,
        checkin_id=row.checkin_id,
        program_id=row.program_id,
        relationship_id=row.relationship_id,
        date=row.date,
        flags=sorted(f.code for f in row.flags),
        summary=summary,
        created_at=row.created_at,
    )


class StaffMixin:
    """Staff views (part of :class:`assistant.records.Records`)."""

    db: Database

    def summaries_page(
        self,
        *,
        program_id: str | None = None,
        relationship_id: str | None = None,
        flag: str | None = None,
        since: dt.date | None = None,
        until: dt.date | None = None,
        limit: int = 50,
        cursor: str | None = None,
    ) -> SummaryPage:
        """Summaries newest first (by check-in date, then id), one page at a time.

        The cursor is the (date, id) of the last item served, so pages stay consistent while
        new check-ins arrive (keyset pagination, no offsets).
        """
        if not 1 <= limit <= MAX_PAGE:
            raise InputError(f"limit must be between 1 and {MAX_PAGE}; got {limit}.")
        if since and until and since > until:
            raise InputError(f"since ({since}) is after until ({until}).", code="invalid_range")
        query = select(SummaryRow)
        if program_id is not None:
            query = query.where(SummaryRow.program_id == program_id)
        if relationship_id is not None:
            query = query.where(SummaryRow.relationship_id == relationship_id)
        if flag is not None:
            query = query.where(
                exists().where(
                    SummaryFlagRow.summary_id == SummaryRow.id, SummaryFlagRow.code == flag
                )
            )
        if since is not None:
            query = query.where(SummaryRow.date >= since)
        if until is not None:
            query = query.where(SummaryRow.date <= until)
        if cursor:
            day, ident = decode_cursor(cursor)
            query = query.where(
                or_(SummaryRow.date < day, and_(SummaryRow.date == day, SummaryRow.id < ident))
            )
        query = query.order_by(SummaryRow.date.desc(), SummaryRow.id.desc()).limit(limit + 1)
        with self.db.read() as session:
            rows = list(session.scalars(query))
            items = [_staff_view(r) for r in rows[:limit]]
        next_cursor = None
        if len(rows) > limit:
            last = items[-1]
            next_cursor = encode_cursor(last.date, last.id)
        return SummaryPage(items=items, next_cursor=next_cursor)

    def program_health(
        self, program_id: str, program: Program, *, today: dt.date, stalled_days: int
    ) -> ProgramHealth:
        """Per relationship: last check-in, stalled or not, ledger balance, open action
        items (the latest summary's) and flags over time."""
        with self.db.read() as session:
            created = session.scalar(
                select(ProgramRow.created_at).where(ProgramRow.id == program_id)
            )
            stats = {
                rel: (count, last, pending)
                for rel, count, last, pending in session.execute(
                    select(
                        CheckinRow.relationship_id,
                        func.count(CheckinRow.id),
                        func.max(CheckinRow.date),
                        func.sum(
                            case((CheckinRow.status != CheckinStatus.SUMMARIZED.value, 1), else_=0)
                        ),
                    )
                    .where(CheckinRow.program_id == program_id)
                    .group_by(CheckinRow.relationship_id)
                )
            }
            ledger: dict[str, list[LedgerEntry]] = defaultdict(list)
            for row in session.scalars(
                select(LedgerRow)
                .where(LedgerRow.program_id == program_id)
                .order_by(LedgerRow.date, LedgerRow.id)
            ):
                ledger[row.relationship_id].append(
                    LedgerEntry(
                        date=row.date,
                        teacher=row.teacher,
                        learner=row.learner,
                        what=row.what,
                        checkin_id=row.checkin_id,
                    )
                )
            flags: dict[str, list[FlagsOnDate]] = defaultdict(list)
            latest: dict[str, SummaryRow] = {}
            for summary_row in session.scalars(
                select(SummaryRow)
                .where(SummaryRow.program_id == program_id)
                .order_by(SummaryRow.date, SummaryRow.checkin_id)
            ):
                flags[summary_row.relationship_id].append(
                    FlagsOnDate(
                        date=summary_row.date,
                        checkin_id=summary_row.checkin_id,
                        flags=sorted(f.code for f in summary_row.flags),
                    )
                )
                latest[summary_row.relationship_id] = summary_row
        since_created = (today - created.date()).days if created is not None else 0
        out = []
        for rel in program.relationships:
            count, last, pending = stats.get(rel.id, (0, None, 0))
            days = (today - last).days if last is not None else None
            stalled = days > stalled_days if days is not None else since_created > stalled_days
            summary = latest.get(rel.id)
            actions = CheckinSummary.model_validate(summary.payload).action_items if summary else []
            entries = ledger.get(rel.id, [])
            out.append(
                RelationshipHealth(
                    relationship_id=rel.id,
                    mode=rel.mode.value,
                    participants=list(rel.participants),
                    checkins=int(count),
                    last_checkin=last,
                    days_since_last=days,
                    stalled=stalled,
                    pending=int(pending or 0),
                    ledger=directions(rel, entries),
                    taught_least=taught_least(rel, entries),
                    open_action_items=list(actions),
                    flags_over_time=flags.get(rel.id, []),
                )
            )
        return ProgramHealth(
            program_id=program_id,
            name=program.name,
            today=today,
            stalled_days=stalled_days,
            relationships=out,
        )
