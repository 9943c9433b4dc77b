"""The database connection: an engine for the settings' URL and transactions on it.

SQLite (the default, a file in the data directory) runs in WAL mode with foreign keys on
and a busy timeout, so several threads and processes can read while one writes. Its Python
driver opens transactions lazily and deferred; a transaction that reads and then writes can
then fail with "database is locked" halfway. So the driver's own transaction handling is
turned off and every transaction is begun explicitly: ``BEGIN IMMEDIATE`` for writers (they
queue for the write lock up front) and a plain ``BEGIN`` for readers. The writers of one
process first queue on a lock of their own (see :func:`_sqlite_write_lock`).
PostgreSQL (``postgresql+psycopg://``) needs none of this; writers that must serialise lock
a row with ``SELECT ... FOR UPDATE`` instead.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from assistant.errors import ConflictError, StoreError

BUSY_TIMEOUT_MS = 30_000
LOCK_WAIT_S = BUSY_TIMEOUT_MS / 1000  # how long a writer waits for this process's lock
_WRITE = "comentor_write"


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


def dialect_insert(bind: Engine | Connection | Session, table: Any) -> Any:
    """``INSERT`` into ``table`` in the dialect of ``bind`` (SQLite or PostgreSQL), which
    has ``on_conflict_do_nothing`` and ``on_conflict_do_update``."""
    engine = bind.get_bind() if isinstance(bind, Session) else bind
    insert = postgresql.insert if engine.dialect.name == "postgresql" else sqlite.insert
    return insert(table)


def sqlite_path(url: str) -> Path | None:
    """The database file of a SQLite URL (None for other databases or in-memory SQLite)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database:
        return None
    if parsed.database == ":memory:":
        return None
    return Path(parsed.database)


def build_engine(url: str) -> Engine:
    """An engine for ``url``; for SQLite the file's folder is created and WAL switched on."""
    path = sqlite_path(url)
    if path is not None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"Cannot create the database folder {path.parent}: {exc}") from None
        engine = create_engine(
            url, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000, "check_same_thread": False}
        )
        _configure_sqlite(engine)
        return engine
    if make_url(url).get_backend_name() == "sqlite":
        raise StoreError("An in-memory SQLite database cannot be shared; give a file path.")
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control away from the driver (see the module docstring).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        write = connection.get_execution_options().get(_WRITE, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


class Database:
    """An engine and two kinds of transaction: :meth:`read` and :meth:`write`."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = build_engine(url)
        self._write_engine = self.engine.execution_options(**{_WRITE: True})
        self._reader = sessionmaker(self.engine, expire_on_commit=False)
        self._writer = sessionmaker(self._write_engine, expire_on_commit=False)
        path = sqlite_path(url)
        self._lock_key = path.resolve() if path is not None else None

    @property
    def sqlite(self) -> bool:
        return is_sqlite(self.engine)

    @contextlib.contextmanager
    def read(self) -> Iterator[Session]:
        """A transaction for reading (on SQLite it takes no write lock)."""
        with _wrap_errors(), self._reader() as session, session.begin():
            yield session

    @contextlib.contextmanager
    def write(self) -> Iterator[Session]:
        """A write transaction, committed when the block ends without an exception.

        On SQLite it holds the database's write lock from its first statement.
        """
        with self._write_lock(), _wrap_errors(), self._writer() as session, session.begin():
            yield session

    @contextlib.contextmanager
    def connect(self, *, write: bool = False) -> Iterator[Connection]:
        """A Core connection in one transaction, for hot paths where the ORM session's
        bookkeeping would cost more than the query (committed at the end of the block)."""
        engine = self._write_engine if write else self.engine
        lock = self._write_lock() if write else contextlib.nullcontext()
        with lock, _wrap_errors(), engine.begin() as connection:
            yield connection

    @contextlib.contextmanager
    def _write_lock(self) -> Iterator[None]:
        if self._lock_key is None:
            yield
            return
        lock = _sqlite_write_lock(self._lock_key)
        # As long as SQLite itself would wait for the file, then the same error.
        if not lock.acquire(timeout=LOCK_WAIT_S):
            raise StoreError(
                "The records database failed: database is locked (another write of this "
                f"process held it for over {LOCK_WAIT_S:g} s).",
                hint="Retry the request.",
            )
        try:
            yield
        finally:
            lock.release()

    def dispose(self) -> None:
        self.engine.dispose()


_WRITE_LOCKS: dict[Path, threading.RLock] = {}
_WRITE_LOCKS_GUARD = threading.Lock()


def _sqlite_write_lock(path: Path) -> threading.RLock:
    """One lock per SQLite file for this process's writers.

    SQLite lets one writer in at a time; a writer that finds the file locked sleeps in its
    busy handler (1, 2, 5, 10 ms and longer) before trying again, even when the lock is
    released a moment later. The threads of one process queue here instead and are woken
    as soon as the writer before them commits; other processes still meet SQLite's own lock.
    Re-entrant, so a thread inside a write can open another (as it could before).
    """
    with _WRITE_LOCKS_GUARD:
        return _WRITE_LOCKS.setdefault(path, threading.RLock())


def _forget_locks_in_child() -> None:
    # A forked child must not inherit a lock some other thread of the parent held.
    global _WRITE_LOCKS_GUARD
    _WRITE_LOCKS.clear()
    _WRITE_LOCKS_GUARD = threading.Lock()


os.register_at_fork(after_in_child=_forget_locks_in_child)


@contextlib.contextmanager
def _wrap_errors() -> Iterator[None]:
    try:
        yield
    except IntegrityError as exc:
        # Two requests raced to create the same thing; the loser is told, nothing is half-done.
        raise ConflictError(
            "The change clashes with one made at the same time; nothing was changed.",
            hint="Retry the request.",
            code="conflict",
        ) from exc
    except SQLAlchemyError as exc:
        raise StoreError(
            f"The records database failed: {type(exc).__name__}: {str(exc).splitlines()[0]}",
            hint="Check COMENTOR_DATABASE_URL and that the database is running and migrated "
            "(`comentor db upgrade`).",
        ) from exc
