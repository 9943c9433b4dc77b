"""The service's dependencies, as ``Annotated`` aliases routes use as parameter types.

Access control happens in exactly one place: :func:`Access`. Every route under ``/api``
declares the :class:`~assistant.records.access.Action` it performs with
``user: Annotated[User, Access(Action.RUN_JOB)]``; the dependency authenticates the bearer
token, reads ``program_id`` and ``relationship_id`` from the path (or ``program`` and
``relationship`` from the query, for the staff listings) and calls
:func:`assistant.records.access.authorize`, which raises 401/403/404 as the policy says.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Annotated, Any, TypeVar

import anyio
import anyio.to_thread
from fastapi import Depends, Path, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from api.limits import MAX_BODY_BYTES
from assistant.config import Settings
from assistant.errors import AuthError, InputError, PermissionDenied
from assistant.records import User
from assistant.records.access import Action, authorize
from assistant.workspace import Workspace

DEV_USER = "local-dev"
SESSION_COOKIE = "comentor_session"  # the web pages' sign-in (api.web)
T = TypeVar("T")


@dataclass(frozen=True)
class ServiceOptions:
    """Options of the HTTP layer that are not library settings."""

    dev: bool = False  # no tokens: every loopback request is the local admin
    max_body_bytes: int = MAX_BODY_BYTES  # the notes limit + 64 KiB (see api.limits)
    # The jobs (planning, summarizing) are CPU-bound Python: more of them at once than a
    # few per core add no throughput, only GIL contention that starves the event loop
    # (accepting, parsing and answering requests). They run on a pool of this size;
    # everything else uses the default pool.
    job_threads: int = 4


# Trivial dependencies are async: a sync one costs a hop to the thread pool and back.
async def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def get_workspace(request: Request) -> Workspace:
    workspace: Workspace = request.app.state.workspace
    return workspace


# Path parameters, documented once (the examples are the demo program's).
ProgramId = Annotated[str, Path(description="A program id.", examples=["demo"])]
RelationshipId = Annotated[
    str,
    Path(
        description="A relationship id, unique within its program.",
        examples=["amara-leo-reverse"],
    ),
]
CheckinId = Annotated[int, Path(description="A check-in id.", examples=[1])]

SettingsDep = Annotated[Settings, Depends(get_settings)]
WorkspaceDep = Annotated[Workspace, Depends(get_workspace)]

_bearer = HTTPBearer(
    auto_error=False,
    scheme_name="bearer",
    description="A token from `comentor users add NAME --role ROLE` (shown once).",
)


def _is_loopback(host: str | None) -> bool:
    try:
        return host is not None and ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def is_loopback_host(host: str | None) -> bool:
    """Whether a ``Host`` header names a loopback address: ``localhost``, a loopback IP
    such as ``127.0.0.1``, or ``[::1]``, with or without a port."""
    if not host:
        return False
    name = host.strip().lower()
    if name.startswith("["):  # [::1] or [::1]:8000
        name, bracket, rest = name[1:].partition("]")
        if not bracket or (rest and not (rest.startswith(":") and rest[1:].isdigit())):
            return False
    elif name.count(":") == 1:  # name:port
        name, _, port = name.partition(":")
        if not port.isdigit():
            return False
    return name == "localhost" or _is_loopback(name)


def current_user(
    request: Request,
    workspace: WorkspaceDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> User:
    """The authenticated caller (401 ``unauthenticated`` without a valid token)."""
    options: ServiceOptions = request.app.state.options
    if options.dev:
        # Dev mode is only offered on loopback (the CLI refuses other hosts); refuse a
        # request from elsewhere too, in case the app was served some other way.
        if not _is_loopback(request.client.host if request.client else None):
            raise PermissionDenied("Dev mode answers local requests only.", code="forbidden")
        # A page on another site can reach a loopback port through DNS rebinding, but its
        # requests then carry that site's name as Host: refuse any Host but a loopback one.
        if not is_loopback_host(request.headers.get("host")):
            raise PermissionDenied(
                "Dev mode answers requests addressed to localhost, 127.0.0.1 or [::1] only.",
                hint="Open the service at http://127.0.0.1:PORT (not through another name).",
                code="bad_host",
            )
        dev_user: User = request.app.state.dev_user
        return dev_user
    if credentials is None and getattr(request.state, "cookie_auth", False):
        # Web pages (api.web) mark their requests: only they accept the session cookie,
        # so a cross-site form cannot ride the cookie into the JSON API (no CSRF token).
        cookie_token = request.cookies.get(SESSION_COOKIE)
        if cookie_token:
            return workspace.records.authenticate(cookie_token)
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise AuthError(
            "This route needs a bearer token.",
            hint="Send `Authorization: Bearer <token>`; an admin creates tokens with "
            "`comentor users add NAME --role ROLE`.",
            code="unauthenticated",
        )
    return workspace.records.authenticate(credentials.credentials)


CurrentUser = Annotated[User, Depends(current_user)]


@dataclass(frozen=True)
class Caller:
    """A request's credentials, not yet checked: :meth:`user` authenticates them (as
    :func:`current_user` does) wherever the route calls it. Routes that run all their work
    on the jobs' pool call it there, in the same trip: authenticating as a dependency of
    its own costs a trip to the thread pool and back (the token is looked up in the
    database, which must not block the event loop)."""

    request: Request
    workspace: Workspace
    credentials: HTTPAuthorizationCredentials | None

    def user(self) -> User:
        return current_user(self.request, self.workspace, self.credentials)


async def get_caller(
    request: Request,
    workspace: WorkspaceDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Caller:
    return Caller(request, workspace, credentials)


CallerDep = Annotated[Caller, Depends(get_caller)]


async def run_job(request: Request, job: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
    """Run a CPU-bound workspace job on the jobs' own bounded thread pool."""
    limiter: anyio.CapacityLimiter = request.app.state.job_limiter
    return await anyio.to_thread.run_sync(partial(job, *args, **kwargs), limiter=limiter)


def Access(action: Action) -> Any:  # capitalised: it reads as a type annotation
    """The one dependency that enforces the role policy for a route's ``action``."""

    def check(
        request: Request,
        workspace: WorkspaceDep,
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    ) -> User:
        # Authenticate here rather than through the CurrentUser dependency: one trip to
        # the thread pool for both database reads instead of two.
        user = current_user(request, workspace, credentials)
        path, query = request.path_params, request.query_params
        program_id = path.get("program_id", query.get("program"))
        if action is Action.MANAGE_PROGRAMS:
            # PUT creates the program: it need not exist yet, only the role counts.
            program_id = None
        relationship_id = path.get("relationship_id", query.get("relationship"))
        if relationship_id and not program_id:
            program_id = user.program_id  # staff listings: their own program is implied
        authorize(
            user,
            action,
            program_id=program_id or None,
            relationship_id=relationship_id or None,
            workspace=workspace,
        )
        return user

    # Tests walk the routes and read the declared action from here.
    check.action = action  # type: ignore[attr-defined]
    return Depends(check)


async def reject_unknown_query(request: Request) -> None:
    """422 for a query parameter the route does not take: a mistyped filter
    (``?flg=one_sided``) must not silently return everything."""
    route = request.scope.get("route")
    dependant = getattr(route, "dependant", None)
    if dependant is None:
        return

    allowed = _query_names(dependant)
    unknown = sorted(set(request.query_params) - allowed)
    if unknown:
        takes = ", ".join(sorted(allowed)) or "none"
        raise InputError(
            f"Unknown query parameter {unknown[0]!r}.",
            hint=f"This route takes these query parameters: {takes}.",
            code="validation_error",
        )


def _query_names(dependant: Any) -> set[str]:
    """The query parameters a route takes, its dependencies' included."""
    names = {param.alias for param in dependant.query_params}
    for sub in dependant.dependencies:
        names |= _query_names(sub)
    return names
