"""The teaching rotation of groups too large to all teach in one session, for the library
and the CLI: kept in the records database, in the same tables as the service's.

Each time an agenda rotates who teaches, the members teaching now are recorded, so the
next agenda picks those who have not taught yet. There is one ledger: the records'
``rotations`` and ``rotation_turns`` tables (:mod:`assistant.records.rotation`), in
SQLite in the data directory or in ``COMENTOR_DATABASE_URL``'s PostgreSQL.

**Which program a turn belongs to.** A program file loaded by the CLI has no stored program
id, so its turns are kept under the empty program id ``""`` (:data:`CLI_PROGRAM_ID`), the
scope the old ``rotation.json`` is imported into. So ``comentor agenda`` continues the
rotation that file held, and the service's agendas for a stored program count these turns
too (with their own, in the order they were recorded) for a relationship with the same id:
a pick made on the command line is seen by the service's next agenda. The service's own
picks are kept under its program id and are not seen by program files.

Two agendas planned at once for the same group (two threads, or two ``comentor agenda``
processes on one database) never pick the same teachers from the same history:
:meth:`RotationLedger.reserve` reads the history, lets the planner pick and records the pick
in one transaction that holds the relationship's rotation row (SQLite: the write lock
taken by ``BEGIN IMMEDIATE``; PostgreSQL: ``SELECT ... FOR UPDATE``).

The database is opened on first use, migrated (idempotent) and ``rotation.json`` imported
once; reading the history of a data directory without a database (a ``--no-record``
preview on a fresh install) gives an empty history and creates nothing.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from assistant.config import Settings

if TYPE_CHECKING:  # SQLAlchemy is imported only when a group's rotation is needed
    from assistant.records import Records

T = TypeVar("T")
CLI_PROGRAM_ID = ""  # program files have no stored id (see the module docstring)


class RotationLedger:
    """History of who taught in each session of a rotating group, per relationship id,
    in the records database of ``settings`` under ``program_id``."""

    def __init__(self, settings: Settings, *, program_id: str = CLI_PROGRAM_ID) -> None:
        self.settings = settings
        self.program_id = program_id
        self._records: Records | None = None
        self._lock = threading.Lock()

    def _open(self, *, create: bool) -> Records | None:
        """The migrated records; None when ``create`` is false and there is nothing to read."""
        with self._lock:
            if self._records is None:
                if not create and not self._exists():
                    return None
                from assistant.records import Records

                records = Records(self.settings)
                records.upgrade()  # idempotent; imports rotation.json once
                self._records = records
            return self._records

    def _exists(self) -> bool:
        from assistant.records.db import sqlite_path

        path = sqlite_path(self.settings.database_url_resolved)
        if path is None:
            return True  # a database server: always there to read
        return path.exists() or (self.settings.data_dir / "rotation.json").exists()

    def history(self, relationship_id: str) -> list[list[str]]:
        """Who taught in each recorded session of a relationship, oldest first."""
        records = self._open(create=False)
        if records is None:
            return []
        return records.rotation_history(self.program_id, relationship_id)

    def record(self, relationship_id: str, teachers: list[str]) -> None:
        """Record one session's teachers (prefer :meth:`reserve`, which also picks them)."""
        self.reserve(relationship_id, lambda _history: (list(teachers), None))

    def reserve(
        self,
        relationship_id: str,
        choose: Callable[[list[list[str]]], tuple[list[str] | None, T]],
    ) -> T:
        """Atomically: read the history, let ``choose`` pick, record the pick.

        ``choose(history)`` returns ``(teachers or None, result)``; the teachers (if any) are
        recorded as the next session's turn in the same transaction, and ``result`` is
        returned. Concurrent reservations of one relationship run one after the other,
        across threads and processes.
        """
        records = self._open(create=True)
        assert records is not None
        return records.reserve_rotation(self.program_id, relationship_id, choose)

    def close(self) -> None:
        """Close the database connections (reopened on next use)."""
        with self._lock:
            if self._records is not None:
                self._records.dispose()
                self._records = None
