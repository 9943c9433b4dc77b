"""Staff views across a program: check-in summaries (never the raw notes)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Query

from api.deps import Access, WorkspaceDep
from api.errors import error_responses
from assistant.records import SummaryPage, User
from assistant.records.access import Action

router = APIRouter(prefix="/api/summaries", tags=["staff"])


@router.get(
    "",
    response_model=SummaryPage,
    summary="Check-in summaries, newest first (staff of the program, admins)",
    responses=error_responses(401, 403, 404, 422, 503),
)
def list_summaries(
    workspace: WorkspaceDep,
    user: Annotated[User, Access(Action.READ_SUMMARIES)],
    program: Annotated[str | None, Query(description="Program id (staff: their own).")] = None,
    relationship: Annotated[str | None, Query(description="Relationship id.")] = None,
    flag: Annotated[str | None, Query(description="Only summaries with this flag.")] = None,
    since: Annotated[dt.date | None, Query(description="Check-ins on or after.")] = None,
    until: Annotated[dt.date | None, Query(description="Check-ins on or before.")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(description="`next_cursor` of the previous page.")] = None,
) -> SummaryPage:
    return workspace.summaries(
        program_id=program,
        relationship_id=relationship,
        flag=flag,
        since=since,
        until=until,
        limit=limit,
        cursor=cursor,
        user=user,
    )
