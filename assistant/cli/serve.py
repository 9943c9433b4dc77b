"""`comentor serve`: the HTTP service (uvicorn running :func:`api.main.app_from_env`).

Before uvicorn starts, the data directory is prepared once (not once per worker): the
records database is migrated, the bundled guidance is ingested when the index is empty,
and ``--demo`` stores ``examples/program.yaml`` as program ``demo``. FastAPI, uvicorn and
the ``api`` package are imported inside the command: ``assistant`` never imports them at
module import time.
"""

from __future__ import annotations

import ipaddress
import os
from pathlib import Path
from typing import Annotated, Any

import typer

from assistant.cli.core import app, err, handle_errors, out, settings_from_env
from assistant.config import PACKAGE_DIR
from assistant.errors import ConfigError, InputError

DEMO_PROGRAM_ID = "demo"


def demo_program_file() -> Path:
    """examples/program.yaml in a checkout (or its copy bundled in a wheel)."""
    for candidate in (
        PACKAGE_DIR.parent / "examples" / "program.yaml",
        PACKAGE_DIR / "_bundled" / "examples" / "program.yaml",
    ):
        if candidate.is_file():
            return candidate
    raise ConfigError(
        "The demo program (examples/program.yaml) is not installed.",
        hint="Run from a checkout of Comentor, or import a program of yours with "
        "`comentor programs import FILE --id ID`.",
    )


def is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def prepare(settings: Any, *, demo: bool, say: Any = print) -> dict[str, Any]:
    """Migrate the records, ingest the bundled guidance into an empty index, store the
    demo program if asked. Returns what it did (for the start-up message and tests)."""
    import yaml

    from assistant.knowledge.ingest import ingest
    from assistant.knowledge.retrieval import build_retriever
    from assistant.workspace import Workspace

    done: dict[str, Any] = {"ingested": False, "demo": False}
    retriever = build_retriever(settings)
    workspace = Workspace(settings)  # migrates the database (idempotent)
    try:
        if retriever.store.count() == 0:
            say("The index is empty: ingesting the bundled guidance (once)...")
            report = ingest(None, settings=settings, retriever=retriever)
            say(f"Ingested {report.summary()}.")
            done["ingested"] = True
        done["passages"] = retriever.store.count()
        if demo:
            path = demo_program_file()
            document = yaml.safe_load(path.read_text(encoding="utf-8"))
            workspace.put_program(DEMO_PROGRAM_ID, document)
            done["demo"] = True
    finally:
        workspace.close()
    return done


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on.")] = 8000,
    workers: Annotated[
        int, typer.Option(min=1, max=64, help="Worker processes (state lives in the stores).")
    ] = 1,
    dev: Annotated[
        bool,
        typer.Option(
            "--dev", help="No tokens: every request is a local admin. Loopback hosts only."
        ),
    ] = False,
    demo: Annotated[
        bool, typer.Option("--demo", help="Load examples/program.yaml as program `demo`.")
    ] = False,
    job_threads: Annotated[
        int,
        typer.Option(min=1, max=256, help="Jobs (agendas, summaries...) run at once per worker."),
    ] = 4,
    log_level: Annotated[
        str, typer.Option(help="uvicorn log level (critical, error, warning, info, debug).")
    ] = "info",
) -> None:
    """Run the REST service: programs, jobs, check-ins, ledger and staff views.

    Routes and examples are in the README; the OpenAPI docs are at /docs once it runs.
    """
    with handle_errors():
        if dev and not is_loopback(host):
            raise InputError(
                f"--dev serves without tokens, so it only listens on loopback; got {host!r}.",
                hint="Use --host 127.0.0.1 with --dev, or drop --dev and give users tokens "
                "with `comentor users add`.",
                code="dev_needs_loopback",
            )
        settings = settings_from_env()
        prepare(settings, demo=demo, say=lambda m: err.print(m, highlight=False))
        import uvicorn

        from api.main import DEV_ENV, THREADS_ENV

        os.environ[THREADS_ENV] = str(job_threads)
        if dev:
            os.environ[DEV_ENV] = "1"
        else:
            os.environ.pop(DEV_ENV, None)
        shown = f"[{host}]" if ":" in host else host
        base = f"http://{shown}:{port}"
        out.print(f"Comentor service on {base}", highlight=False)
        out.print(f"  API docs   {base}/docs", highlight=False)
        out.print(f"  readiness  {base}/readyz", highlight=False)
        if demo:
            out.print(
                f"  demo       {base}/api/programs/{DEMO_PROGRAM_ID}/relationships",
                highlight=False,
            )
        if dev:
            out.print("Dev mode: no tokens; every request is the local admin.", highlight=False)
        if workers > 1 and not settings.chroma_url:
            err.print(
                "Several workers share the embedded Chroma store read-only; set "
                "COMENTOR_CHROMA_URL to a Chroma server if you ingest while serving.",
                highlight=False,
            )
        uvicorn.run(
            "api.main:app_from_env",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            log_level=log_level,
        )
