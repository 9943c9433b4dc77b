"""``POST /chat``: a message in, the routed job's reply out, with memory and streaming.

The conversation is kept in the records database (``conversations``), so a follow-up such
as "make it 30 minutes" works on any worker. ``stream: true`` answers with Server-Sent
Events: ``intent`` (as soon as the message is routed), ``delta`` (reply text: with an LLM
engine that streams, a knowledge answer's pieces as the model writes them), ``replace``
(only when the checked reply differs from the deltas: show its ``text`` instead), then
``final`` (the whole reply with its result and citations); a failure after the stream has
started arrives as an ``error`` event.

Limits: a message over 8,000 characters gets 422 ``message_too_long``; each token has a
token bucket (``COMENTOR_CHAT_RATE_PER_MINUTE``, ``COMENTOR_CHAT_BURST``), and a request
over it gets 429 ``rate_limited`` with ``Retry-After``.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from typing import Annotated, Any

import anyio.to_thread
from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel, ConfigDict, Field
from pydantic_settings import BaseSettings, SettingsConfigDict
from sse_starlette import EventSourceResponse

from api.deps import Caller, CallerDep, CurrentUser, WorkspaceDep, run_job
from api.errors import error_responses
from assistant.chat import ChatReply, ChatService, WorkspaceJobs, check_message
from assistant.chat.intents import IntentClassifier, default_examples_path
from assistant.chat.jobs import ScopeCache
from assistant.chat.service import next_events
from assistant.errors import ComentorError, RateLimited
from assistant.records import User
from assistant.records.conversations import SqlConversationStore
from assistant.workspace import Workspace

log = logging.getLogger(__name__)

router = APIRouter(tags=["chat"])


class ChatOptions(BaseSettings):
    """Chat limits, from ``COMENTOR_CHAT_*`` environment variables."""

    model_config = SettingsConfigDict(env_prefix="COMENTOR_CHAT_", extra="ignore")

    rate_per_minute: float = Field(default=120.0, gt=0)
    burst: int = Field(default=30, ge=1)
    max_turns: int = Field(default=20, ge=2, le=200)


class TokenBuckets:
    """One token bucket per key (a bearer token's hash): ``burst`` requests at once, then
    ``rate_per_minute``. In-process: with several workers each keeps its own buckets."""

    def __init__(self, rate_per_minute: float, burst: int) -> None:
        self.rate = rate_per_minute / 60.0
        self.burst = float(burst)
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def take(self, key: str, now: float | None = None) -> None:
        """Spend one token, or raise RateLimited saying when the next one is due."""
        now = time.monotonic() if now is None else now
        with self._lock:
            tokens, last = self._buckets.get(key, (self.burst, now))
            tokens = min(self.burst, tokens + (now - last) * self.rate)
            if tokens < 1.0:
                self._buckets[key] = (tokens, now)
                wait = (1.0 - tokens) / self.rate
                raise RateLimited(
                    f"Too many chat requests; the limit is {self.rate * 60:g} a minute "
                    f"(bursts of {self.burst:g}).",
                    retry_after=wait,
                    hint=f"Retry in {max(1, round(wait))} s.",
                )
            self._buckets[key] = (tokens - 1.0, now)
            if len(self._buckets) > 100_000:  # forget the idle: full buckets carry no state
                for k in [k for k, (t, _) in self._buckets.items() if t >= self.burst - 1]:
                    del self._buckets[k]


@dataclass
class ChatState:
    service: ChatService
    buckets: TokenBuckets
    options: ChatOptions
    scopes: ScopeCache


_build_lock = threading.Lock()


def build_chat_state(workspace: Workspace, options: ChatOptions | None = None) -> ChatState:
    """The chat service over the workspace's embedder, storing conversations in its
    records database."""
    options = options or ChatOptions()
    # The planning service's caching embedder: a question embedded to route it is not
    # embedded again when the answer scores its sentences against it.
    classifier = IntentClassifier.from_file(
        workspace.comentor.matcher, default_examples_path(workspace.settings.knowledge_dir)
    )
    classifier.warm()
    service = ChatService(
        classifier, SqlConversationStore(workspace.records.db), max_turns=options.max_turns
    )
    buckets = TokenBuckets(options.rate_per_minute, options.burst)
    return ChatState(service, buckets, options, ScopeCache())


def chat_state(app: Any, workspace: Workspace) -> ChatState:
    """The app's chat state, built once (the service builds it at start-up)."""
    with _build_lock:
        state: ChatState | None = getattr(app.state, "chat", None)
        if state is None:
            state = build_chat_state(workspace)
            app.state.chat = state
    return state


async def get_chat(request: Request, workspace: WorkspaceDep) -> ChatState:
    """The app's chat state; built here on a worker thread (it embeds the intent examples)
    only if start-up could not build it."""
    state: ChatState | None = getattr(request.app.state, "chat", None)
    if state is None:
        state = await anyio.to_thread.run_sync(chat_state, request.app, workspace)
    return state


ChatDep = Annotated[ChatState, Depends(get_chat)]


def rate_key(request: Request, user: User) -> str:
    """Per token: the hash of the bearer credentials (the user id in dev mode)."""
    auth = request.headers.get("authorization", "")
    if auth:
        return hashlib.sha256(auth.encode()).hexdigest()[:32]
    return f"user:{user.id}"


def limited_user(caller: Caller, chat: ChatState) -> User:
    """The authenticated caller (401 without a valid token), after spending one token of
    their bucket (429 when it is empty). Blocking (the token is looked up): call it on the
    jobs' pool, at the start of the request's work."""
    user = caller.user()
    chat.buckets.take(rate_key(caller.request, user))
    return user


async def limited(request: Request, user: CurrentUser, chat: ChatDep) -> User:
    """As :func:`limited_user`, for a route with no work of its own on the jobs' pool. The
    bucket is a few dictionary operations under a lock: run on the event loop."""
    chat.buckets.take(rate_key(request, user))
    return user


LimitedUser = Annotated[User, Depends(limited)]


class ChatRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    message: str = Field(description="What the user says (at most 8,000 characters).")
    conversation_id: str | None = Field(
        default=None, max_length=64, description="Continue this conversation."
    )
    program_id: str | None = Field(default=None, max_length=64)
    relationship_id: str | None = Field(
        default=None, max_length=64, description="Run the job for this relationship."
    )
    stream: bool = Field(default=False, description="Answer with Server-Sent Events.")


async def job_events(request: Request, events: Iterator[Any]) -> AsyncIterator[Any]:
    """The chat events, with the job itself run on the service's bounded job pool: the
    ``intent`` event is already decided, the rest comes once the job has run (a model's
    streamed pieces one by one, as they come)."""
    first = next(events, None)  # the routed intent: no work left before it
    if first is not None:
        yield first
    while True:
        ready: list[Any] = await run_job(request, next_events, events)
        for event in ready:
            yield event
        if not ready or ready[-1].type == "final":
            return


def _final_json(reply: ChatReply) -> dict[str, Any]:
    return reply.model_dump(mode="json")


def _error_json(exc: Exception) -> dict[str, Any]:
    if isinstance(exc, ComentorError):
        return {"error": {"code": exc.code, "message": exc.message, "hint": exc.hint}}
    return {"error": {"code": "internal_error", "message": type(exc).__name__, "hint": None}}


async def sse_events(
    events: AsyncIterator[Any],
    *,
    final: Callable[[ChatReply], dict[str, Any]] = _final_json,
    error: Callable[[Exception], dict[str, Any]] = _error_json,
) -> AsyncIterator[dict[str, str]]:
    """ChatEvents as SSE messages; an error after the start becomes an ``error`` event.
    ``final`` and ``error`` shape those two events' data (the web page renders HTML)."""
    try:
        async for event in events:
            if event.type == "intent":
                data = {"intent": event.intent, "conversation_id": event.conversation_id}
            elif event.type == "delta":
                data = {"text": event.text}
            elif event.type == "replace":
                data = {"text": event.text, "engine": event.engine, "reason": event.reason}
            else:
                data = final(event.reply)
            yield {"event": event.type, "data": json.dumps(data)}
    except ComentorError as exc:
        yield {"event": "error", "data": json.dumps(error(exc))}
    except Exception as exc:  # the status line is already sent: report it in the stream
        log.exception("chat stream failed")
        yield {"event": "error", "data": json.dumps(error(exc))}


@router.post(
    "/chat",
    response_model=ChatReply,
    summary="Talk to Comentor: routed to agenda, questions, topics, summarize or ask",
    responses={
        200: {
            "description": "The reply; with `stream: true` a `text/event-stream` of "
            "`intent`, `delta`…, `replace` (only when the checked reply supersedes the "
            "deltas: show its `text`) and `final` events.",
            "content": {"text/event-stream": {}},
        },
        **error_responses(401, 403, 404, 413, 422, 429, 502, 503),
    },
)
async def chat(request: Request, body: ChatRequest, caller: CallerDep, chat: ChatDep) -> Any:
    """The message is routed to a job by meaning (see `intent`), for one of the caller's
    own relationships (named, given, remembered or asked back); the reply is Markdown, the
    job's structured output is `result`."""

    def start() -> Iterator[Any]:
        # Authentication, the rate limit, routing (and the whole job when not streamed) in
        # one trip to the jobs' bounded pool, so the event loop keeps serving. Errors raise
        # here, before any stream starts: 401, then 429, then the message's own.
        user = limited_user(caller, chat)
        check_message(body.message)
        jobs = WorkspaceJobs(caller.workspace, user, program_id=body.program_id, cache=chat.scopes)
        return chat.service.stream(
            body.message,
            jobs,
            conversation_id=body.conversation_id,
            relationship_id=body.relationship_id,
            program_id=body.program_id,
            token_stream=body.stream,
            deltas=body.stream,
        )

    if not body.stream:
        # The reply is already a validated ChatReply: it is serialized once, as it is.
        done: list[Any] = await run_job(request, lambda: list(start()))
        reply: ChatReply = next(e.reply for e in done if e.type == "final")
        return Response(reply.model_dump_json(), media_type="application/json")
    events = await run_job(request, start)
    return EventSourceResponse(sse_events(job_events(request, events)))
