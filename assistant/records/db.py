"""The database connection: an engine for the settings' URL and transactions on it.

SQLite (the default, a file in the data directory) runs in WAL mode with foreign keys on
and a busy timeout, so several threads and processes can read while one writes. Its Python
driver opens transactions lazily and deferred; a transaction that reads and then writes can
then fail with "database is locked" halfway. So the driver's own transaction handling is
turned off and every transaction is begun explicitly: ``BEGIN IMMEDIATE`` for writers (they
queue for the write lock up front) and a plain ``BEGIN`` for readers. The writers of one
process, then the processes, first queue on a lock of their own (:class:`WriterLock`).
PostgreSQL (``postgresql+psycopg://``) needs none of this; writers that must serialise lock
a row with ``SELECT ... FOR UPDATE`` instead.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import threading
import time
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
                "The records database failed: database is locked (another write held it "
                f"for over {LOCK_WAIT_S:g} s).",
                hint="Retry the request.",
            )
        try:
            yield
        finally:
            lock.release()

    def dispose(self) -> None:
        self.engine.dispose()


class WriterLock:
    """The writers' queue for one SQLite file: this process's threads, then its processes.

    SQLite lets one writer in at a time; a writer that finds the file locked sleeps in its
    busy handler (1, 2, 5, 10 ms and up to 100 ms) before trying again, even when the lock
    is released a moment later. So writers queue here instead: the threads of a process on
    a re-entrant thread lock (woken as soon as the writer before them is done), and the
    process that holds it takes an exclusive ``flock`` on ``<database>.write.lock`` (the
    service's workers and the CLI are separate processes), polled every millisecond or
    less. Where the lock file cannot be opened or locked (a read-only folder, a file system
    without ``flock``), only the thread lock is used and SQLite's own lock does the rest.
    """

    def __init__(self, database: Path) -> None:
        self.path = database.with_name(database.name + ".write.lock")
        self._threads = threading.RLock()
        self._depth = 0  # re-entries by the thread holding ``_threads``
        self._fd: int | None = None
        self._no_file = False

    def acquire(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        if not self._threads.acquire(timeout=timeout):
            return False
        try:
            locked = self._depth > 0 or self._lock_file(deadline)
        except BaseException:
            self._threads.release()
            raise
        if not locked:
            self._threads.release()
            return False
        self._depth += 1
        return True

    def release(self) -> None:
        self._depth -= 1
        try:
            if self._depth == 0 and self._fd is not None:
                fcntl.flock(self._fd, fcntl.LOCK_UN)
        finally:
            self._threads.release()

    def _lock_file(self, deadline: float) -> bool:
        if self._fd is None and not self._no_file:
            try:
                self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
            except OSError:
                self._no_file = True
        pause = 0.0001
        while self._fd is not None:
            try:
                fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return True
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    return False
                time.sleep(pause)
                pause = min(pause * 2, 0.001)
            except OSError:  # a file system without flock: SQLite's own lock only
                self.close()
                self._no_file = True
        return True

    def close(self) -> None:
        """Close the lock file (in a forked child: the parent's lock is left as it is)."""
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


_WRITE_LOCKS: dict[Path, WriterLock] = {}
_WRITE_LOCKS_GUARD = threading.Lock()


def _sqlite_write_lock(path: Path) -> WriterLock:
    """The writers' lock of one SQLite file, shared by every :class:`Database` on it in
    this process."""
    with _WRITE_LOCKS_GUARD:
        lock = _WRITE_LOCKS.get(path)
        if lock is None:
            lock = _WRITE_LOCKS[path] = WriterLock(path)
        return lock


def _forget_locks_in_child() -> None:
    # A forked child must not inherit a lock some other thread of the parent held, nor
    # share the parent's lock file (a flock belongs to the open file, which a fork shares).
    global _WRITE_LOCKS_GUARD
    for lock in _WRITE_LOCKS.values():
        lock.close()
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
