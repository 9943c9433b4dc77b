"""POST /chat and the OpenAI-compatible /v1 API: in-process through the app, and against a
live `comentor serve` on loopback with the real `openai` client and LangChain's ChatOpenAI."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api import create_app
from api.routes.chat import ChatOptions, TokenBuckets, build_chat_state
from assistant.config import Settings
from assistant.errors import RateLimited
from assistant.knowledge.retrieval import HybridRetriever
from assistant.records import Records, Role
from assistant.service import Comentor
from assistant.workspace import Workspace
from tests.api_kit import (
    PROGRAM,
    REL,
    World,
    build_world,
    copy_index,
    live_server,
    program_document,
)
from tests.conftest import make_settings


@pytest.fixture(scope="module")
def comentor(
    knowledge_retriever: HybridRetriever, tmp_path_factory: pytest.TempPathFactory
) -> Comentor:
    return Comentor(
        make_settings(tmp_path_factory.mktemp("chat-api")), retriever=knowledge_retriever
    )


@pytest.fixture
def api(tmp_path: Path, comentor: Comentor) -> Iterator[tuple[TestClient, World]]:
    settings = make_settings(tmp_path / "data")
    workspace = Workspace(settings, comentor=comentor)
    world = build_world(workspace)
    with TestClient(create_app(settings, workspace=workspace)) as client:
        client.headers.update(world.headers("mentee"))
        yield client, world
    workspace.close()


def sse(text: str) -> list[tuple[str, Any]]:
    """(event, data) pairs of a text/event-stream body."""
    events = []
    for block in text.replace("\r\n", "\n").split("\n\n"):
        name, data = "message", []
        for line in block.splitlines():
            if line.startswith("event:"):
                name = line[6:].strip()
            elif line.startswith("data:"):
                data.append(line[5:].strip())
        if data:
            raw = "\n".join(data)
            events.append((name, raw if raw == "[DONE]" else json.loads(raw)))
    return events


# -- POST /chat ------------------------------------------------------------------------------


def test_chat_runs_the_job_stores_it_and_remembers(api: tuple[TestClient, World]) -> None:
    client, _ = api
    first = client.post(
        "/chat", json={"message": "plan 45 minutes with Amara about the board review"}
    )
    assert first.status_code == 200, first.text
    body = first.json()
    assert body["intent"] == "agenda" and body["result"]["relationship_id"] == REL
    assert body["result"]["total_minutes"] == 45 and body["citations"]
    assert isinstance(body["result"]["id"], int)  # stored as a job result
    cid = body["conversation_id"]

    shorter = client.post("/chat", json={"message": "make it 30 minutes", "conversation_id": cid})
    assert shorter.status_code == 200
    again = shorter.json()
    assert again["intent"] == "agenda" and again["result"]["total_minutes"] == 30
    assert again["result"]["focus"] == body["result"]["focus"]
    assert again["conversation_id"] == cid

    why = client.post("/chat", json={"message": "why that order?", "conversation_id": cid})
    assert why.json()["intent"] == "agenda" and why.json()["result"] is None


def test_chat_summarizes_pasted_notes_into_a_stored_checkin(api: tuple[TestClient, World]) -> None:
    client, world = api
    before = len(world.workspace.list_checkins(PROGRAM, REL))
    notes = (
        "Leo: I showed Amara how I build the weekly dashboard.\n"
        "Amara: I explained how the capex committee ranks requests.\n"
        "Leo: I'll send the prompt list by Friday.\n"
        "Amara: I will bring last quarter's board pack next time."
    )
    reply = client.post("/chat", json={"message": notes})
    assert reply.status_code == 200
    body = reply.json()
    assert body["intent"] == "summarize" and body["result"]["status"] == "summarized"
    assert len(world.workspace.list_checkins(PROGRAM, REL)) == before + 1


def test_chat_stream_sends_intent_deltas_then_final(api: tuple[TestClient, World]) -> None:
    client, _ = api
    with client.stream(
        "POST", "/chat", json={"message": "questions for Amara", "stream": True}
    ) as r:
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("text/event-stream")
        events = sse(r.read().decode())
    names = [e[0] for e in events]
    assert names[0] == "intent" and names[-1] == "final" and "delta" in names
    assert events[0][1]["intent"] == "questions"
    final = events[-1][1]
    assert final["intent"] == "questions" and final["citations"]
    assert "".join(d["text"] for n, d in events if n == "delta") == final["reply"]


def test_chat_limits_and_errors(api: tuple[TestClient, World]) -> None:
    client, world = api
    long = client.post("/chat", json={"message": "x" * 8001})
    assert long.status_code == 422 and long.json()["error"]["code"] == "message_too_long"
    assert "8000" in long.json()["error"]["message"]
    streamed = client.post("/chat", json={"message": "x" * 8001, "stream": True})
    assert streamed.status_code == 422
    assert (
        client.post("/chat", json={"message": "hi"}, headers={"Authorization": ""}).status_code
        == 401
    )
    assert client.post("/chat", json={"mesage": "hi"}).status_code == 422
    unknown = client.post("/chat", json={"message": "hi", "conversation_id": "conv_nope"})
    assert unknown.status_code == 404 and unknown.json()["error"]["code"] == "unknown_conversation"
    mine = client.post("/chat", json={"message": "hi"}).json()["conversation_id"]
    theirs = client.post(
        "/chat",
        json={"message": "hi", "conversation_id": mine},
        headers=world.headers("mentor"),
    )
    assert theirs.status_code == 403


def test_chat_declines_other_relationships_and_staff_jobs(api: tuple[TestClient, World]) -> None:
    client, world = api
    other = client.post("/chat", json={"message": "plan a session for Diane and Kwame"}).json()
    assert other["intent"] == "decline" and other["result"] is None
    given = client.post(
        "/chat", json={"message": "agenda please", "relationship_id": "diane-kwame-traditional"}
    ).json()
    assert given["intent"] == "decline"
    staff = world.headers("staff")
    plan = client.post(
        "/chat", json={"message": "plan 30 minutes for Amara and Leo"}, headers=staff
    )
    assert plan.json()["intent"] == "decline"
    asked = client.post(
        "/chat",
        json={"message": "How do I give upward feedback to a senior mentee?"},
        headers=staff,
    )
    assert asked.json()["intent"] == "ask" and asked.json()["citations"]


def test_the_chat_is_ready_before_the_first_message(
    tmp_path: Path, comentor: Comentor, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The intent classifier (about a second of embedding) is built at start-up, so that the
    # first message of each worker does not wait for it; one built later is not rebuilt.
    settings = make_settings(tmp_path / "data")
    workspace = Workspace(settings, comentor=comentor)
    world = build_world(workspace)
    app = create_app(settings, workspace=workspace)
    assert getattr(app.state, "chat", None) is None
    with TestClient(app) as client:
        built = app.state.chat
        assert built is not None and built.service.classifier is not None
        monkeypatch.setattr(
            "api.routes.chat.build_chat_state",
            lambda *a, **k: pytest.fail("the chat state was built again"),
        )
        reply = client.post("/chat", json={"message": "hi"}, headers=world.headers("mentee"))
        assert reply.status_code == 200 and app.state.chat is built
    workspace.close()


def test_rate_limit_answers_429_with_retry_after(api: tuple[TestClient, World]) -> None:
    client, world = api
    client.app.state.chat = build_chat_state(  # type: ignore[attr-defined]
        world.workspace, ChatOptions(rate_per_minute=6, burst=2)
    )
    assert client.post("/chat", json={"message": "hi"}).status_code == 200
    assert client.post("/chat", json={"message": "hi"}).status_code == 200
    limited = client.post("/chat", json={"message": "hi"})
    assert limited.status_code == 429 and limited.json()["error"]["code"] == "rate_limited"
    assert 1 <= int(limited.headers["Retry-After"]) <= 10
    # Buckets are per token: another user is not affected.
    assert (
        client.post("/chat", json={"message": "hi"}, headers=world.headers("mentor")).status_code
        == 200
    )


def test_chat_checks_the_token_then_the_rate_then_the_message(
    api: tuple[TestClient, World],
) -> None:
    """The caller is authenticated with the work, on the jobs' pool, but the order of the
    checks is kept: 401 before 429 before the message's own 422, on /chat and /v1."""
    client, world = api
    client.app.state.chat = build_chat_state(  # type: ignore[attr-defined]
        world.workspace, ChatOptions(rate_per_minute=6, burst=1)
    )
    too_long = "x" * 8001
    completion = {"model": "comentor", "messages": [{"role": "user", "content": too_long}]}
    no_token = {"Authorization": ""}
    for path, body in (("/chat", {"message": too_long}), ("/v1/chat/completions", completion)):
        for stream in (False, True):
            sent = {**body, "stream": stream}
            assert client.post(path, json=sent, headers=no_token).status_code == 401
            bad = {"Authorization": "Bearer cm_not-a-real-token"}
            assert client.post(path, json=sent, headers=bad).status_code == 401
    first = client.post("/chat", json={"message": too_long})
    assert first.status_code == 422  # the bucket's one token is spent on it
    assert client.post("/chat", json={"message": too_long}).status_code == 429
    assert client.post("/v1/chat/completions", json=completion).status_code == 429


def test_token_bucket_refills() -> None:
    buckets = TokenBuckets(rate_per_minute=60, burst=2)
    buckets.take("a", now=0.0)
    buckets.take("a", now=0.0)
    with pytest.raises(RateLimited) as exc:
        buckets.take("a", now=0.5)
    assert exc.value.retry_after == pytest.approx(0.5)
    buckets.take("a", now=1.0)  # one token back after a second
    buckets.take("b", now=1.0)


def test_openai_shapes_in_process(api: tuple[TestClient, World]) -> None:
    client, _ = api
    models = client.get("/v1/models").json()
    assert models["data"][0]["id"] == "comentor"
    done = client.post(
        "/v1/chat/completions",
        json={"model": "comentor", "messages": [{"role": "user", "content": "topics for Amara"}]},
    )
    assert done.status_code == 200, done.text
    body = done.json()
    assert body["object"] == "chat.completion"
    assert body["choices"][0]["message"]["content"].startswith("**What")
    assert body["comentor"]["intent"] == "topics"
    wrong = client.post(
        "/v1/chat/completions",
        json={"model": "gpt-4", "messages": [{"role": "user", "content": "hi"}]},
    )
    assert wrong.status_code == 422 and wrong.json()["error"]["code"] == "unknown_model"


# -- against a live server, with real clients ------------------------------------------------


@pytest.fixture(scope="module")
def live(
    tmp_path_factory: pytest.TempPathFactory,
    knowledge_settings: Settings,
    knowledge_retriever: HybridRetriever,
) -> Iterator[tuple[str, str]]:
    data_dir = tmp_path_factory.mktemp("chat-live") / "data"
    data_dir.mkdir(parents=True)
    copy_index(knowledge_settings.data_dir, data_dir)
    settings = make_settings(data_dir)
    records = Records(settings)
    workspace = Workspace(settings, records=records)
    workspace.put_program(PROGRAM, program_document())
    _, token = records.add_user("Leo", Role.MENTEE, participant_id="leo", program_id=PROGRAM)
    workspace.close()
    with live_server(data_dir) as server:
        yield server.url, token


def test_openai_client_against_a_live_server(live: tuple[str, str]) -> None:
    from openai import OpenAI

    url, token = live
    client = OpenAI(base_url=f"{url}/v1", api_key=token, max_retries=0, timeout=120)
    assert [m.id for m in client.models.list().data] == ["comentor"]

    history: list[dict[str, str]] = [{"role": "user", "content": "plan 45 minutes with Amara"}]
    first = client.chat.completions.create(model="comentor", messages=history)  # type: ignore[arg-type]
    text = first.choices[0].message.content or ""
    assert "**Agenda: 45 minutes**" in text
    extra = first.model_extra or {}
    assert extra["comentor"]["intent"] == "agenda"

    # A follow-up in the same (resent) history finds the conversation's state.
    history += [
        {"role": "assistant", "content": text},
        {"role": "user", "content": "make it 30 minutes"},
    ]
    pieces = []
    final: dict[str, Any] = {}
    stream: Any = client.chat.completions.create(
        model="comentor",
        messages=history,  # type: ignore[arg-type]
        stream=True,
    )
    for chunk in stream:
        if chunk.choices and chunk.choices[0].delta.content:
            pieces.append(chunk.choices[0].delta.content)
        if chunk.model_extra and "comentor" in chunk.model_extra:
            final = chunk.model_extra["comentor"]
    assert "**Agenda: 30 minutes**" in "".join(pieces)
    assert final["intent"] == "agenda" and final["result"]["total_minutes"] == 30

    # The relationship from metadata.
    meta = client.chat.completions.create(
        model="comentor",
        messages=[{"role": "user", "content": "some questions please"}],
        metadata={"relationship_id": REL, "program_id": PROGRAM},
    )
    assert (meta.model_extra or {})["comentor"]["result"]["relationship_id"] == REL

    from openai import AuthenticationError

    bad = OpenAI(base_url=f"{url}/v1", api_key="cm_wrong", max_retries=0)
    with pytest.raises(AuthenticationError):
        bad.models.list()


def test_langchain_chat_openai_against_a_live_server(live: tuple[str, str]) -> None:
    from langchain_core.messages import HumanMessage, SystemMessage
    from langchain_openai import ChatOpenAI

    url, token = live
    model = ChatOpenAI(model="comentor", base_url=f"{url}/v1", api_key=token, max_retries=0)
    answer = model.invoke("How do I give feedback to someone more senior than me?")
    assert isinstance(answer.content, str) and "**Sources**" in answer.content

    # The relationship named in the first message (a system message here).
    messages = [
        SystemMessage(content=f"Relationship: {REL}"),
        HumanMessage(content="suggest topics"),
    ]
    streamed = "".join(str(chunk.content) for chunk in model.stream(messages))
    assert streamed.startswith("**What Amara could learn from Leo**")
