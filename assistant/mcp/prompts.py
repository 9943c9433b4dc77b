"""Two prompts a user picks from their assistant's menu.

"Prepare for my next session" states what Comentor has stored about the relationship (the
latest check-in's open action items, who taught least) and asks the assistant to plan
with the tools; "Summarize today's check-in" hands today's notes to ``summarize_checkin``.
Both check the caller's access first, so a prompt never describes a pair the caller may
not see.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from mcp.server.mcpserver import Context

from assistant.errors import ComentorError, InputError
from assistant.mcp.errors import protocol_error
from assistant.mcp.identity import Identity
from assistant.records.access import Action, authorize

if TYPE_CHECKING:
    from mcp.server.mcpserver import MCPServer

    from assistant.records import User
    from assistant.workspace import Workspace


def _program(user: User, program_id: str | None) -> str:
    if program_id:
        return program_id
    if user.program_id:
        return user.program_id
    raise InputError(
        "Which program? This user belongs to none, so give program_id.",
        code="program_required",
    )


def prepare_text(
    workspace: Workspace, program_id: str, relationship_id: str, minutes: str | None
) -> str:
    """The preparation request, with the stored history the agenda will follow up."""
    _, rel = workspace.relationship(program_id, relationship_id)
    previous = workspace.previous_checkin(program_id, relationship_id)
    ledger = workspace.ledger(program_id, relationship_id)
    lines = [
        f"Help me prepare for the next session of relationship `{relationship_id}` "
        f"(program `{program_id}`, {rel.mode.value} mentoring, participants: "
        f"{', '.join(rel.participants)}).",
        "",
        "What Comentor has stored:",
    ]
    if previous is not None and previous.action_items:
        when = f" of {previous.date.isoformat()}" if previous.date else ""
        lines.append(f"- Open action items from the latest check-in{when}:")
        for item in previous.action_items:
            owner = item.owner or "everyone"
            due = f" (due {item.due.isoformat()})" if item.due else ""
            lines.append(f"  - {owner}: {item.task}{due}")
    else:
        lines.append("- No open action items on record.")
    if ledger.taught_least:
        lines.append(
            f"- Reciprocity: {ledger.taught_least} has taught least so far "
            f"({', '.join(f'{k}: {v}' for k, v in sorted(ledger.taught.items()))})."
        )
    else:
        lines.append("- Reciprocity: balanced so far.")
    length = f" with minutes={minutes}" if minutes else ""
    lines += [
        "",
        "Please:",
        f"1. Call the `agenda` tool for this relationship{length} and walk me through it.",
        "2. Call `reciprocal_questions` and pick the two questions that fit best.",
        "3. Say how the plan follows up the open action items and the reciprocity balance.",
        "Cite the guidance by its citation ids; open a passage as a guidance:// resource "
        "when I ask why.",
    ]
    return "\n".join(lines)


def summarize_text(program_id: str, relationship_id: str, notes: str | None) -> str:
    today = dt.date.today().isoformat()
    call = (
        f"Call the `summarize_checkin` tool with program_id `{program_id}`, "
        f"relationship_id `{relationship_id}` and date {today}"
    )
    if notes and notes.strip():
        head = f"Here are my notes from today's session ({today}):\n\n{notes.strip()}\n\n"
        ask = f"{call}, passing these notes exactly as written."
    else:
        head = f"I want to record today's session ({today}).\n\n"
        ask = f"Ask me for the session's notes first, then {call[0].lower()}{call[1:]}."
    return (
        head + ask + " Then show me the overview, what each of us learned, the action items "
        "with their owners and due dates, and any flags. If the summary failed, tell me the "
        "notes are stored and can be summarized again."
    )


def register_prompts(server: MCPServer, workspace: Workspace, identity: Identity) -> None:
    """The two prompts on ``server``."""

    def caller(ctx: Context[Any, Any]) -> User:
        return identity.user(ctx.request_context.request)

    @server.prompt(
        name="prepare_for_next_session",
        title="Prepare for my next session",
        description="Plan the next session of a relationship from what Comentor has stored: "
        "open action items, the reciprocity balance, an agenda and questions.",
    )
    def prepare_for_next_session(
        relationship_id: str,
        ctx: Context[Any, Any],
        program_id: str | None = None,
        minutes: str | None = None,
    ) -> str:
        try:
            user = caller(ctx)
            program = _program(user, program_id)
            authorize(
                user,
                Action.RUN_JOB,
                program_id=program,
                relationship_id=relationship_id,
                workspace=workspace,
            )
            return prepare_text(workspace, program, relationship_id, minutes)
        except ComentorError as exc:
            raise protocol_error(exc, resource=False) from None

    @server.prompt(
        name="summarize_todays_checkin",
        title="Summarize today's check-in",
        description="Store today's session notes and summarize them with summarize_checkin.",
    )
    def summarize_todays_checkin(
        relationship_id: str,
        ctx: Context[Any, Any],
        notes: str | None = None,
        program_id: str | None = None,
    ) -> str:
        try:
            user = caller(ctx)
            program = _program(user, program_id)
            authorize(
                user,
                Action.RUN_JOB,
                program_id=program,
                relationship_id=relationship_id,
                workspace=workspace,
            )
            return summarize_text(program, relationship_id, notes)
        except ComentorError as exc:
            raise protocol_error(exc, resource=False) from None
