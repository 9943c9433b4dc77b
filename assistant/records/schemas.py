"""The records' public views: pydantic models the workspace returns and the API serves.

They are not the ORM rows (:mod:`assistant.records.orm`): a view carries exactly what its
reader may see. In particular :class:`StaffSummary` has no ``notes`` field at all, so a
staff view cannot leak the raw notes of a check-in by accident.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from assistant.models import ActionItem, Agenda, CheckinSummary, QuestionSet, TopicSet


class Role(StrEnum):
    """What a user of the service is: a mentee or mentor (members of relationships), program
    staff (summaries and health of one program, never raw notes) or an admin (everything)."""

    MENTEE = "mentee"
    MENTOR = "mentor"
    STAFF = "staff"
    ADMIN = "admin"


class _View(BaseModel):
    model_config = ConfigDict(extra="forbid")


class User(_View):
    """A user of the service (the token is never part of it)."""

    id: int
    name: str
    role: Role
    participant_id: str | None = None
    program_id: str | None = None
    created_at: dt.datetime
    revoked: bool = False


class ProgramView(_View):
    id: str
    name: str
    participants: int
    relationships: int
    created_at: dt.datetime
    updated_at: dt.datetime


class RelationshipView(_View):
    """A relationship as a member or staff sees it in a list."""

    program_id: str
    id: str
    mode: str
    participants: list[str]
    shared_goals: list[str] = Field(default_factory=list)


class JobRecord(_View):
    id: int
    program_id: str
    relationship_id: str
    created_at: dt.datetime


class AgendaRecord(JobRecord):
    agenda: Agenda


class QuestionsRecord(JobRecord):
    questions: QuestionSet


class TopicsRecord(JobRecord):
    topics: TopicSet


class CheckinStatus(StrEnum):
    PENDING = "pending"
    SUMMARIZED = "summarized"
    FAILED = "failed"


class CheckinView(_View):
    """A check-in as its members see it: the raw notes, and the summary once there is one."""

    id: int
    program_id: str
    relationship_id: str
    date: dt.date
    status: CheckinStatus
    error: str | None = None
    summary: CheckinSummary | None = None
    notes: str
    created_at: dt.datetime


class StaffSummary(_View):
    """A check-in's summary for program staff. Deliberately without the raw notes."""

    id: int = Field(description="The summary's id.")
    checkin_id: int
    program_id: str
    relationship_id: str
    date: dt.date
    flags: list[str]
    summary: CheckinSummary
    created_at: dt.datetime


class SummaryPage(_View):
    items: list[StaffSummary]
    next_cursor: str | None = Field(
        default=None, description="Pass as `cursor` for the next page; null on the last page."
    )


class LedgerEntry(_View):
    """One thing someone learned from someone, from a check-in summary's `learned` list."""

    date: dt.date
    teacher: str
    learner: str | None = Field(description="Participant id; null when the whole group learned.")
    what: str
    checkin_id: int


class LedgerDirection(_View):
    teacher: str
    learner: str | None
    count: int


class LedgerView(_View):
    """The reciprocity ledger of a relationship: who taught whom what, and how often."""

    program_id: str
    relationship_id: str
    entries: list[LedgerEntry]
    directions: list[LedgerDirection] = Field(
        description="Every teacher → learner direction between members, with its count "
        "(zero when it never happened)."
    )
    taught: dict[str, int] = Field(description="Entries each member taught.")
    taught_least: str | None = Field(
        default=None,
        description="The member who taught least (null when balanced); the next agenda "
        "gives them the first teaching block.",
    )


class FlagsOnDate(_View):
    date: dt.date
    checkin_id: int
    flags: list[str]


class RelationshipHealth(_View):
    relationship_id: str
    mode: str
    participants: list[str]
    checkins: int
    last_checkin: dt.date | None
    days_since_last: int | None
    stalled: bool
    pending: int = Field(description="Check-ins whose summary is pending or failed.")
    ledger: list[LedgerDirection]
    taught_least: str | None
    open_action_items: list[ActionItem]
    flags_over_time: list[FlagsOnDate]


class ProgramHealth(_View):
    program_id: str
    name: str
    today: dt.date
    stalled_days: int
    relationships: list[RelationshipHealth]
