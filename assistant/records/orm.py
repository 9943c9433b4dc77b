"""The records' tables, as SQLAlchemy 2 typed ORM classes.

The schema itself is created and changed by the Alembic migrations in
``assistant/records/migrations``; these classes must match them (a test compares the two).
Participants, relationships and their members are derived from a program's document each
time it is put, so they can be queried; the document stays the source of truth.
Check-ins and what was derived from them do not reference relationship rows, so editing a
program never deletes anyone's history.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    DateTime,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import Date, TypeDecorator


class UTCDateTime(TypeDecorator[dt.datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite stores naive ones)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=dt.UTC)
        return value

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=dt.UTC)
        return value


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


ID = String(64)  # program, participant and relationship ids (see assistant.program)


class Base(DeclarativeBase):
    pass


class ProgramRow(Base):
    __tablename__ = "programs"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    document: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class ParticipantRow(Base):
    __tablename__ = "participants"

    program_id: Mapped[str] = mapped_column(
        ForeignKey("programs.id", ondelete="CASCADE"), primary_key=True
    )
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    seniority: Mapped[str] = mapped_column(String(32))


class RelationshipRow(Base):
    __tablename__ = "relationships"

    program_id: Mapped[str] = mapped_column(
        ForeignKey("programs.id", ondelete="CASCADE"), primary_key=True
    )
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    mode: Mapped[str] = mapped_column(String(32))

    members: Mapped[list[MemberRow]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True, order_by="MemberRow.position"
    )


class MemberRow(Base):
    """A participant's membership of a relationship (who may see its check-ins)."""

    __tablename__ = "relationship_members"
    __table_args__ = (
        ForeignKeyConstraint(
            ["program_id", "relationship_id"],
            ["relationships.program_id", "relationships.id"],
            ondelete="CASCADE",
        ),
        Index("ix_members_participant", "program_id", "participant_id"),
    )

    program_id: Mapped[str] = mapped_column(ID, primary_key=True)
    relationship_id: Mapped[str] = mapped_column(ID, primary_key=True)
    participant_id: Mapped[str] = mapped_column(ID, primary_key=True)
    position: Mapped[int] = mapped_column(Integer, default=0)


class UserRow(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    participant_id: Mapped[str | None] = mapped_column(ID, nullable=True)
    program_id: Mapped[str | None] = mapped_column(
        ForeignKey("programs.id", ondelete="RESTRICT"), nullable=True
    )
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)


class TokenRow(Base):
    """A bearer token, stored only as its SHA-256 hash."""

    __tablename__ = "tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)


class JobResultRow(Base):
    """What an agenda, questions or topics job produced for a relationship."""

    __tablename__ = "job_results"
    __table_args__ = (Index("ix_jobs_relationship", "program_id", "relationship_id", "kind", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    program_id: Mapped[str] = mapped_column(ID)
    relationship_id: Mapped[str] = mapped_column(ID)
    kind: Mapped[str] = mapped_column(String(16))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class CheckinRow(Base):
    """A check-in: the raw notes as submitted, and where its summary stands."""

    __tablename__ = "checkins"
    __table_args__ = (Index("ix_checkins_relationship", "program_id", "relationship_id", "date"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    program_id: Mapped[str] = mapped_column(ID)
    relationship_id: Mapped[str] = mapped_column(ID)
    date: Mapped[dt.date] = mapped_column(Date)
    notes: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class SummaryRow(Base):
    """The summary of one check-in (no raw notes: staff read these)."""

    __tablename__ = "summaries"
    __table_args__ = (Index("ix_summaries_listing", "program_id", "date", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    checkin_id: Mapped[int] = mapped_column(
        ForeignKey("checkins.id", ondelete="CASCADE"), unique=True
    )
    program_id: Mapped[str] = mapped_column(ID)
    relationship_id: Mapped[str] = mapped_column(ID)
    date: Mapped[dt.date] = mapped_column(Date)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    flags: Mapped[list[SummaryFlagRow]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True
    )


class SummaryFlagRow(Base):
    """One warning flag of a summary, in its own table so staff can filter by flag."""

    __tablename__ = "summary_flags"

    summary_id: Mapped[int] = mapped_column(
        ForeignKey("summaries.id", ondelete="CASCADE"), primary_key=True
    )
    code: Mapped[str] = mapped_column(String(32), primary_key=True, index=True)


class LedgerRow(Base):
    """The reciprocity ledger: who taught whom what, per date, from summaries' `learned`."""

    __tablename__ = "ledger_entries"
    __table_args__ = (Index("ix_ledger_relationship", "program_id", "relationship_id", "date"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    program_id: Mapped[str] = mapped_column(ID)
    relationship_id: Mapped[str] = mapped_column(ID)
    checkin_id: Mapped[int] = mapped_column(
        ForeignKey("checkins.id", ondelete="CASCADE"), index=True
    )
    date: Mapped[dt.date] = mapped_column(Date)
    teacher: Mapped[str] = mapped_column(ID)
    learner: Mapped[str | None] = mapped_column(ID, nullable=True)
    what: Mapped[str] = mapped_column(Text)


class RotationRow(Base):
    """One row per relationship whose group rotation is recorded: the row a pick locks.

    ``program_id`` is empty for the turns imported from the CLI's ``rotation.json``, which
    knew relationship ids only.
    """

    __tablename__ = "rotations"

    program_id: Mapped[str] = mapped_column(ID, primary_key=True)
    relationship_id: Mapped[str] = mapped_column(ID, primary_key=True)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class RotationTurnRow(Base):
    """Who taught in one session of a rotating group, in the order sessions were planned."""

    __tablename__ = "rotation_turns"
    __table_args__ = (
        ForeignKeyConstraint(
            ["program_id", "relationship_id"],
            ["rotations.program_id", "rotations.relationship_id"],
            ondelete="CASCADE",
        ),
        Index("ix_rotation_turns", "program_id", "relationship_id", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    program_id: Mapped[str] = mapped_column(ID)
    relationship_id: Mapped[str] = mapped_column(ID)
    teachers: Mapped[list[str]] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class MetaRow(Base):
    """Small facts about the database itself (e.g. that rotation.json was imported)."""

    __tablename__ = "records_meta"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
