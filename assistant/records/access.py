"""The role policy: who may do what, in one function.

=================  ==========================  ==================  =====
action             mentee / mentor             staff               admin
=================  ==========================  ==================  =====
read_relationship  relationships they are in   their program       all
run_job            relationships they are in   never               all
read_checkins      relationships they are in   never (raw notes)   all
read_ledger        relationships they are in   their program       all
read_summaries     never                       their program       all
read_health        never                       their program       all
manage_programs    never                       never               all
manage_users       never                       never               all
=================  ==========================  ==================  =====

How a refusal looks (decided here, once, for every entry point):

* an action the role never has → ``PermissionDenied`` (403, ``forbidden``);
* a program other than the user's own → ``NotFoundError`` (404, ``unknown_program``),
  exactly as for a program that does not exist, so other programs' ids do not leak;
* an unknown relationship → 404 ``unknown_relationship``;
* a relationship of their own program that a mentee or mentor is not in → 403.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

from assistant.errors import AuthError, NotFoundError, PermissionDenied
from assistant.records.schemas import Role, User

if TYPE_CHECKING:
    from assistant.workspace import Workspace


class Action(StrEnum):
    READ_RELATIONSHIP = "read_relationship"
    RUN_JOB = "run_job"
    READ_CHECKINS = "read_checkins"
    READ_LEDGER = "read_ledger"
    READ_SUMMARIES = "read_summaries"
    READ_HEALTH = "read_health"
    MANAGE_PROGRAMS = "manage_programs"
    MANAGE_USERS = "manage_users"


MEMBER_ACTIONS = frozenset(
    {Action.READ_RELATIONSHIP, Action.RUN_JOB, Action.READ_CHECKINS, Action.READ_LEDGER}
)
STAFF_ACTIONS = frozenset(
    {Action.READ_RELATIONSHIP, Action.READ_LEDGER, Action.READ_SUMMARIES, Action.READ_HEALTH}
)
ALLOWED: dict[Role, frozenset[Action]] = {
    Role.MENTEE: MEMBER_ACTIONS,
    Role.MENTOR: MEMBER_ACTIONS,
    Role.STAFF: STAFF_ACTIONS,
    Role.ADMIN: frozenset(Action),
}


def authorize(
    user: User,
    action: Action | str,
    *,
    program_id: str | None = None,
    relationship_id: str | None = None,
    workspace: Workspace,
) -> None:
    """Return if ``user`` may do ``action`` on the program/relationship; raise otherwise.

    Raises AuthError (revoked user), PermissionDenied (403) or NotFoundError (404) as the
    module docstring describes. ``relationship_id`` needs ``program_id``.
    """
    action = Action(action)
    if user.revoked:
        raise AuthError("This user has been revoked.", code="unauthenticated")
    if action not in ALLOWED[user.role]:
        raise PermissionDenied(
            f"A {user.role.value} may not {_describe(action)}.",
            hint=_hint(user.role),
            code="forbidden",
        )
    if relationship_id is not None and program_id is None:
        raise NotFoundError(
            f"Relationship {relationship_id!r} needs its program.", code="unknown_program"
        )
    if program_id is None:
        return  # listings: the workspace scopes them to what the user may see
    if user.role is not Role.ADMIN and program_id != user.program_id:
        raise _unknown_program(program_id)
    program = workspace.get_program(program_id)  # 404 unknown_program if it does not exist
    if relationship_id is None:
        return
    relationship = next((r for r in program.relationships if r.id == relationship_id), None)
    if relationship is None:
        raise NotFoundError(
            f"No relationship {relationship_id!r} in program {program_id!r}.",
            code="unknown_relationship",
        )
    if user.role in (Role.MENTEE, Role.MENTOR) and (
        user.participant_id not in relationship.participants
    ):
        raise PermissionDenied(
            f"You are not a member of relationship {relationship_id!r}.",
            hint="Mentees and mentors see only the relationships they belong to.",
            code="forbidden",
        )


def _unknown_program(program_id: str) -> NotFoundError:
    return NotFoundError(f"No program with id {program_id!r}.", code="unknown_program")


def _describe(action: Action) -> str:
    return {
        Action.READ_RELATIONSHIP: "read this relationship",
        Action.RUN_JOB: "run jobs or submit check-ins",
        Action.READ_CHECKINS: "read check-ins and their raw notes",
        Action.READ_LEDGER: "read the reciprocity ledger",
        Action.READ_SUMMARIES: "read the program's summaries",
        Action.READ_HEALTH: "read the program's health",
        Action.MANAGE_PROGRAMS: "manage programs",
        Action.MANAGE_USERS: "manage users",
    }[action]


def _hint(role: Role) -> str:
    if role is Role.STAFF:
        return "Staff see summaries, health and ledgers of their program, never raw notes."
    if role in (Role.MENTEE, Role.MENTOR):
        return "Mentees and mentors work within the relationships they belong to."
    return "Ask an admin."
