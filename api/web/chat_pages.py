"""The chat page: one of your relationships, quick requests, pasted notes, past talks.

``POST .../chat`` answers with the whole page (no JavaScript needed); ``POST .../chat/stream``
answers the same form with Server-Sent Events for ``static/chat.js``: ``intent``,
``delta`` (text as it arrives) and ``final`` (the answer rendered server-side as HTML).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel
from pydantic import Field as FormField
from sse_starlette import EventSourceResponse

from api.deps import Access, ProgramId, RelationshipId, WorkspaceDep, run_job
from api.routes.chat import ChatDep, ChatState, job_events, rate_key, sse_events
from api.web.common import WEB, env, page
from api.web.pages import recent_conversations
from api.web.session import check_csrf
from assistant.chat import ChatReply, WorkspaceJobs, check_message
from assistant.chat.conversation import Conversation, load_owned
from assistant.errors import ComentorError
from assistant.records import User
from assistant.records.access import Action
from assistant.workspace import Workspace

router = APIRouter(dependencies=WEB, include_in_schema=False)
Member = Annotated[User, Access(Action.RUN_JOB)]
PATH = "/programs/{program_id}/relationships/{relationship_id}/chat"

PRESETS = {
    "agenda": "Plan an agenda for our next session",
    "questions": "Suggest reciprocal questions for our next session",
    "topics": "Suggest reverse-mentoring topics we could teach each other",
}


def compose(preset: str, message: str, notes: str, minutes: str, focus: str) -> str:
    """The chat message a form stands for: pasted notes, a quick request, or free text."""
    if preset == "notes" or (notes.strip() and not preset and not message.strip()):
        return "Summarize these check-in notes:\n" + notes.strip() if notes.strip() else ""
    if preset in PRESETS:
        text = PRESETS[preset]
        if minutes.strip() and preset == "agenda":
            text += f", {minutes.strip()} minutes"
        if focus.strip():
            text += f", about {focus.strip()}"
        return text
    return message.strip()


def _conversation(chat: ChatState, user: User, conversation_id: str | None) -> Conversation | None:
    if not conversation_id:
        return None
    return load_owned(chat.service.store, conversation_id, str(user.id))


def _chat_page(
    request: Request,
    user: User,
    workspace: Workspace,
    chat: ChatState,
    program_id: str,
    relationship_id: str,
    *,
    conversation: Conversation | None = None,
    reply: ChatReply | None = None,
    status_code: int = 200,
) -> Response:
    _program, relationship = workspace.relationship(program_id, relationship_id)
    return page(
        request,
        "chat.html",
        user=user,
        program_id=program_id,
        relationship=relationship,
        conversation=conversation,
        reply=reply,
        past=[
            c for c in recent_conversations(workspace, user) if c.relationship_id == relationship_id
        ],
        action=PATH.format(program_id=program_id, relationship_id=relationship_id),
        status_code=status_code,
    )


@router.get(PATH, response_class=HTMLResponse)
def chat_page(
    request: Request,
    program_id: ProgramId,
    relationship_id: RelationshipId,
    user: Member,
    workspace: WorkspaceDep,
    chat: ChatDep,
    conversation: str | None = None,
) -> Response:
    found = _conversation(chat, user, conversation)
    return _chat_page(
        request, user, workspace, chat, program_id, relationship_id, conversation=found
    )


class ChatForm(BaseModel):
    """The chat form, as both the page and its stream post it."""

    csrf_token: str = FormField(default="", max_length=20_000)
    message: str = FormField(default="", max_length=20_000)
    preset: str = FormField(default="", max_length=20_000)
    notes: str = FormField(default="", max_length=20_000)
    minutes: str = FormField(default="", max_length=20_000)
    focus: str = FormField(default="", max_length=20_000)
    conversation_id: str = FormField(default="", max_length=20_000)


Posted = Annotated[ChatForm, Form()]


def _start(
    request: Request,
    form: ChatForm,
    user: User,
    chat: ChatState,
    workspace: Workspace,
    *,
    deltas: bool = True,
) -> Iterator[Any]:
    """The form's message routed and started (CSRF and rate limit first). Blocking: run it
    on the jobs' pool."""
    check_csrf(request, form.csrf_token)
    text = check_message(compose(form.preset, form.message, form.notes, form.minutes, form.focus))
    chat.buckets.take(rate_key(request, user))
    program_id = request.path_params["program_id"]
    jobs = WorkspaceJobs(workspace, user, program_id=program_id, cache=chat.scopes)
    return chat.service.stream(
        text,
        jobs,
        conversation_id=form.conversation_id or None,
        relationship_id=request.path_params["relationship_id"],
        program_id=program_id,
        deltas=deltas,
    )


@router.post(PATH, response_class=HTMLResponse)
async def chat_post(
    request: Request,
    program_id: ProgramId,
    relationship_id: RelationshipId,
    user: Member,
    workspace: WorkspaceDep,
    chat: ChatDep,
    form: Posted,
) -> Response:
    def answered() -> Response:
        # The job, then the page's own reads (the conversation, the relationship, past
        # conversations): all of it on the jobs' pool, none on the event loop.
        done = list(_start(request, form, user, chat, workspace, deltas=False))
        reply: ChatReply = next(e.reply for e in done if e.type == "final")
        found = _conversation(chat, user, reply.conversation_id)
        return _chat_page(
            request,
            user,
            workspace,
            chat,
            program_id,
            relationship_id,
            conversation=found,
            reply=reply,
        )

    return await run_job(request, answered)


def _final_html(reply: ChatReply) -> dict[str, Any]:
    """The final answer rendered as the same HTML as the full page."""
    html = env.get_template("answer.html").render(reply=reply)
    return {"conversation_id": reply.conversation_id, "html": html}


def _error_text(exc: Exception) -> dict[str, Any]:
    if isinstance(exc, ComentorError):
        return {"message": exc.message, "hint": exc.hint}
    return {"message": "Something went wrong."}


@router.post(PATH + "/stream")
async def chat_stream(
    request: Request,
    program_id: ProgramId,
    relationship_id: RelationshipId,
    user: Member,
    workspace: WorkspaceDep,
    chat: ChatDep,
    form: Posted,
) -> Response:
    events = await run_job(request, _start, request, form, user, chat, workspace)
    web = sse_events(job_events(request, events), final=_final_html, error=_error_text)
    return EventSourceResponse(web)
