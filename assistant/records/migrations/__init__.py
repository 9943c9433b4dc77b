"""Alembic migrations of the records database (run by :func:`assistant.records.migrate.upgrade`)."""
