"""Schema migrations (Alembic, configured in code) and the one-time import of rotation.json.

``upgrade`` is idempotent and safe to run from several processes at once (service workers
starting together): on PostgreSQL it holds an advisory lock, on SQLite a lock file beside
the database, while Alembic runs.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
from collections.abc import Iterator
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, select, text
from sqlalchemy.exc import SQLAlchemyError

from assistant.errors import StoreError
from assistant.records.db import Database, sqlite_path
from assistant.records.orm import MetaRow, RotationRow, RotationTurnRow, utcnow

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
ROTATION_IMPORTED = "rotation_json_sha256"
_PG_LOCK_KEY = 0x636F6D656E746F72  # "comentor": one advisory lock for migrations


def alembic_config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("path_separator", "os")
    config.set_main_option("version_locations", str(MIGRATIONS_DIR / "versions"))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None, "the migrations folder has no revisions"
    return head


def current_revision(db: Database) -> str | None:
    with db.engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def upgrade(db: Database, *, data_dir: Path | None = None) -> None:
    """Bring the schema to the newest revision, then import ``rotation.json`` once."""
    try:
        with _migration_lock(db), db.engine.connect() as connection:
            if db.sqlite:
                # Alembic manages its own transaction; on SQLite begin it immediately so the
                # migration holds the write lock from the start.
                connection = connection.execution_options(comentor_write=True)
            command.upgrade(alembic_config(connection), "head")
            connection.commit()
    except SQLAlchemyError as exc:
        raise StoreError(
            f"Cannot migrate the records database {db.engine.url!r}: "
            f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}",
            hint="Check COMENTOR_DATABASE_URL and that the database server is running.",
            code="database_unavailable",
        ) from exc
    if data_dir is not None:
        import_rotation_json(db, data_dir / "rotation.json")


@contextlib.contextmanager
def _migration_lock(db: Database) -> Iterator[None]:
    if db.sqlite:
        path = sqlite_path(db.url)
        assert path is not None
        lock_path = path.with_name(path.name + ".migrate.lock")
        with lock_path.open("a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)
        return
    with db.engine.connect() as lock_conn:
        lock_conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": _PG_LOCK_KEY})
        lock_conn.commit()
        try:
            yield
        finally:
            lock_conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": _PG_LOCK_KEY})
            lock_conn.commit()


def import_rotation_json(db: Database, path: Path) -> int:
    """Import the CLI's rotation ledger file once, then rename it ``rotation.json.migrated``.

    Returns the number of turns imported. The file's hash is recorded in the same
    transaction as the turns, so a crash before the rename cannot import it twice; a file
    that appears later (written by the CLI) is left alone.
    """
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return 0
    except OSError as exc:
        raise StoreError(f"Cannot read {path} to import the rotation: {exc}") from None
    digest = hashlib.sha256(raw).hexdigest()
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise StoreError(
            f"The rotation ledger {path} is not valid JSON, so it cannot be imported.",
            hint="Fix or delete the file; deleting it only forgets past group rotations.",
        ) from None
    if not isinstance(data, dict) or not all(isinstance(v, list) for v in data.values()):
        raise StoreError(f"The rotation ledger {path} has an unexpected shape.")
    imported = 0
    with db.write() as session:
        done = session.get(MetaRow, ROTATION_IMPORTED)
        if done is None:
            for relationship_id, sessions in sorted(data.items()):
                rel = str(relationship_id)
                if session.get(RotationRow, ("", rel)) is None:
                    session.add(RotationRow(program_id="", relationship_id=rel))
                    session.flush()
                for teachers in sessions:
                    session.add(
                        RotationTurnRow(
                            program_id="",
                            relationship_id=rel,
                            teachers=[str(t) for t in teachers],
                            created_at=utcnow(),
                        )
                    )
                    imported += 1
            session.add(MetaRow(key=ROTATION_IMPORTED, value=digest))
        elif done.value != digest:
            return 0  # a newer file the CLI wrote after the import: not ours to move
    path.replace(path.with_name(path.name + ".migrated"))
    return imported


def imported_rotation_turns(db: Database) -> int:
    with db.read() as session:
        rows = session.scalars(select(RotationTurnRow).where(RotationTurnRow.program_id == ""))
        return len(list(rows))
