"""Alembic environment for the records database.

It is configured in code (:mod:`assistant.records.migrate`), not from an ``alembic.ini``,
so migrations run the same from a source checkout and from an installed wheel. The caller
hands over an open connection in ``config.attributes["connection"]``.
"""

from __future__ import annotations

from alembic import context

from assistant.records.orm import Base

config = context.config
connection = config.attributes.get("connection")
if connection is None:  # pragma: no cover - only reachable by running `alembic` by hand
    raise RuntimeError("Run migrations with `comentor db upgrade`, not the alembic command.")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    # SQLite cannot ALTER most things in place; batch mode copies the table instead.
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
