"""Every error the service answers with, as ``{"error": {"code", "message", "hint"}}``.

Library errors (:class:`assistant.errors.ComentorError`) carry their own HTTP status and
stable code; this module only renders them. FastAPI's own failures are given codes too:
request validation (422 ``validation_error``, naming the field), unknown routes (404
``not_found``), wrong methods (405 ``method_not_allowed``), and anything unexpected (500
``internal_error``, without internals in the message).
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from assistant.errors import AuthError, ComentorError, RateLimited

log = logging.getLogger(__name__)


class ErrorBody(BaseModel):
    code: str = Field(description="Stable machine-readable code, e.g. `unknown_relationship`.")
    message: str = Field(description="What went wrong, for a person.")
    hint: str | None = Field(default=None, description="How to fix it, when there is a way.")


class ErrorResponse(BaseModel):
    """The shape of every error response."""

    error: ErrorBody


_DESCRIPTIONS = {
    400: "Bad request",
    401: "No token, or an unknown or revoked token (`unauthenticated`)",
    403: "The caller's role does not allow this (`forbidden`)",
    404: "Unknown program, relationship or check-in (`unknown_program`, "
    "`unknown_relationship`, `unknown_checkin`)",
    409: "Conflicts with what is stored",
    413: "Request body over the size limit (`body_too_large`)",
    415: "Unsupported request content type (`unsupported_media_type`)",
    422: "Invalid input: `validation_error` (names the field), `invalid_program`, "
    "`empty_notes`, `notes_too_large`, `invalid_input`, …",
    429: "Too many requests (`rate_limited`)",
    502: "The engine failed (`engine_error`)",
    503: "The store, database or index is not available",
}


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses=`` entries documenting the error model for these statuses."""
    return {s: {"model": ErrorResponse, "description": _DESCRIPTIONS[s]} for s in statuses}


def error_json(
    status: int,
    code: str,
    message: str,
    hint: str | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    body = {"error": {"code": code, "message": message, "hint": hint}}
    return JSONResponse(body, status_code=status, headers=headers)


def _field(loc: tuple[Any, ...] | list[Any]) -> str:
    # ("body", "notes") -> "notes"; ("query", "limit") -> "limit"; ("body",) -> "body".
    parts = [str(p) for p in loc]
    if len(parts) > 1 and parts[0] in {"body", "query", "path", "header"}:
        parts = parts[1:]
    return ".".join(parts) or "body"


async def _comentor_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ComentorError)
    headers: dict[str, str] = {}
    if isinstance(exc, AuthError):
        headers["WWW-Authenticate"] = "Bearer"
    if isinstance(exc, RateLimited):
        headers["Retry-After"] = str(max(1, round(exc.retry_after)))
    if exc.http_status >= 500:
        log.warning("%s %s: %s (%s)", request.method, request.url.path, exc.code, exc.message)
    return error_json(exc.http_status, exc.code, exc.message, exc.hint, headers or None)


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    problems = []
    for err in exc.errors()[:5]:
        loc = tuple(err.get("loc", ()))
        where = _field(loc)
        if err.get("type") == "json_invalid":
            # loc is ("body", character position) for JSON that does not parse.
            at = f" at character {loc[1]}" if len(loc) > 1 else ""
            reason = err.get("ctx", {}).get("error", "")
            problems.append(f"body: malformed JSON{at} ({reason})")
        else:
            problems.append(f"{where}: {err.get('msg', 'invalid')}")
    return error_json(
        422,
        "validation_error",
        "Invalid request: " + "; ".join(problems),
        "See the request schema at /docs.",
    )


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code == 400:
        # FastAPI's only 400: a body it could not decode (e.g. not UTF-8). To the client
        # that is malformed input like any other, so it gets the same 422.
        return error_json(
            422,
            "validation_error",
            f"Invalid request: body: malformed ({exc.detail}).",
            "Send UTF-8 JSON; see the request schema at /docs.",
        )
    code = {
        400: "bad_request",
        401: "unauthenticated",
        403: "forbidden",
        404: "not_found",
        405: "method_not_allowed",
        413: "body_too_large",
        415: "unsupported_media_type",
    }.get(exc.status_code, "http_error")
    message = exc.detail if isinstance(exc.detail, str) else "HTTP error"
    if exc.status_code == 404 and message == "Not Found":
        message = f"No route {request.url.path}."
    hint = "The routes are listed at /docs." if exc.status_code in (404, 405) else None
    return error_json(exc.status_code, code, message, hint, dict(exc.headers or {}) or None)


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.exception("%s %s failed", request.method, request.url.path)
    return error_json(
        500,
        "internal_error",
        f"An unexpected error ({type(exc).__name__}) stopped this request.",
        "Please report it, with the server log.",
    )


def install_error_handlers(app: FastAPI) -> None:
    """Register the handlers that turn every failure into the error JSON."""
    app.add_exception_handler(ComentorError, _comentor_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)
