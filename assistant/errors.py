"""Every error Comentor raises on purpose.

The tree::

    ComentorError                 anything the user can fix; has a message and an exit code
    ├── ConfigError               a setting is wrong (bad path, bad URL, bad model file)
    ├── EmbeddingModelError       the ONNX model or tokenizer cannot be loaded or is corrupt
    ├── StoreError                the vector store cannot be reached or written
    ├── IngestError               nothing at all could be ingested
    ├── EmptyIndexError           a question was asked before anything was ingested
    ├── ProgramError              a program file, pair id or relationship is invalid
    ├── InputError                notes, minutes, dates or other command input are invalid
    ├── EngineError               an engine spec is unknown or an engine failed
    │   └── LLMError              an LLM call failed, was late or refused, or its reply was
    │                             invalid; the service answers with the grounded engine instead
    ├── NotFoundError             a program, relationship, check-in or user does not exist
    ├── AuthError                 no credentials, or a token that is unknown or revoked
    ├── PermissionDenied          the caller's role does not allow this
    ├── ConflictError             the request clashes with what is stored (e.g. a duplicate)
    └── RateLimited               too many requests; retry after ``retry_after`` seconds

Every error has a stable machine-readable ``code`` (a class default, or a more precise one
given where it is raised: ``InputError("...", code="empty_notes")``). Library code raises
these; the CLI and the API turn them into messages and HTTP errors (``{"error": {"code",
"message", "hint"}}``) at the edges and nowhere else.
"""

from __future__ import annotations


class ComentorError(Exception):
    """Base class: a problem the user can act on."""

    exit_code = 1
    http_status = 400
    code = "error"

    def __init__(self, message: str, *, hint: str | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        if code is not None:
            self.code = code

    def __str__(self) -> str:
        return self.message if not self.hint else f"{self.message}\n{self.hint}"


class ConfigError(ComentorError):
    code = "config_error"
    exit_code = 2
    http_status = 500


class EmbeddingModelError(ConfigError):
    pass


class StoreError(ComentorError):
    code = "store_unavailable"
    exit_code = 3
    http_status = 503


class IngestError(ComentorError):
    code = "ingest_failed"
    exit_code = 4
    http_status = 422


class EmptyIndexError(ComentorError):
    exit_code = 5
    http_status = 503
    code = "empty_index"

    def __init__(self, message: str | None = None) -> None:
        super().__init__(
            message or "The knowledge index is empty.",
            hint="Run `comentor ingest` to load the bundled guidance (and any handbook of yours).",
        )


class ProgramError(ComentorError):
    code = "invalid_program"
    exit_code = 6
    http_status = 422


class InputError(ComentorError):
    code = "invalid_input"
    exit_code = 7
    http_status = 422


class EngineError(ComentorError):
    code = "engine_error"
    exit_code = 8
    http_status = 502


class LLMError(EngineError):
    """An LLM engine could not give a usable result. ``kind`` says why (``timeout``,
    ``connection``, ``http``, ``refused``, ``invalid_json``, ``wrong_shape``,
    ``circuit_open``, ``error``); the planning service catches it and falls back to the
    grounded engine, recording the message as the reason."""

    code = "llm_failed"

    def __init__(self, message: str, *, kind: str = "error", hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.kind = kind


class NotFoundError(ComentorError):
    exit_code = 20
    http_status = 404
    code = "not_found"


class AuthError(ComentorError):
    exit_code = 21
    http_status = 401
    code = "unauthenticated"


class PermissionDenied(ComentorError):
    exit_code = 22
    http_status = 403
    code = "forbidden"


class ConflictError(ComentorError):
    exit_code = 23
    http_status = 409
    code = "conflict"


class RateLimited(ComentorError):
    exit_code = 24
    http_status = 429
    code = "rate_limited"

    def __init__(self, message: str, *, retry_after: float, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.retry_after = retry_after
