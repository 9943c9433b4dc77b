"""Stored programs: the validated document, and the participants and relationships derived
from it each time it is put (so membership can be queried)."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import delete, select

from assistant.errors import InputError, NotFoundError
from assistant.program import Program
from assistant.records.db import Database, dialect_insert
from assistant.records.orm import (
    MemberRow,
    ParticipantRow,
    ProgramRow,
    RelationshipRow,
    utcnow,
)
from assistant.records.schemas import ProgramView, RelationshipView

PROGRAM_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


def check_program_id(program_id: str) -> str:
    if not isinstance(program_id, str) or not PROGRAM_ID.match(program_id):
        raise InputError(
            f"Invalid program id {program_id!r}: use 1-64 letters, digits, '.', '_' or '-', "
            "starting with a letter or digit.",
            code="invalid_program_id",
        )
    return program_id


def _program_view(row: ProgramRow) -> ProgramView:
    doc = row.document
    return ProgramView(
        id=row.id,
        name=row.name,
        participants=len(doc.get("participants", [])),
        relationships=len(doc.get("relationships", [])),
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


class ProgramsMixin:
    """Programs (part of :class:`assistant.records.Records`)."""

    db: Database

    def put_program(self, program_id: str, program: Program) -> bool:
        """Create or replace a program from a validated :class:`Program`; True if created.

        The stored document is the program's normalised JSON form, so what is served back
        is exactly what the planners use.
        """
        check_program_id(program_id)
        document: dict[str, Any] = program.model_dump(mode="json")
        now = utcnow()
        with self.db.write() as session:
            # Create-if-missing, then lock the row: concurrent puts of one program queue up
            # (FOR UPDATE on PostgreSQL; SQLite's write lock already serialises them).
            values = {
                "id": program_id,
                "name": program.name,
                "document": document,
                "created_at": now,
                "updated_at": now,
            }
            inserted = session.execute(
                dialect_insert(session, ProgramRow)
                .values(**values)
                .on_conflict_do_nothing()
                .returning(ProgramRow.id)
            ).first()
            created = inserted is not None
            row = session.execute(
                select(ProgramRow).where(ProgramRow.id == program_id).with_for_update()
            ).scalar_one()
            row.name = program.name
            row.document = document
            row.updated_at = now
            session.flush()
            # The derived rows are rebuilt from the document: it is the source of truth.
            session.execute(delete(MemberRow).where(MemberRow.program_id == program_id))
            session.execute(delete(RelationshipRow).where(RelationshipRow.program_id == program_id))
            session.execute(delete(ParticipantRow).where(ParticipantRow.program_id == program_id))
            session.expire(row)
            for person in program.participants:
                session.add(
                    ParticipantRow(
                        program_id=program_id,
                        id=person.id,
                        name=person.name,
                        seniority=person.seniority.value,
                    )
                )
            for rel in program.relationships:
                session.add(RelationshipRow(program_id=program_id, id=rel.id, mode=rel.mode.value))
            session.flush()
            for rel in program.relationships:
                for position, pid in enumerate(rel.participants):
                    session.add(
                        MemberRow(
                            program_id=program_id,
                            relationship_id=rel.id,
                            participant_id=pid,
                            position=position,
                        )
                    )
        return created

    def program_document(self, program_id: str) -> dict[str, Any]:
        """The stored document of a program; NotFoundError(unknown_program) if none."""
        with self.db.read() as session:
            row = session.get(ProgramRow, program_id)
            if row is None:
                raise NotFoundError(
                    f"No program with id {program_id!r}.",
                    hint="An admin creates it with PUT /api/programs/{id} or "
                    "`comentor programs import FILE --id ID`.",
                    code="unknown_program",
                )
            return dict(row.document)

    def program_version(self, program_id: str) -> Any:
        """When the program was last put (a cheap check for cached copies)."""
        with self.db.connect() as connection:
            return connection.scalar(
                select(ProgramRow.updated_at).where(ProgramRow.id == program_id)
            )

    def list_programs(self) -> list[ProgramView]:
        with self.db.read() as session:
            return [
                _program_view(r)
                for r in session.scalars(select(ProgramRow).order_by(ProgramRow.id))
            ]

    def relationships_of(
        self, *, program_id: str | None = None, participant_id: str | None = None
    ) -> list[RelationshipView]:
        """Relationships, optionally only of one program and/or those a participant is in."""
        with self.db.read() as session:
            query = select(RelationshipRow).order_by(RelationshipRow.program_id, RelationshipRow.id)
            if program_id is not None:
                query = query.where(RelationshipRow.program_id == program_id)
            if participant_id is not None:
                query = query.join(
                    MemberRow,
                    (MemberRow.program_id == RelationshipRow.program_id)
                    & (MemberRow.relationship_id == RelationshipRow.id),
                ).where(MemberRow.participant_id == participant_id)
            rows = list(session.scalars(query))
            docs: dict[str, dict[str, Any]] = {}
            views = []
            for row in rows:
                if row.program_id not in docs:
                    program = session.get(ProgramRow, row.program_id)
                    docs[row.program_id] = program.document if program is not None else {}
                goals: list[str] = []
                for rel in docs[row.program_id].get("relationships", []):
                    if rel.get("id") == row.id:
                        goals = list(rel.get("shared_goals", []))
                views.append(
                    RelationshipView(
                        program_id=row.program_id,
                        id=row.id,
                        mode=row.mode,
                        participants=[m.participant_id for m in row.members],
                        shared_goals=goals,
                    )
                )
            return views

    def is_member(self, program_id: str, relationship_id: str, participant_id: str) -> bool:
        with self.db.read() as session:
            key = (program_id, relationship_id, participant_id)
            return session.get(MemberRow, key) is not None
