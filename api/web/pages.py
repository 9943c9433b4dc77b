"""Sign-in, sign-out, the home page and the guidance passage page."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.deps import Access, WorkspaceDep
from api.web.common import WEB, page
from api.web.session import check_csrf, sign_in, sign_out
from assistant.chat.conversation import Conversation
from assistant.errors import AuthError, NotFoundError
from assistant.records import Role, User
from assistant.records.access import Action
from assistant.records.conversations import SqlConversationStore
from assistant.workspace import Workspace

router = APIRouter(dependencies=WEB, include_in_schema=False)
# Every signed-in user may do this with no program named: it only checks the user is valid.
SignedIn = Annotated[User, Access(Action.READ_RELATIONSHIP)]


@router.get("/signin", response_class=HTMLResponse)
def signin_form(request: Request) -> Response:
    return page(request, "signin.html")


@router.post("/signin")
def signin(
    request: Request,
    workspace: WorkspaceDep,
    token: Annotated[str, Form(max_length=512)],
    csrf_token: Annotated[str, Form(max_length=128)] = "",
) -> Response:
    check_csrf(request, csrf_token)
    token = token.strip()
    try:
        workspace.records.authenticate(token)
    except AuthError:
        return page(
            request,
            "signin.html",
            status_code=401,
            failed="That token is not valid (or has been revoked).",
        )
    response = RedirectResponse("/", status_code=303)
    sign_in(request, response, token)
    return response


@router.post("/signout")
def signout(request: Request, csrf_token: Annotated[str, Form(max_length=128)] = "") -> Response:
    check_csrf(request, csrf_token)
    response = RedirectResponse("/signin", status_code=303)
    sign_out(response)
    return response


def recent_conversations(workspace: Workspace, user: User, limit: int = 20) -> list[Conversation]:
    """The user's own conversations, most recent first (the chat store keys them by owner)."""
    return SqlConversationStore(workspace.records.db).list_for(str(user.id), limit)


@router.get("/", response_class=HTMLResponse)
def home(request: Request, user: SignedIn, workspace: WorkspaceDep) -> Response:
    relationships = workspace.list_relationships(user)
    conversations = [c for c in recent_conversations(workspace, user) if c.relationship_id]
    return page(
        request,
        "home.html",
        user=user,
        relationships=relationships,
        conversations=conversations,
        is_member=user.role in (Role.MENTEE, Role.MENTOR, Role.ADMIN),
        is_staff=user.role in (Role.STAFF, Role.ADMIN),
    )


@router.get("/guidance/{citation_id:path}", response_class=HTMLResponse)
def guidance(
    request: Request, citation_id: str, user: SignedIn, workspace: WorkspaceDep
) -> Response:
    found = workspace.comentor.retriever.get([citation_id])
    if not found:
        raise NotFoundError(f"No guidance passage {citation_id!r}.", code="unknown_citation")
    return page(request, "guidance.html", user=user, passage=found[0])
