"""Request size limit, enforced before a body is read whole.

A pure ASGI middleware: a declared ``Content-Length`` over the limit gets 413
``body_too_large`` without a byte of the body being read; a body without a length
(``Transfer-Encoding: chunked``) is counted chunk by chunk as it arrives and refused as soon
as it passes the limit, so the service never holds more than the limit plus one chunk.

The limit is the check-in notes limit (1 MB, 1,000,000 bytes,
:data:`assistant.limits.MAX_NOTES_BYTES`) plus a margin of 64 KiB (65,536 bytes) for the
JSON envelope and escaping (a newline or a quote in the notes takes two bytes in JSON), so
notes up to their limit are accepted, notes just over it still reach the workspace and get
its precise 422 ``notes_too_large``, and anything much larger never does.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from assistant.limits import MAX_NOTES_BYTES

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

BODY_MARGIN_BYTES = 64 * 1024
MAX_BODY_BYTES = MAX_NOTES_BYTES + BODY_MARGIN_BYTES  # 1,065,536 bytes


class BodyLimitMiddleware:
    """Answer 413 for request bodies over ``max_bytes`` (see the module docstring)."""

    def __init__(self, app: ASGIApp, max_bytes: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.lower(): v for k, v in scope.get("headers", [])}
        length = headers.get(b"content-length")
        if length is not None:
            try:
                declared = int(length)
            except ValueError:
                declared = -1
            if declared < 0:
                await _reply(send, 400, "bad_request", "The Content-Length header is invalid.")
                return
            if declared > self.max_bytes:
                await _too_large(send, self.max_bytes, declared)
                return
            # The server delivers at most the declared length: nothing more to count.
            await self.app(scope, receive, send)
            return
        # No declared length: read what arrives, chunk by chunk, up to the limit.
        buffered: list[Message] = []
        size = 0
        while True:
            message = await receive()
            buffered.append(message)
            if message["type"] != "http.request":
                break  # a disconnect: let the app see it
            size += len(message.get("body", b""))
            if size > self.max_bytes:
                await _too_large(send, self.max_bytes, None)
                return
            if not message.get("more_body", False):
                break

        async def replay() -> Message:
            return buffered.pop(0) if buffered else await receive()

        await self.app(scope, replay, send)


async def _too_large(send: Send, limit: int, declared: int | None) -> None:
    size = f"{declared:,} bytes" if declared is not None else "over the limit"
    await _reply(
        send,
        413,
        "body_too_large",
        f"The request body is {size}; the limit is {limit:,} bytes.",
        "Send less at once, e.g. one check-in's notes per request.",
    )


async def _reply(send: Send, status: int, code: str, message: str, hint: str | None = None) -> None:
    body = json.dumps({"error": {"code": code, "message": message, "hint": hint}}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                # The unread body is still on the wire: the connection cannot be reused.
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
