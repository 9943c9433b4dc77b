"""The :class:`Records` facade: one object for everything Comentor remembers."""

from __future__ import annotations

from sqlalchemy import text

from assistant.config import Settings
from assistant.errors import StoreError
from assistant.records.checkins import CheckinsMixin
from assistant.records.db import Database
from assistant.records.migrate import current_revision, head_revision, upgrade
from assistant.records.programs import ProgramsMixin
from assistant.records.rotation import RotationMixin
from assistant.records.staff import StaffMixin
from assistant.records.users import UsersMixin


class Records(UsersMixin, ProgramsMixin, CheckinsMixin, StaffMixin, RotationMixin):
    """The records database: programs, users, check-ins, summaries, ledger and rotation.

    ``Records(settings)`` opens (but does not create) the database of
    ``settings.database_url_resolved``; :meth:`upgrade` creates or migrates its schema.
    Safe to share between threads: every method runs in its own transaction.
    """

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.db = Database(settings.database_url_resolved)

    def upgrade(self) -> None:
        """Apply the migrations (idempotent), then import ``rotation.json`` once."""
        upgrade(self.db, data_dir=self.settings.data_dir)

    def ping(self) -> None:
        """Raise StoreError unless the database answers and its schema is up to date."""
        try:
            with self.db.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except Exception as exc:
            raise StoreError(
                f"The records database is unreachable: {type(exc).__name__}: "
                f"{str(exc).splitlines()[0] if str(exc) else ''}",
                hint="Check COMENTOR_DATABASE_URL and that the database server is running.",
                code="database_unavailable",
            ) from None
        revision = current_revision(self.db)
        if revision != head_revision():
            raise StoreError(
                f"The records database is at revision {revision or '(empty)'}, "
                f"not {head_revision()}.",
                hint="Run `comentor db upgrade`.",
                code="database_outdated",
            )

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.db.dispose()
