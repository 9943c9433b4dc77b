"""A relationship's jobs, check-ins and ledger: members (mentees, mentors) and admins.

Every job is stored with what it produced. A check-in's notes are committed before
summarizing starts, so a 201 means the notes are kept even if the summary failed (its
``status`` says so, and ``…/summarize`` retries).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Request, status
from pydantic import BaseModel, ConfigDict, Field

from api.deps import Access, CheckinId, ProgramId, RelationshipId, WorkspaceDep, run_job
from api.errors import error_responses
from api.schemas import AgendaCreate, CheckinCreate, CheckinReceipt
from assistant.limits import MAX_FOCUS_CHARS
from assistant.records import (
    AgendaRecord,
    CheckinView,
    LedgerView,
    QuestionsRecord,
    TopicsRecord,
    User,
)
from assistant.records.access import Action

router = APIRouter(
    prefix="/api/programs/{program_id}/relationships/{relationship_id}",
    tags=["relationships"],
)

RunJob = Annotated[User, Access(Action.RUN_JOB)]
ReadCheckins = Annotated[User, Access(Action.READ_CHECKINS)]
_JOB_ERRORS = error_responses(401, 403, 404, 413, 422, 502, 503)


def _receipt(view: CheckinView) -> CheckinReceipt:
    return CheckinReceipt.model_validate(view.model_dump(exclude={"notes"}))


@router.post(
    "/agenda",
    response_model=AgendaRecord,
    status_code=status.HTTP_201_CREATED,
    summary="Plan and store a session agenda (follows up the stored history)",
    responses=_JOB_ERRORS,
)
async def create_agenda(
    program_id: ProgramId,
    relationship_id: RelationshipId,
    request: Request,
    workspace: WorkspaceDep,
    user: RunJob,
    body: Annotated[AgendaCreate | None, Body()] = None,
) -> AgendaRecord:
    """The latest summary's open action items go into the goal review; the member who
    taught least (per the ledger) gets the first teaching block, with a note saying why."""
    body = body or AgendaCreate()
    return await run_job(
        request,
        workspace.agenda,
        program_id,
        relationship_id,
        minutes=body.minutes,
        focus=body.focus,
        user=user,
    )


class QuestionsCreate(BaseModel):
    """The optional body of ``POST …/questions``."""

    # A misspelt field is an error, not silently ignored.
    model_config = ConfigDict(extra="forbid")

    focus: str | None = Field(
        default=None,
        max_length=MAX_FOCUS_CHARS,
        description="What the questions should centre on (like the agenda's focus); "
        "the questions about it come first, and the stored record keeps it.",
    )


@router.post(
    "/questions",
    response_model=QuestionsRecord,
    status_code=status.HTTP_201_CREATED,
    summary="Suggest and store reciprocal questions",
    responses=_JOB_ERRORS,
)
async def create_questions(
    program_id: ProgramId,
    relationship_id: RelationshipId,
    request: Request,
    workspace: WorkspaceDep,
    user: RunJob,
    body: Annotated[QuestionsCreate | None, Body()] = None,
) -> QuestionsRecord:
    """Each member asks about what the other can teach; with a `focus`, the questions
    about it come first."""
    focus = body.focus if body else None
    return await run_job(
        request, workspace.questions, program_id, relationship_id, focus=focus, user=user
    )


@router.post(
    "/topics",
    response_model=TopicsRecord,
    status_code=status.HTTP_201_CREATED,
    summary="Rank and store reverse-mentoring topics",
    responses=_JOB_ERRORS,
)
async def create_topics(
    program_id: ProgramId,
    relationship_id: RelationshipId,
    request: Request,
    workspace: WorkspaceDep,
    user: RunJob,
) -> TopicsRecord:
    return await run_job(request, workspace.topics, program_id, relationship_id, user=user)


@router.post(
    "/checkins",
    response_model=CheckinReceipt,
    status_code=status.HTTP_201_CREATED,
    summary="Submit a check-in's notes; they are stored, then summarized",
    responses=_JOB_ERRORS,
)
async def create_checkin(
    program_id: ProgramId,
    relationship_id: RelationshipId,
    body: CheckinCreate,
    request: Request,
    workspace: WorkspaceDep,
    user: RunJob,
) -> CheckinReceipt:
    """201 whenever the notes are stored, even if summarizing failed (`status: failed`,
    with `error`); empty notes (`empty_notes`) and notes over 1 MB (`notes_too_large`)
    are refused before anything is stored."""
    view = await run_job(
        request,
        workspace.submit_checkin,
        program_id,
        relationship_id,
        notes=body.notes,
        date=body.date,
        user=user,
    )
    return _receipt(view)


@router.get(
    "/checkins",
    response_model=list[CheckinView],
    summary="The relationship's check-ins with their notes (members and admins)",
    responses=error_responses(401, 403, 404, 422, 503),
)
def list_checkins(
    program_id: ProgramId,
    relationship_id: RelationshipId,
    workspace: WorkspaceDep,
    user: ReadCheckins,
) -> list[CheckinView]:
    return workspace.list_checkins(program_id, relationship_id)


@router.get(
    "/checkins/{checkin_id}",
    response_model=CheckinView,
    summary="One check-in with its notes and summary (members and admins)",
    responses=error_responses(401, 403, 404, 422, 503),
)
def get_checkin(
    program_id: ProgramId,
    relationship_id: RelationshipId,
    checkin_id: CheckinId,
    workspace: WorkspaceDep,
    user: ReadCheckins,
) -> CheckinView:
    return workspace.get_checkin(program_id, relationship_id, checkin_id)


@router.post(
    "/checkins/{checkin_id}/summarize",
    response_model=CheckinReceipt,
    summary="Summarize a stored check-in again (after a failed or interrupted summary)",
    responses=error_responses(401, 403, 404, 422, 502, 503),
)
async def retry_summary(
    program_id: ProgramId,
    relationship_id: RelationshipId,
    checkin_id: CheckinId,
    request: Request,
    workspace: WorkspaceDep,
    user: RunJob,
) -> CheckinReceipt:
    view = await run_job(request, workspace.retry_checkin, program_id, relationship_id, checkin_id)
    return _receipt(view)


@router.get(
    "/ledger",
    response_model=LedgerView,
    summary="The reciprocity ledger: who taught whom what, with per-direction counts",
    responses=error_responses(401, 403, 404, 422, 503),
)
def ledger(
    program_id: ProgramId,
    relationship_id: RelationshipId,
    workspace: WorkspaceDep,
    user: Annotated[User, Access(Action.READ_LEDGER)],
) -> LedgerView:
    return workspace.ledger(program_id, relationship_id)
