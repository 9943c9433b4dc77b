"""The OpenAI-compatible API: ``GET /v1/models`` and ``POST /v1/chat/completions``.

Lets the official ``openai`` client, LangChain's ``ChatOpenAI`` and chat front-ends that
speak this protocol use Comentor as a model called ``comentor``. The API key is the bearer
token. The last user message is routed like ``POST /chat``; the relationship comes from
``metadata.relationship_id`` (and ``metadata.program_id``), or from a relationship id or a
person's name in the first message. Clients resend the whole history each time, so the
conversation is keyed by the caller and the first message: follow-ups ("make it 30
minutes") find the state the earlier turns left. ``metadata.conversation_id`` picks one
explicitly.

Besides the standard fields, a completion carries ``comentor``: the intent, the structured
result and the citations (the final chunk carries it when streaming). A streamed knowledge
answer from an LLM engine arrives as the model writes it; OpenAI streams only append, so
when the checked reply differs the stream appends what makes the whole read right (the
sources, or a rule and the grounded answer that replaces a failed one), and that chunk's
``comentor.replace`` carries the checked reply itself (see docs/chat.md).
"""

from __future__ import annotations

import hashlib
import json
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any, Literal

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field
from sse_starlette import EventSourceResponse

from api.deps import Caller, CallerDep, run_job
from api.errors import error_responses
from api.routes.chat import ChatDep, ChatState, LimitedUser, job_events, limited_user
from assistant.chat import ChatReply, WorkspaceJobs, check_message
from assistant.chat.conversation import Conversation
from assistant.errors import ComentorError, InputError

router = APIRouter(prefix="/v1", tags=["openai-compatible"])

MODEL_ID = "comentor"
CREATED = 1764806400  # 2025-12-04: a fixed creation time for the one model


class ContentPart(BaseModel):
    model_config = ConfigDict(extra="allow")
    type: str
    text: str | None = None


class Message(BaseModel):
    model_config = ConfigDict(extra="allow")
    role: Literal["system", "developer", "user", "assistant", "tool", "function"]
    content: str | list[ContentPart] | None = None

    def text(self) -> str:
        if isinstance(self.content, str):
            return self.content
        if not self.content:
            return ""
        return "\n".join(p.text or "" for p in self.content if p.type == "text")


class CompletionRequest(BaseModel):
    """The fields Comentor reads; other OpenAI parameters (temperature, …) are accepted
    and ignored, since the grounded engine is deterministic."""

    model_config = ConfigDict(extra="allow")
    model: str = MODEL_ID
    messages: list[Message] = Field(min_length=1)
    stream: bool = False
    metadata: dict[str, str] | None = None
    user: str | None = None


@router.get("/models", summary="The one model: comentor", responses=error_responses(401, 403, 429))
def list_models(user: LimitedUser) -> dict[str, Any]:
    return {
        "object": "list",
        "data": [{"id": MODEL_ID, "object": "model", "created": CREATED, "owned_by": "comentor"}],
    }


def _conversation_key(user_id: int, messages: list[Message]) -> str:
    """Stable across a client's turns: the caller and the conversation's first message."""
    first = next((m.text() for m in messages if m.role in ("system", "developer", "user")), "")
    digest = hashlib.sha256(f"{user_id}\n{first}".encode()).hexdigest()[:40]
    return f"oai_{digest}"


def _tokens(text: str) -> int:
    return max(1, len(text) // 4)  # an estimate: no tokenizer is involved


def _completion(reply: ChatReply, prompt: str, ident: str) -> dict[str, Any]:
    completion_tokens = _tokens(reply.reply)
    prompt_tokens = _tokens(prompt)
    return {
        "id": ident,
        "object": "chat.completion",
        "created": int(time.time()),
        "model": MODEL_ID,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": reply.reply},
                "finish_reason": "stop",
            }
        ],
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
        },
        "comentor": _extra(reply),
    }


def _extra(reply: ChatReply) -> dict[str, Any]:
    return {
        "conversation_id": reply.conversation_id,
        "intent": reply.intent,
        "result": reply.result,
        "citations": reply.citations,
    }


def _chunk(ident: str, created: int, delta: dict[str, Any], finish: str | None) -> dict[str, Any]:
    return {
        "id": ident,
        "object": "chat.completion.chunk",
        "created": created,
        "model": MODEL_ID,
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }


async def _stream(events: AsyncIterator[Any], ident: str) -> AsyncIterator[dict[str, str]]:
    created = int(time.time())
    try:
        async for event in events:
            if event.type == "intent":
                delta = {"role": "assistant", "content": ""}
                yield {"data": json.dumps(_chunk(ident, created, delta, None))}
            elif event.type == "delta":
                yield {"data": json.dumps(_chunk(ident, created, {"content": event.text}, None))}
            elif event.type == "replace":
                chunk = _chunk(ident, created, {"content": event.append or ""}, None)
                chunk["comentor"] = {
                    "replace": {"text": event.text, "engine": event.engine, "reason": event.reason}
                }
                yield {"data": json.dumps(chunk)}
            else:
                last = _chunk(ident, created, {}, "stop")
                last["comentor"] = _extra(event.reply)
                yield {"data": json.dumps(last)}
    except ComentorError as exc:
        body = {"error": {"code": exc.code, "message": exc.message, "type": exc.code}}
        yield {"event": "error", "data": json.dumps(body)}
    yield {"data": "[DONE]"}


@router.post(
    "/chat/completions",
    summary="OpenAI-compatible chat completion (streaming or not)",
    responses=error_responses(401, 403, 404, 413, 422, 429, 502, 503),
)
async def chat_completions(
    request: Request,
    body: CompletionRequest,
    caller: CallerDep,
    chat: ChatDep,
) -> Any:
    ident = f"chatcmpl-{uuid.uuid4().hex[:24]}"
    if body.stream:
        # Authentication, the rate limit and routing on the jobs' bounded pool; errors
        # raise before any stream starts.
        events, _ = await run_job(request, _start, body, caller, chat, True)
        return EventSourceResponse(_stream(job_events(request, events), ident))

    def whole() -> tuple[list[Any], str]:  # all of it in one trip to the jobs' pool
        events, message = _start(body, caller, chat, False)
        return list(events), message

    done, message = await run_job(request, whole)
    final = next(e.reply for e in done if e.type == "final")
    return _completion(final, message, ident)


def _start(
    body: CompletionRequest, caller: Caller, chat: ChatState, stream: bool
) -> tuple[Iterator[Any], str]:
    """Check the request, find or start its conversation and route the last user message."""
    user = limited_user(caller, chat)
    workspace = caller.workspace
    if body.model not in (MODEL_ID, f"{MODEL_ID}-grounded"):
        raise InputError(
            f"Unknown model {body.model!r}; this server offers {MODEL_ID!r}.",
            hint="GET /v1/models lists it.",
            code="unknown_model",
        )
    users = [m for m in body.messages if m.role == "user"]
    if not users:
        raise InputError("There is no user message to answer.", code="no_user_message")
    message = check_message(users[-1].text())
    meta = body.metadata or {}
    program_id = meta.get("program_id")
    jobs = WorkspaceJobs(workspace, user, program_id=program_id, cache=chat.scopes)
    conversation_id = meta.get("conversation_id") or _conversation_key(user.id, body.messages)
    if len(conversation_id) > 64:
        raise InputError(
            "metadata.conversation_id is longer than 64 characters.", code="invalid_input"
        )
    store = chat.service.store
    if store.get(conversation_id) is None:
        # A new conversation under the client's key; its relationship may be in the first
        # message ("for my pair with Sam", or a relationship id).
        fresh = Conversation(id=conversation_id, owner=str(user.id))
        first = body.messages[0].text()
        if len(body.messages) > 1 and first:
            picked = chat.service.pick_relationship(first, jobs)
            if picked is not None:
                fresh.program_id, fresh.relationship_id = picked.program_id, picked.relationship_id
        store.save(fresh)
    events = chat.service.stream(
        message,
        jobs,
        conversation_id=conversation_id,
        relationship_id=meta.get("relationship_id"),
        program_id=program_id,
        token_stream=stream,
        deltas=stream,
    )
    return events, message
