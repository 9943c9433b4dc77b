"""Output models of the MCP tools that are not already records views.

The jobs return the records' own views (:mod:`assistant.records.schemas`), so a tool's
output schema is exactly the REST response model. Three shapes are MCP's own: the grounded
answer (a dataclass in :mod:`assistant.answer`), the relationship list (tool output must be
an object) and the check-in receipt (the stored check-in without echoing the notes back,
as ``POST …/checkins`` answers).
"""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field

from assistant.models import CheckinSummary
from assistant.records.schemas import CheckinStatus, RelationshipView


class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid")


class AnswerCitation(_Out):
    number: int = Field(description="The [n] the answer's sentences refer to.")
    id: str = Field(description="The citation id, e.g. `guides/goal-setting.md#smart-goals`.")
    title: str
    source: str
    heading: str
    excerpt: str
    uri: str = Field(description="The guidance:// resource holding the whole passage.")


class AnswerView(_Out):
    """A grounded answer made of guidance sentences, each with a numbered citation."""

    question: str
    answer: str
    declined: bool = Field(description="True when the guidance does not cover the question.")
    citations: list[AnswerCitation]
    engine: str
    fallback_reason: str | None = None


class RelationshipList(_Out):
    """The relationships the caller may see: their own, their program's (staff) or all."""

    relationships: list[RelationshipView]


class CheckinReceipt(_Out):
    """A check-in as stored: its status and summary (the notes are kept, not echoed)."""

    id: int
    program_id: str
    relationship_id: str
    date: dt.date
    status: CheckinStatus = Field(
        description="`summarized`, or `pending`/`failed` (the notes are stored either way)."
    )
    error: str | None = Field(default=None, description="Why summarizing failed.")
    summary: CheckinSummary | None = None
    created_at: dt.datetime


class ErrorBody(_Out):
    code: str = Field(description="Stable machine-readable code, as in the REST API.")
    message: str
    hint: str | None = None


class ErrorResult(_Out):
    """The structured content of a failed tool call: the REST API's error body."""

    error: ErrorBody
