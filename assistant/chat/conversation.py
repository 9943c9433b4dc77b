"""A conversation's state and where it is kept.

:class:`Conversation` is what the dialogue needs to understand a follow-up: the last
intent, relationship, slots and result, and a bounded history of turns. It is stored
through the small :class:`ConversationStore` protocol: :class:`MemoryConversationStore`
here (tests, the CLI, a single process) and a SQL store in
``assistant/records/conversations.py`` (the service, shared by every worker).
"""

from __future__ import annotations

import datetime as dt
import secrets
import threading
from collections import OrderedDict
from typing import Any, Literal, Protocol

from pydantic import BaseModel, Field

from assistant.errors import NotFoundError, PermissionDenied

MAX_TURNS = 20  # turns kept per conversation (a turn is one user or assistant message)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def new_conversation_id() -> str:
    return "conv_" + secrets.token_urlsafe(12)


class Turn(BaseModel):
    role: Literal["user", "assistant"]
    content: str
    intent: str | None = None
    at: dt.datetime = Field(default_factory=utcnow)
    # An assistant turn's numbered citations ({number, id, title, source}), so a reopened
    # conversation still links what it cited.
    citations: list[dict[str, Any]] = Field(default_factory=list)


class Conversation(BaseModel):
    """The state the dialogue keeps between messages."""

    id: str = Field(default_factory=new_conversation_id)
    owner: str | None = None  # who may continue it (a user id as text; None: anyone local)
    created_at: dt.datetime = Field(default_factory=utcnow)
    updated_at: dt.datetime = Field(default_factory=utcnow)
    turns: list[Turn] = Field(default_factory=list)
    last_intent: str | None = None  # the last job that ran (agenda, questions, ...)
    program_id: str | None = None
    relationship_id: str | None = None
    slots: dict[str, Any] = Field(default_factory=dict)  # last minutes / focus
    last_result: dict[str, Any] | None = None  # the last job's structured result
    pending: dict[str, Any] | None = None  # a request waiting for a clarification answer

    def add(
        self,
        role: Literal["user", "assistant"],
        content: str,
        *,
        intent: str | None = None,
        citations: list[dict[str, Any]] | None = None,
        max_turns: int = MAX_TURNS,
    ) -> None:
        """Append a turn, keeping only the last ``max_turns``."""
        self.turns.append(
            Turn(role=role, content=content, intent=intent, citations=list(citations or []))
        )
        if len(self.turns) > max_turns:
            del self.turns[: len(self.turns) - max_turns]
        self.updated_at = utcnow()


class ConversationStore(Protocol):
    """Where conversations live between messages."""

    def get(self, conversation_id: str) -> Conversation | None: ...

    def save(self, conversation: Conversation) -> None: ...

    def delete(self, conversation_id: str) -> None: ...


def load_owned(store: ConversationStore, conversation_id: str, owner: str | None) -> Conversation:
    """A stored conversation that ``owner`` may continue; NotFoundError for an unknown id,
    PermissionDenied for someone else's (ids are random, but never trust an id alone)."""
    found = store.get(conversation_id)
    if found is None:
        raise NotFoundError(
            f"No conversation {conversation_id!r}.",
            hint="Leave conversation_id out to start a new conversation.",
            code="unknown_conversation",
        )
    if found.owner is not None and found.owner != owner:
        raise PermissionDenied("This conversation belongs to someone else.", code="forbidden")
    return found


class MemoryConversationStore:
    """Conversations in a dict, oldest evicted first beyond ``capacity``."""

    def __init__(self, capacity: int = 10_000) -> None:
        self.capacity = capacity
        self._items: OrderedDict[str, str] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, conversation_id: str) -> Conversation | None:
        with self._lock:
            raw = self._items.get(conversation_id)
        # Stored as JSON so a caller's later edits never change the stored state.
        return Conversation.model_validate_json(raw) if raw is not None else None

    def save(self, conversation: Conversation) -> None:
        raw = conversation.model_dump_json()
        with self._lock:
            self._items[conversation.id] = raw
            self._items.move_to_end(conversation.id)
            while len(self._items) > self.capacity:
                self._items.popitem(last=False)

    def delete(self, conversation_id: str) -> None:
        with self._lock:
            self._items.pop(conversation_id, None)

    def __len__(self) -> int:
        return len(self._items)
