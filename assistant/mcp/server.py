"""The MCP server: Comentor's jobs as tools, guidance passages as resources, two prompts.

:func:`build_mcp_server` defines everything once, for any transport. Every tool call,
resource read and prompt asks the :class:`~assistant.mcp.identity.Identity` who the caller
is, then :func:`assistant.records.access.authorize` decides exactly as it does for the
REST routes (the same :class:`~assistant.records.access.Action` per job), so a mentee's
assistant cannot reach another pair and staff never run jobs or see notes.

Tool outputs are the REST response models (their JSON schema is the tool's output
schema); errors are tool results with ``isError`` and the REST error body. Planning and the
database block, so each call runs on a worker thread of a bounded pool (the service's
jobs pool over HTTP, as the REST jobs do).
"""

import datetime as dt
import json
import logging
from collections.abc import Callable
from functools import partial
from typing import Annotated, Any

import anyio.to_thread
from anyio import CapacityLimiter
from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp_types import CallToolResult, ResourceLink, TextContent, ToolAnnotations
from pydantic import BaseModel, Field, ValidationError

from assistant import __version__
from assistant.errors import ComentorError, InputError
from assistant.mcp.errors import error_body, tool_error, validation_error
from assistant.mcp.identity import Identity
from assistant.mcp.prompts import register_prompts
from assistant.mcp.resources import citation_uri, cited_ids, register_resources
from assistant.mcp.schemas import (
    AnswerCitation,
    AnswerView,
    CheckinReceipt,
    ErrorBody,
    ErrorResult,
    RelationshipList,
)
from assistant.records import User
from assistant.records.access import Action, authorize
from assistant.records.schemas import AgendaRecord, LedgerView, QuestionsRecord, TopicsRecord
from assistant.workspace import Workspace

log = logging.getLogger(__name__)

INSTRUCTIONS = """\
Comentor is a co-mentor grounded in mentorship guidance. Use `list_relationships` to find
the caller's program and relationship ids, then plan a session (`agenda`), suggest
`reciprocal_questions` or `reverse_topics`, record a session with `summarize_checkin`, or
read who taught whom (`relationship_ledger`). `ask` answers questions about mentoring from
the guidance. Results cite guidance passages by id; read them as resources
(guidance://passages/{citation id, percent-encoded}). program_id defaults to the caller's
own program. Errors carry a stable `code` (e.g. unknown_relationship, forbidden).
"""

ProgramArg = Annotated[
    str | None,
    Field(
        default=None,
        description="The program id; defaults to the caller's own program (admins must give it).",
    ),
]
RelationshipArg = Annotated[
    str, Field(description="A relationship id, unique within its program (see list_relationships).")
]
FocusArg = Annotated[
    str | None,
    Field(
        default=None,
        max_length=500,
        description="What the session should centre on (at most 500 characters).",
    ),
]
READ_ONLY = ToolAnnotations(read_only_hint=True, open_world_hint=False)
STORES = ToolAnnotations(
    read_only_hint=False, destructive_hint=False, idempotent_hint=False, open_world_hint=False
)


class ComentorMCP(MCPServer):
    """An MCPServer whose argument errors look like the REST API's ``validation_error``."""

    async def call_tool(
        self, name: str, arguments: dict[str, Any], context: Context[Any, Any] | None = None
    ) -> Any:
        try:
            return await super().call_tool(name, arguments, context)
        except ToolError as exc:
            if isinstance(exc.__cause__, ValidationError):
                return tool_error(validation_error(exc.__cause__))
            raise


class _Tools:
    """The tool bodies, bound to one workspace and identity."""

    def __init__(
        self, workspace: Workspace, identity: Identity, limiter: CapacityLimiter | None
    ) -> None:
        self.workspace = workspace
        self.identity = identity
        self.limiter = limiter

    def program(self, user: User, program_id: str | None) -> str:
        if program_id:
            return program_id
        if user.program_id:
            return user.program_id
        raise InputError(
            "Which program? This user belongs to none, so give program_id.",
            hint="list_relationships shows every relationship with its program_id.",
            code="program_required",
        )

    async def run(
        self, ctx: Context[Any, Any] | None, produce: Callable[[User], BaseModel]
    ) -> CallToolResult:
        """Resolve the caller, produce the result and shape it (or the error) for MCP, on
        a worker thread of ``limiter`` (planning and the database block)."""
        request = ctx.request_context.request if ctx is not None else None
        return await anyio.to_thread.run_sync(
            partial(self._run, request, produce), limiter=self.limiter
        )

    def _run(self, request: Any, produce: Callable[[User], BaseModel]) -> CallToolResult:
        try:
            result = produce(self.identity.user(request))
        except ComentorError as exc:
            return tool_error(error_body(exc))
        except Exception:
            # Internals stay in the server log, as the REST API's 500 does.
            log.exception("an MCP tool failed")
            return tool_error(
                ErrorResult(error=ErrorBody(code="internal_error", message="Something went wrong."))
            )
        data = result.model_dump(mode="json")
        content: list[Any] = [TextContent(type="text", text=json.dumps(data, ensure_ascii=False))]
        content += [
            ResourceLink(
                type="resource_link",
                uri=citation_uri(ident),
                name=ident,
                mime_type="text/markdown",
            )
            for ident in cited_ids(data)
        ]
        return CallToolResult(content=content, structured_content=data)

    def job(
        self,
        user: User,
        action: Action,
        program_id: str | None,
        relationship_id: str,
    ) -> str:
        """Authorize ``action`` on the relationship (as the REST routes do); its program."""
        program = self.program(user, program_id)
        authorize(
            user,
            action,
            program_id=program,
            relationship_id=relationship_id,
            workspace=self.workspace,
        )
        return program

    def ask(self, user: User, question: str, k: int | None) -> AnswerView:
        authorize(user, Action.READ_RELATIONSHIP, workspace=self.workspace)  # any active user
        answer = self.workspace.comentor.ask(question, k=k)
        return AnswerView(
            question=answer.question,
            answer=answer.answer,
            declined=answer.declined,
            citations=[
                AnswerCitation(
                    number=c.number,
                    id=c.id,
                    title=c.title,
                    source=c.source,
                    heading=c.heading,
                    excerpt=c.excerpt,
                    uri=citation_uri(c.id),
                )
                for c in answer.citations
            ],
            engine=answer.engine,
            fallback_reason=answer.fallback_reason,
        )


def build_mcp_server(
    workspace: Workspace, identity: Identity, *, limiter: CapacityLimiter | None = None
) -> MCPServer:
    """The Comentor MCP server over ``workspace``, for the callers ``identity`` resolves.

    Tools run on worker threads of ``limiter`` (the service passes its jobs' pool, so MCP
    and REST jobs share one bound); anyio's default pool when None.
    """
    server = ComentorMCP(
        name="comentor",
        title="Comentor",
        version=__version__,
        instructions=INSTRUCTIONS,
        # The SDK configures the root logger once; keep its per-request INFO lines out.
        log_level="WARNING",
    )
    t = _Tools(workspace, identity, limiter)
    ws = workspace

    @server.tool(title="Ask the mentoring guidance", annotations=READ_ONLY)
    async def ask(
        question: Annotated[str, Field(description="A question about mentoring.", max_length=2000)],
        ctx: Context,
        k: Annotated[
            int | None, Field(default=None, ge=1, le=20, description="Passages to draw on.")
        ] = None,
    ) -> Annotated[CallToolResult, AnswerView]:
        """A grounded, extractive answer from the guidance, with numbered citations; it
        declines what the guidance does not cover."""
        return await t.run(ctx, lambda user: t.ask(user, question, k))

    @server.tool(title="List my relationships", annotations=READ_ONLY)
    async def list_relationships(
        ctx: Context, program_id: ProgramArg = None
    ) -> Annotated[CallToolResult, RelationshipList]:
        """The relationships the caller may see: mentees and mentors their own, staff their
        program's, admins all (optionally of one program)."""

        def produce(user: User) -> RelationshipList:
            authorize(user, Action.READ_RELATIONSHIP, workspace=ws)
            return RelationshipList(relationships=ws.list_relationships(user, program_id))

        return await t.run(ctx, produce)

    @server.tool(title="Plan a session agenda", annotations=STORES)
    async def agenda(
        relationship_id: RelationshipArg,
        ctx: Context,
        program_id: ProgramArg = None,
        minutes: Annotated[
            int | None,
            Field(
                default=None,
                ge=10,
                le=240,
                description="Session length (10-240; flash 15-30). Default 45, flash 20.",
            ),
        ] = None,
        focus: FocusArg = None,
    ) -> Annotated[CallToolResult, AgendaRecord]:
        """Plan and store the next session's agenda. It follows up the stored history: the
        latest summary's open action items go into the goal review, and whoever taught
        least (per the ledger) gets the first teaching block."""

        def produce(user: User) -> AgendaRecord:
            program = t.job(user, Action.RUN_JOB, program_id, relationship_id)
            return ws.agenda(program, relationship_id, minutes=minutes, focus=focus, user=user)

        return await t.run(ctx, produce)

    @server.tool(title="Suggest reciprocal questions", annotations=STORES)
    async def reciprocal_questions(
        relationship_id: RelationshipArg,
        ctx: Context,
        program_id: ProgramArg = None,
        focus: FocusArg = None,
    ) -> Annotated[CallToolResult, QuestionsRecord]:
        """Suggest (and store) questions each member asks the other about what the other
        can teach, tied to the asker's learning goals and the guidance."""

        def produce(user: User) -> QuestionsRecord:
            program = t.job(user, Action.RUN_JOB, program_id, relationship_id)
            return ws.questions(program, relationship_id, focus=focus, user=user)

        return await t.run(ctx, produce)

    @server.tool(title="Rank reverse-mentoring topics", annotations=STORES)
    async def reverse_topics(
        relationship_id: RelationshipArg, ctx: Context, program_id: ProgramArg = None
    ) -> Annotated[CallToolResult, TopicsRecord]:
        """Rank (and store) what the junior member could teach the senior one, with starter
        questions and the pitfalls to avoid."""

        def produce(user: User) -> TopicsRecord:
            program = t.job(user, Action.RUN_JOB, program_id, relationship_id)
            return ws.topics(program, relationship_id, user=user)

        return await t.run(ctx, produce)

    @server.tool(title="Summarize and store a check-in", annotations=STORES)
    async def summarize_checkin(
        relationship_id: RelationshipArg,
        notes: Annotated[
            str,
            Field(description="The session's notes or transcript (free text, at most 1 MB)."),
        ],
        ctx: Context,
        program_id: ProgramArg = None,
        date: Annotated[
            dt.date | None,
            Field(
                default=None,
                description="The session's date (default: today); relative dates in the "
                "notes resolve against it.",
            ),
        ] = None,
    ) -> Annotated[CallToolResult, CheckinReceipt]:
        """Store a check-in's notes (kept even if summarizing fails), then summarize them:
        what each member learned, action items with owners, decisions, concerns, flags.
        The next agenda follows it up."""

        def produce(user: User) -> CheckinReceipt:
            program = t.job(user, Action.RUN_JOB, program_id, relationship_id)
            view = ws.submit_checkin(program, relationship_id, notes=notes, date=date, user=user)
            return CheckinReceipt.model_validate(view.model_dump(exclude={"notes"}))

        return await t.run(ctx, produce)

    @server.tool(title="Read the reciprocity ledger", annotations=READ_ONLY)
    async def relationship_ledger(
        relationship_id: RelationshipArg, ctx: Context, program_id: ProgramArg = None
    ) -> Annotated[CallToolResult, LedgerView]:
        """Who taught whom what (from the check-in summaries), with per-direction counts and
        who taught least."""

        def produce(user: User) -> LedgerView:
            program = t.job(user, Action.READ_LEDGER, program_id, relationship_id)
            return ws.ledger(program, relationship_id)

        return await t.run(ctx, produce)

    register_resources(server, workspace, identity)
    register_prompts(server, workspace, identity)
    return server


__all__ = ["ComentorMCP", "build_mcp_server"]
