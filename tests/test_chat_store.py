"""The SQL conversation store on SQLite and on a real PostgreSQL server (tests/pg.py)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.chat import Conversation
from assistant.records import Records
from assistant.records.conversations import SqlConversationStore
from tests.conftest import make_settings


@pytest.fixture
def store(database_url: str, tmp_path: Path) -> Iterator[SqlConversationStore]:
    records = Records(make_settings(tmp_path / "data", database_url=database_url))
    records.upgrade()
    yield SqlConversationStore(records.db)
    records.dispose()


def test_round_trip_update_bounded_history_and_delete(store: SqlConversationStore) -> None:
    assert store.get("conv_missing") is None
    assert store.get("x" * 200) is None  # longer than any id: not a database error
    conversation = Conversation(owner="12")
    conversation.add("user", "plan 30 minutes with Sam", intent="agenda")
    conversation.last_intent = "agenda"
    conversation.relationship_id = "leo-sam-nearpeer"
    conversation.slots = {"minutes": 30, "focus": None}
    conversation.last_result = {"total_minutes": 30, "items": [{"title": "Opening"}]}
    store.save(conversation)
    loaded = store.get(conversation.id)
    assert loaded is not None and loaded.model_dump() == conversation.model_dump()

    for n in range(30):
        loaded.add("user", f"turn {n}", max_turns=8)
    store.save(loaded)
    again = store.get(conversation.id)
    assert again is not None and len(again.turns) == 8 and again.turns[-1].content == "turn 29"

    store.delete(conversation.id)
    assert store.get(conversation.id) is None


def test_prune_forgets_idle_conversations(store: SqlConversationStore) -> None:
    old, new = Conversation(), Conversation()
    old.updated_at = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
    store.save(old)
    store.save(new)
    assert store.prune(dt.datetime(2021, 1, 1, tzinfo=dt.UTC)) == 1
    assert store.get(old.id) is None and store.get(new.id) is not None


def test_list_for_gives_an_owners_own_conversations_most_recent_first(
    store: SqlConversationStore,
) -> None:
    mine = [Conversation(owner="7") for _ in range(3)]
    for n, conversation in enumerate(mine):
        conversation.updated_at = dt.datetime(2026, 1, 1 + n, tzinfo=dt.UTC)
        store.save(conversation)
    store.save(Conversation(owner="8"))
    store.save(Conversation())  # local use: no owner
    listed = store.list_for("7")
    assert [c.id for c in listed] == [c.id for c in reversed(mine)]
    assert [c.id for c in store.list_for("7", limit=2)] == [mine[2].id, mine[1].id]
    assert store.list_for("9") == []


def test_a_save_replaces_state_and_time_but_keeps_owner_and_creation(
    store: SqlConversationStore,
) -> None:
    first, second = Conversation(owner="7"), Conversation(owner="7")
    first.updated_at = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    second.updated_at = dt.datetime(2026, 1, 2, tzinfo=dt.UTC)
    store.save(first)
    store.save(second)
    assert [c.id for c in store.list_for("7")] == [second.id, first.id]

    # The upsert of a known id: a later turn moves it to the top; the owner it was
    # created with stays (a state naming another owner does not move the row).
    first.add("user", "and one more thing")
    first.updated_at = dt.datetime(2026, 1, 3, tzinfo=dt.UTC)
    created = first.created_at
    first.owner = "8"
    store.save(first)
    assert [c.id for c in store.list_for("7")] == [first.id, second.id]
    assert store.list_for("8") == []
    loaded = store.get(first.id)
    assert loaded is not None and loaded.turns[-1].content == "and one more thing"
    assert loaded.created_at == created
