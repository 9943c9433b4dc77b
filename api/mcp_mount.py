"""The MCP server over streamable HTTP at ``/mcp``, inside the service.

The same server ``comentor mcp`` serves over stdio (:func:`assistant.mcp.build_mcp_server`)
answers here, built at start-up over the app's workspace. Every HTTP request is
authenticated from its own bearer token before the MCP layer sees it (401
``unauthenticated`` otherwise, the REST API's error body), and the tools then decide with
:func:`assistant.records.access.authorize` exactly as the REST routes do.

The transport is stateless with JSON responses: no MCP session lives in one process, so it
works unchanged under ``comentor serve --workers N``, and who calls is decided per request,
never per session. In ``--dev`` mode (no tokens, every caller is the local admin) requests
must come from loopback and carry a loopback ``Host``, which keeps web pages reached
through DNS rebinding out.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

import anyio.to_thread
from fastapi import FastAPI
from mcp.server.streamable_http_manager import StreamableHTTPSessionManager
from mcp.server.transport_security import TransportSecuritySettings
from starlette.requests import Request
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from api.deps import ServiceOptions, _is_loopback
from api.errors import error_json
from assistant.errors import AuthError, ComentorError, PermissionDenied
from assistant.mcp import RequestIdentity, build_mcp_server
from assistant.mcp.identity import SCOPE_USER_KEY
from assistant.records import User
from assistant.workspace import Workspace

MCP_PATH = "/mcp"

# Dev mode answers loopback only: the Host header must name a loopback address too.
_DEV_SECURITY = TransportSecuritySettings(
    enable_dns_rebinding_protection=True,
    allowed_hosts=["127.0.0.1:*", "localhost:*", "[::1]:*", "127.0.0.1", "localhost", "[::1]"],
    allowed_origins=["http://127.0.0.1:*", "http://localhost:*", "http://[::1]:*"],
)
# With tokens a browser page cannot act for anyone, and the service may sit behind any
# host name, so the Host header is not checked.
_TOKEN_SECURITY = TransportSecuritySettings(enable_dns_rebinding_protection=False)


class _MCPEndpoint:
    """The ASGI endpoint at ``/mcp``: authenticate, then hand over to the MCP transport."""

    def __init__(self, app: FastAPI) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        manager: StreamableHTTPSessionManager | None = getattr(self.app.state, "mcp_manager", None)
        if manager is None:  # the lifespan has not started (or has ended)
            response = error_json(503, "not_ready", "The MCP endpoint is not running yet.")
            await response(scope, receive, send)
            return
        try:
            user = await self._caller(Request(scope))
        except ComentorError as exc:
            headers = {"WWW-Authenticate": "Bearer"} if isinstance(exc, AuthError) else None
            response = error_json(exc.http_status, exc.code, exc.message, exc.hint, headers)
            await response(scope, receive, send)
            return
        scope[SCOPE_USER_KEY] = user  # RequestIdentity reads it back in the tools
        await manager.handle_request(scope, receive, send)

    async def _caller(self, request: Request) -> User:
        options: ServiceOptions = self.app.state.options
        if options.dev:
            if not _is_loopback(request.client.host if request.client else None):
                raise PermissionDenied("Dev mode answers local requests only.", code="forbidden")
            dev_user: User = self.app.state.dev_user
            return dev_user
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise AuthError(
                "The MCP endpoint needs a bearer token.",
                hint="Configure your MCP client to send `Authorization: Bearer <token>`; an "
                "admin creates tokens with `comentor users add NAME --role ROLE`.",
                code="unauthenticated",
            )
        workspace: Workspace = self.app.state.workspace
        user: User = await anyio.to_thread.run_sync(workspace.records.authenticate, token.strip())
        return user


def mount_mcp(app: FastAPI, *, path: str = MCP_PATH) -> None:
    """Serve the MCP server at ``path`` of ``app`` (a :func:`api.main.create_app` app).

    The server is built when the app starts, after its own start-up has made the
    workspace, and its transport runs for as long as the app does.
    """
    inner: Callable[[Any], AbstractAsyncContextManager[Any]] = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(started: Any) -> AsyncIterator[Any]:
        async with inner(started) as state:
            options: ServiceOptions = app.state.options
            server = build_mcp_server(
                app.state.workspace,
                RequestIdentity(),
                # MCP and REST jobs share the service's bounded jobs pool.
                limiter=getattr(app.state, "job_limiter", None),
            )
            server.streamable_http_app(
                stateless_http=True,
                json_response=True,
                transport_security=_DEV_SECURITY if options.dev else _TOKEN_SECURITY,
            )
            manager = server.session_manager
            async with manager.run():
                app.state.mcp_manager = manager
                try:
                    yield state
                finally:
                    app.state.mcp_manager = None

    app.router.lifespan_context = lifespan
    # First, so no catch-all route installed later can shadow it.
    app.router.routes.insert(
        0, Route(path, endpoint=_MCPEndpoint(app), methods=["GET", "POST", "DELETE"])
    )
