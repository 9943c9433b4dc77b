"""Failures as MCP results: the REST API's stable codes, messages and hints.

A :class:`~assistant.errors.ComentorError` raised by a tool becomes a tool result with
``isError: true`` whose text is the REST error body (``{"error": {"code", "message",
"hint"}}``) and whose structured content is that same object. Resource reads and prompts
have no error result in the protocol, so they answer with a JSON-RPC error carrying the
same body as its ``data``.
"""

from __future__ import annotations

import json

from mcp.shared.exceptions import MCPError
from mcp_types import INTERNAL_ERROR, INVALID_PARAMS, CallToolResult, TextContent
from pydantic import ValidationError

from assistant.errors import ComentorError
from assistant.mcp.schemas import ErrorBody, ErrorResult

# JSON-RPC code the MCP specification gives an unknown resource.
RESOURCE_NOT_FOUND = -32002


def error_body(exc: ComentorError) -> ErrorResult:
    return ErrorResult(error=ErrorBody(code=exc.code, message=exc.message, hint=exc.hint))


def tool_error(body: ErrorResult) -> CallToolResult:
    payload = body.model_dump(mode="json")
    return CallToolResult(
        content=[TextContent(type="text", text=json.dumps(payload, ensure_ascii=False))],
        structured_content=payload,
        is_error=True,
    )


def validation_error(exc: ValidationError) -> ErrorResult:
    """Arguments that do not fit the input schema: 422 ``validation_error`` in the REST
    API, naming the field (never echoing the value, which is the caller's data)."""
    first = exc.errors()[0]
    field = ".".join(str(p) for p in first["loc"]) or "arguments"
    return ErrorResult(
        error=ErrorBody(
            code="validation_error",
            message=f"{field}: {first['msg']}",
            hint="See the tool's input schema for the fields and their limits.",
        )
    )


def protocol_error(exc: ComentorError, *, resource: bool = True) -> MCPError:
    """A JSON-RPC error for resource reads (404: the specification's resource-not-found
    code) and prompts (client errors: invalid params)."""
    if exc.http_status == 404 and resource:
        code = RESOURCE_NOT_FOUND
    elif exc.http_status < 500:
        code = INVALID_PARAMS
    else:
        code = INTERNAL_ERROR
    return MCPError(code=code, message=exc.message, data=error_body(exc).model_dump(mode="json"))
