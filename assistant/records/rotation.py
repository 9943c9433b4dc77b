"""Group rotations in the database: who taught in each session of a rotating group.

The one rotation ledger of the service, the library and the CLI (:mod:`assistant.rotation`
opens it for program files, under the program id ``""``): ``history``, ``record`` and
``reserve`` (pick the next teachers from the history and record them, as one step).

A stored program's history is its own turns and those kept under ``""`` (imported from
``rotation.json``, or picked by the CLI for a program file) for the same relationship id,
in the order they were recorded. ``reserve`` runs in one transaction that first locks the
relationship's rotation row (``SELECT ... FOR UPDATE`` on PostgreSQL; on SQLite the
transaction holds the database write lock from ``BEGIN IMMEDIATE``), so two agendas planned
at once never pick the same teachers from the same history.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from assistant.records.db import Database, dialect_insert
from assistant.records.orm import RotationRow, RotationTurnRow, utcnow

T = TypeVar("T")
LEGACY = ""  # program id of program files' turns (the CLI's, and rotation.json's import)


class RotationMixin:
    """Rotation turns (part of :class:`assistant.records.Records`)."""

    db: Database

    def rotation_history(self, program_id: str, relationship_id: str) -> list[list[str]]:
        """Who taught in each recorded session, oldest first (with the turns under ``""``)."""
        with self.db.read() as session:
            return _history(session, program_id, relationship_id)

    def record_rotation(self, program_id: str, relationship_id: str, teachers: list[str]) -> None:
        self.reserve_rotation(program_id, relationship_id, lambda _history: (list(teachers), None))

    def reserve_rotation(
        self,
        program_id: str,
        relationship_id: str,
        choose: Callable[[list[list[str]]], tuple[list[str] | None, T]],
    ) -> T:
        """Atomically: read the history, let ``choose`` pick, record the pick.

        ``choose(history)`` returns ``(teachers or None, result)``; the teachers (if any) are
        recorded as the next session's turn in the same transaction, and ``result`` is
        returned. Concurrent reservations for one relationship run one after the other.
        """
        with self.db.write() as session:
            _lock_row(session, program_id, relationship_id)
            history = _history(session, program_id, relationship_id)
            teachers, result = choose(history)
            if teachers is not None:
                session.add(
                    RotationTurnRow(
                        program_id=program_id,
                        relationship_id=relationship_id,
                        teachers=[str(t) for t in teachers],
                        created_at=utcnow(),
                    )
                )
            return result


def _lock_row(session: Session, program_id: str, relationship_id: str) -> None:
    values = {"program_id": program_id, "relationship_id": relationship_id, "updated_at": utcnow()}
    session.execute(dialect_insert(session, RotationRow).values(**values).on_conflict_do_nothing())
    # On PostgreSQL this blocks until any other reservation of the same row commits.
    session.execute(
        select(RotationRow)
        .where(RotationRow.program_id == program_id, RotationRow.relationship_id == relationship_id)
        .with_for_update()
    ).one()


def _history(session: Session, program_id: str, relationship_id: str) -> list[list[str]]:
    scopes = [program_id] if program_id == LEGACY else [LEGACY, program_id]
    rows = session.scalars(
        select(RotationTurnRow)
        .where(
            RotationTurnRow.program_id.in_(scopes),
            RotationTurnRow.relationship_id == relationship_id,
        )
        # Recording order (ids only grow): the planner breaks ties by who taught longest
        # ago, and a CLI turn recorded after the service's is the more recent one.
        .order_by(RotationTurnRow.id)
    )
    return [list(r.teachers) for r in rows]


class ProgramRotation:
    """A program's rotations with the ledger interface the planning service takes
    (``history``, ``record``, ``reserve``), for planners that know relationship ids only."""

    def __init__(self, records: RotationMixin, program_id: str) -> None:
        self.records = records
        self.program_id = program_id

    def history(self, relationship_id: str) -> list[list[str]]:
        return self.records.rotation_history(self.program_id, relationship_id)

    def record(self, relationship_id: str, teachers: list[str]) -> None:
        self.records.record_rotation(self.program_id, relationship_id, teachers)

    def reserve(
        self,
        relationship_id: str,
        choose: Callable[[list[list[str]]], tuple[list[str] | None, T]],
    ) -> T:
        return self.records.reserve_rotation(self.program_id, relationship_id, choose)
