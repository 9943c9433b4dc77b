"""Programs (admin), the relationships a caller may see, and a program's health (staff)."""

from __future__ import annotations

import json
from typing import Annotated, Any

import yaml
from fastapi import APIRouter, HTTPException, Request, Response, status
from fastapi.concurrency import run_in_threadpool

from api.deps import Access, ProgramId, WorkspaceDep
from api.errors import error_responses
from api.schemas import ProgramSaved
from assistant.errors import ProgramError
from assistant.program import Program
from assistant.records import ProgramHealth, RelationshipView, User
from assistant.records.access import Action

router = APIRouter(prefix="/api/programs", tags=["programs"])

_PROGRAM_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "description": "A program document, exactly as a program file "
        "(docs/program-format.md): `name`, `participants`, `relationships`.",
        "content": {
            "application/json": {"schema": {"$ref": "#/components/schemas/Program"}},
            "application/yaml": {"schema": {"$ref": "#/components/schemas/Program"}},
        },
    }
}


def _parse_document(raw: bytes, content_type: str) -> Any:
    media = content_type.split(";", 1)[0].strip().lower()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ProgramError("The program document is not UTF-8 text.") from None
    if media in ("application/yaml", "application/x-yaml", "text/yaml"):
        try:
            return yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise ProgramError(f"The program document is not valid YAML: {exc}") from None
    if media in ("application/json", "") or media.endswith("+json"):
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise ProgramError(f"The program document is not valid JSON: {exc}") from None
    raise HTTPException(
        status.HTTP_415_UNSUPPORTED_MEDIA_TYPE,
        f"Unsupported content type {media!r} for a program: "
        "send application/json or application/yaml.",
    )


@router.put(
    "/{program_id}",
    response_model=ProgramSaved,
    summary="Create or replace a program (admin)",
    openapi_extra=_PROGRAM_BODY,
    responses={
        201: {"model": ProgramSaved, "description": "Created"},
        **error_responses(401, 403, 413, 415, 422, 503),
    },
)
async def put_program(
    program_id: ProgramId,
    request: Request,
    response: Response,
    workspace: WorkspaceDep,
    user: Annotated[User, Access(Action.MANAGE_PROGRAMS)],
) -> ProgramSaved:
    """Validated exactly as `comentor` validates program files; 201 when it is new."""
    document = _parse_document(await request.body(), request.headers.get("content-type", ""))
    program, created = await run_in_threadpool(workspace.put_program, program_id, document)
    if created:
        response.status_code = status.HTTP_201_CREATED
    return ProgramSaved(
        id=program_id,
        name=program.name,
        created=created,
        participants=len(program.participants),
        relationships=len(program.relationships),
    )


@router.get(
    "/{program_id}",
    response_model=Program,
    summary="A stored program document (admin)",
    responses=error_responses(401, 403, 404, 422, 503),
)
def get_program(
    program_id: ProgramId,
    workspace: WorkspaceDep,
    user: Annotated[User, Access(Action.MANAGE_PROGRAMS)],
) -> Program:
    return workspace.get_program(program_id)


@router.get(
    "/{program_id}/relationships",
    response_model=list[RelationshipView],
    summary="The program's relationships the caller may see",
    responses=error_responses(401, 403, 404, 422, 503),
)
def list_relationships(
    program_id: ProgramId,
    workspace: WorkspaceDep,
    user: Annotated[User, Access(Action.READ_RELATIONSHIP)],
) -> list[RelationshipView]:
    """Mentees and mentors: the ones they are in; staff: their program's; admins: all."""
    return workspace.list_relationships(user, program_id)


@router.get(
    "/{program_id}/health",
    response_model=ProgramHealth,
    summary="Per relationship: last check-in, stalled, ledger balance, open items, flags",
    responses=error_responses(401, 403, 404, 422, 503),
)
def program_health(
    program_id: ProgramId,
    workspace: WorkspaceDep,
    user: Annotated[User, Access(Action.READ_HEALTH)],
) -> ProgramHealth:
    return workspace.health(program_id)
