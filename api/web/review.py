"""The staff review page: summaries with filters, program health (stalled pairs first,
open action items, flags) and each relationship's reciprocity chart, all server-rendered.

It shows only what the staff API shows (summaries, health, ledgers): never raw notes.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from api.deps import Access, WorkspaceDep
from api.web.common import WEB, page
from api.web.render import colour, reciprocity_chart
from assistant.errors import InputError
from assistant.models import FlagCode
from assistant.records import Role, User
from assistant.records.access import Action

router = APIRouter(dependencies=WEB, include_in_schema=False)
Staff = Annotated[User, Access(Action.READ_SUMMARIES)]
Text = Annotated[str, Query(max_length=64)]


def _date(value: str, name: str) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise InputError(f"{name} must be a date like 2026-03-01, not {value!r}.") from None


def _review_link(filters: dict[str, str], cursor: str | None = None) -> str:
    """This page with the same filters, at ``cursor`` (the newest summaries without)."""
    query = {k: v for k, v in {**filters, "cursor": cursor or ""}.items() if v}
    return "/review?" + urlencode(query)


@router.get("/review", response_class=HTMLResponse)
def review(
    request: Request,
    user: Staff,
    workspace: WorkspaceDep,
    program: Text = "",
    relationship: Text = "",
    since: Text = "",
    until: Text = "",
    flag: Text = "",
    cursor: Annotated[str, Query(max_length=200)] = "",
) -> Response:
    program_id = program or user.program_id
    programs = workspace.records.list_programs() if user.role is Role.ADMIN else []
    if program_id is None and programs:
        program_id = programs[0].id  # an admin without a program: the first one
    if program_id is None:
        raise InputError("There is no program to review yet.", code="no_program")
    summaries = workspace.summaries(
        program_id=program_id,
        relationship_id=relationship or None,
        flag=flag or None,
        since=_date(since, "From"),
        until=_date(until, "To"),
        cursor=cursor or None,
        user=user,
    )
    kept = {
        "program": program,
        "relationship": relationship,
        "since": since,
        "until": until,
        "flag": flag,
    }
    health = workspace.health(program_id)
    # Stalled pairs first, then those longest without a check-in.
    pairs = sorted(
        health.relationships,
        key=lambda r: (not r.stalled, -(10**6 if r.days_since_last is None else r.days_since_last)),
    )
    if relationship:
        pairs = [r for r in pairs if r.relationship_id == relationship]
    charts = {
        r.relationship_id: reciprocity_chart(
            workspace.ledger(program_id, r.relationship_id), title_id=f"chart-{r.relationship_id}"
        )
        for r in pairs
    }
    return page(
        request,
        "review.html",
        user=user,
        program_id=program_id,
        programs=programs,
        summaries=summaries.items,
        older=_review_link(kept, summaries.next_cursor) if summaries.next_cursor else None,
        newest=_review_link(kept) if cursor else None,
        pairs=pairs,
        charts=charts,
        colour=colour,
        flags=[f.value for f in FlagCode],
        relationship_ids=[r.relationship_id for r in health.relationships],
        filters={"relationship": relationship, "since": since, "until": until, "flag": flag},
    )
