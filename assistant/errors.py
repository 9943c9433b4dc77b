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
    └── EngineError               an engine spec is unknown or an engine failed

Library code raises these; the CLI and the API turn them into messages and HTTP errors
at the edges and nowhere else.
"""

from __future__ import annotations


class ComentorError(Exception):
    """Base class: a problem the user can act on."""

    exit_code = 1
    http_status = 400

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message if not self.hint else f"{self.message}\n{self.hint}"


class ConfigError(ComentorError):
    exit_code = 2
    http_status = 500


class EmbeddingModelError(ConfigError):
    pass


class StoreError(ComentorError):
    exit_code = 3
    http_status = 503


class IngestError(ComentorError):
    exit_code = 4
    http_status = 422


class EmptyIndexError(ComentorError):
    exit_code = 5
    http_status = 503

    def __init__(self, message: str | None = None) -> None:
        super().__init__(
            message or "The knowledge index is empty.",
            hint="Run `comentor ingest` to load the bundled guidance (and any handbook of yours).",
        )


class ProgramError(ComentorError):
    exit_code = 6
    http_status = 422


class InputError(ComentorError):
    exit_code = 7
    http_status = 422


class EngineError(ComentorError):
    exit_code = 8
    http_status = 502
