"""`comentor mcp`: Comentor as an MCP server over stdio, for desktop and IDE assistants.

The assistant starts this command and talks JSON-RPC on its stdin/stdout, so nothing
else may be written to stdout: start-up messages (migrating, ingesting the bundled
guidance into an empty index) go to stderr. The caller is the user of ``--token`` (or
``COMENTOR_TOKEN``), checked at start and again at every call; ``--dev`` runs as the local
admin without a token, as ``comentor serve --dev`` does.
"""

from __future__ import annotations

from typing import Annotated

import typer

from assistant.cli.core import app, err, handle_errors, settings_from_env
from assistant.errors import AuthError, ConflictError, InputError

DEV_USER = "local-dev"  # the same local admin `comentor serve --dev` uses


@app.command("mcp")
def mcp_command(
    token: Annotated[
        str | None,
        typer.Option(
            "--token",
            envvar="COMENTOR_TOKEN",
            help="Bearer token of the user the assistant acts for (from `comentor users add`).",
            show_default=False,
        ),
    ] = None,
    dev: Annotated[
        bool, typer.Option("--dev", help="No token: act as the local admin (your machine only).")
    ] = False,
    demo: Annotated[
        bool, typer.Option("--demo", help="Store examples/program.yaml as program `demo` first.")
    ] = False,
) -> None:
    """Serve Comentor's tools, guidance resources and prompts over MCP (stdio)."""
    with handle_errors():
        if dev and token:
            raise InputError(
                "Give either --dev or a token, not both.",
                hint="--dev acts as the local admin; a token acts as its user.",
                code="invalid_input",
            )
        if not dev and not token:
            raise AuthError(
                "comentor mcp needs to know who the assistant acts for.",
                hint="Pass --token TOKEN (or set COMENTOR_TOKEN); an admin creates one with "
                "`comentor users add NAME --role ROLE`. Or use --dev to act as the local admin.",
                code="unauthenticated",
            )
        from assistant.cli.serve import prepare
        from assistant.mcp import StaticIdentity, TokenIdentity, build_mcp_server
        from assistant.mcp.identity import Identity
        from assistant.records import Role
        from assistant.workspace import Workspace

        settings = settings_from_env()
        prepare(settings, demo=demo, say=lambda m: err.print(m, highlight=False))
        workspace = Workspace(settings)
        try:
            identity: Identity
            if dev:
                try:
                    user = workspace.records.add_user(DEV_USER, Role.ADMIN)[0]
                except ConflictError:
                    user = workspace.records.get_user(DEV_USER)
                identity = StaticIdentity(user)
            else:
                assert token is not None
                user = workspace.records.authenticate(token)  # fail now, not at the first call
                identity = TokenIdentity(workspace.records, token)
            err.print(
                f"Comentor MCP server on stdio, acting for {user.name} ({user.role.value}).",
                highlight=False,
            )
            build_mcp_server(workspace, identity).run("stdio")
        finally:
            workspace.close()
