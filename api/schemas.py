"""Request and response bodies of the service that are not the records' own views.

The records' views (:mod:`assistant.records.schemas`) are served as they are where they
already carry exactly what their reader may see (e.g. ``StaffSummary`` has no notes);
the models here are the request bodies and the few responses shaped for HTTP.
"""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field

from assistant.models import CheckinSummary
from assistant.records.schemas import CheckinStatus


class _Request(BaseModel):
    # A misspelt field is an error, not silently ignored.
    model_config = ConfigDict(extra="forbid")


class AgendaCreate(_Request):
    minutes: int | None = Field(
        default=None,
        ge=10,
        le=240,
        description="Session length (10-240; flash 15-30). Default 45, flash 20.",
    )
    focus: str | None = Field(
        default=None, max_length=500, description="What this session should centre on."
    )


class CheckinCreate(_Request):
    notes: str = Field(
        description="The session's notes or transcript (free text, at most 1 MB). "
        "Stored before it is summarized."
    )
    date: dt.date | None = Field(
        default=None,
        description="The session's date (default: today); relative dates "
        "in the notes resolve against it.",
    )


class CheckinReceipt(BaseModel):
    """A check-in as stored: its status and summary, without echoing the notes back."""

    id: int
    program_id: str
    relationship_id: str
    date: dt.date
    status: CheckinStatus = Field(
        description="`summarized`, or `pending`/`failed` (the notes are stored; "
        "POST …/summarize retries)."
    )
    error: str | None = Field(default=None, description="Why summarizing failed.")
    summary: CheckinSummary | None = None
    created_at: dt.datetime


class ProgramSaved(BaseModel):
    id: str
    name: str
    created: bool = Field(description="True when the program is new, false when replaced.")
    participants: int
    relationships: int


class Liveness(BaseModel):
    status: str = "ok"


class Check(BaseModel):
    ok: bool
    detail: str


class Readiness(BaseModel):
    ready: bool
    checks: dict[str, Check] = Field(
        description="`store`, `database`, `engine` and `index` (passages in the index)."
    )
    passages: int | None = None
