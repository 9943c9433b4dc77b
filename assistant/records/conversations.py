"""Chat conversations in the records database, shared by every worker of the service.

:class:`SqlConversationStore` implements :class:`assistant.chat.ConversationStore` over the
``conversations`` table (migration 0002): one row per conversation, its state (last intent,
relationship, slots, last result and the bounded history) as JSON. A save replaces the row,
so the stored history never grows past the conversation's own bound.
"""

from __future__ import annotations

import datetime as dt
from functools import cached_property
from typing import Any

from sqlalchemy import JSON, Index, String, delete, select
from sqlalchemy.orm import Mapped, mapped_column

from assistant.chat.conversation import Conversation
from assistant.records.db import Database, dialect_insert
from assistant.records.orm import ID, Base, UTCDateTime, utcnow


class ConversationRow(Base):
    __tablename__ = "conversations"
    __table_args__ = (Index("ix_conversations_updated_at", "updated_at"),)

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    owner: Mapped[str | None] = mapped_column(String(64), nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    state: Mapped[dict[str, Any]] = mapped_column(JSON)


class SqlConversationStore:
    """Conversations in the records database (SQLite or PostgreSQL)."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def get(self, conversation_id: str) -> Conversation | None:
        if len(conversation_id) > 64:
            return None
        with self.db.read() as session:
            row = session.get(ConversationRow, conversation_id)
            state = dict(row.state) if row is not None else None
        return Conversation.model_validate(state) if state is not None else None

    @cached_property
    def _upsert(self) -> Any:
        """The save's statement, built once: its values come with each execution."""
        table = ConversationRow.__table__
        statement = dialect_insert(self.db.engine, table)
        return statement.on_conflict_do_update(
            index_elements=[table.c.id],
            set_={"state": statement.excluded.state, "updated_at": statement.excluded.updated_at},
        )

    def save(self, conversation: Conversation) -> None:
        """Store ``conversation``: one upsert (its owner and creation time are kept from the
        first save; the state and ``updated_at`` are replaced)."""
        values = {
            "id": conversation.id,
            "owner": conversation.owner,
            "created_at": conversation.created_at,
            "updated_at": conversation.updated_at,
            "state": conversation.model_dump(mode="json"),
        }
        with self.db.connect(write=True) as connection:
            connection.execute(self._upsert, values)

    def list_for(self, owner: str, limit: int = 20) -> list[Conversation]:
        """``owner``'s conversations, most recently used first."""
        with self.db.read() as session:
            rows = session.scalars(
                select(ConversationRow)
                .where(ConversationRow.owner == owner)
                .order_by(ConversationRow.updated_at.desc())
                .limit(limit)
            )
            states = [dict(r.state) for r in rows]
        return [Conversation.model_validate(s) for s in states]

    def delete(self, conversation_id: str) -> None:
        with self.db.write() as session:
            session.execute(delete(ConversationRow).where(ConversationRow.id == conversation_id))

    def prune(self, older_than: dt.datetime) -> int:
        """Forget conversations untouched since ``older_than``; returns how many."""
        with self.db.write() as session:
            ids = list(
                session.scalars(
                    select(ConversationRow.id).where(ConversationRow.updated_at < older_than)
                )
            )
            if ids:
                session.execute(delete(ConversationRow).where(ConversationRow.id.in_(ids)))
        return len(ids)
