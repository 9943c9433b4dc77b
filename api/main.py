"""The app factory: ``create_app(settings)`` builds the Comentor service.

Serve it with ``comentor serve`` (which prepares the data directory once, then runs
uvicorn on :func:`app_from_env`), or embed ``create_app`` in tests with a ready
:class:`~assistant.workspace.Workspace`.
"""

from __future__ import annotations

import logging
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio
from fastapi import Depends, FastAPI

from api import web
from api.deps import DEV_USER, ServiceOptions, reject_unknown_query
from api.errors import install_error_handlers
from api.limits import BodyLimitMiddleware
from api.mcp_mount import mount_mcp
from api.routes import chat, health, openai_compat, programs, relationships, summaries
from assistant import __version__
from assistant.config import Settings
from assistant.errors import ConflictError
from assistant.records import Records, Role, User
from assistant.workspace import Workspace

log = logging.getLogger(__name__)

DEV_ENV = "COMENTOR_SERVE_DEV"  # set by `comentor serve --dev` for its workers
THREADS_ENV = "COMENTOR_SERVE_JOB_THREADS"  # set by `comentor serve --job-threads`

DESCRIPTION = """\
Comentor's records and jobs as REST resources: programs, relationships, agendas, reciprocal
questions, reverse-mentoring topics, check-ins with their summaries, the reciprocity ledger,
and the staff views.

**Auth**: `Authorization: Bearer <token>` (tokens from `comentor users add`). Mentees and
mentors see the relationships they belong to, with their check-ins' raw notes; staff see
their program's summaries, ledgers and health, never raw notes; admins manage programs.

**Errors** are always `{"error": {"code", "message", "hint"}}` with a stable `code`.
"""


def _dev_user(records: Records) -> User:
    """The local admin every request is in dev mode (a real user row, so stored results
    can name who asked)."""
    try:
        user, _token = records.add_user(DEV_USER, Role.ADMIN)
        return user
    except ConflictError:
        return records.get_user(DEV_USER)


def create_app(
    settings: Settings,
    *,
    workspace: Workspace | None = None,
    options: ServiceOptions | None = None,
) -> FastAPI:
    """The service for ``settings``. Pass ``workspace`` to share one (tests do); otherwise
    it is built (and the database migrated) at start-up and closed at shutdown."""
    options = options or ServiceOptions()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # The jobs share a pool of their own (see ServiceOptions.job_threads).
        app.state.job_limiter = anyio.CapacityLimiter(options.job_threads)
        ws = workspace or Workspace(settings)
        app.state.workspace = ws
        if options.dev:
            app.state.dev_user = _dev_user(ws.records)
        try:
            ws.comentor  # noqa: B018  (load the embedder and index now, not on the first request)
        except Exception as exc:  # /readyz reports it; the service still answers
            log.warning("the planning service is not ready: %s", exc)
        else:
            # The chat's intent classifier too (~1 s of embedding), so that the first message
            # a worker gets does not wait for it.
            try:
                await anyio.to_thread.run_sync(chat.chat_state, app, ws)
            except Exception as exc:  # the first /chat tries again and reports it
                log.warning("the chat is not ready: %s", exc)
        try:
            yield
        finally:
            if workspace is None:
                ws.close()

    app = FastAPI(
        title="Comentor",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.options = options
    install_error_handlers(app)
    app.add_middleware(BodyLimitMiddleware, max_bytes=options.max_body_bytes)
    app.include_router(health.router)
    app.include_router(programs.router, dependencies=[Depends(reject_unknown_query)])
    app.include_router(relationships.router, dependencies=[Depends(reject_unknown_query)])
    app.include_router(summaries.router, dependencies=[Depends(reject_unknown_query)])
    app.include_router(chat.router)
    app.include_router(openai_compat.router)
    web.install(app)  # the web pages (sign-in, chat, staff review): api/web
    mount_mcp(app)  # the MCP server over streamable HTTP at /mcp
    return app


def app_from_env() -> FastAPI:
    """The app for uvicorn's ``--factory``: settings from ``COMENTOR_*``, dev mode from
    ``COMENTOR_SERVE_DEV`` (set by ``comentor serve --dev``, which checks the host)."""
    options = ServiceOptions(
        dev=os.environ.get(DEV_ENV) == "1",
        job_threads=int(os.environ.get(THREADS_ENV) or ServiceOptions.job_threads),
    )
    return create_app(Settings(), options=options)
