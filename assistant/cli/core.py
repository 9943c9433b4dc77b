"""The `comentor` command line.

Library errors (:mod:`assistant.errors`) become messages and exit codes here and only
here. Every command that produces data takes ``--json`` for scripts. Heavy imports
(Chroma, onnxruntime) happen inside commands so that ``--help`` stays instant.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.markup import escape

from assistant import __version__
from assistant.errors import ComentorError, ConfigError

app = typer.Typer(
    name="comentor",
    help=(
        "Comentor: an offline co-mentor grounded in mentorship guidance.\n\n"
        "Start with `comentor ingest` (loads the bundled guidance), then "
        '`comentor ask "How do I start a reverse mentoring pair?"`.'
    ),
    no_args_is_help=True,
    rich_markup_mode="markdown",
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)

out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)

T = TypeVar("T")

JsonOption = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")]


def settings_from_env() -> Any:
    """Settings from COMENTOR_* variables and .env, with config errors made readable."""
    from pydantic import ValidationError

    from assistant.config import Settings

    try:
        return Settings()
    except ValidationError as exc:
        problems = "; ".join(
            f"COMENTOR_{'_'.join(str(p) for p in e['loc']).upper()}: {e['msg']}"
            for e in exc.errors()
        )
        raise ConfigError(f"Invalid configuration: {problems}") from None


@contextmanager
def handle_errors(as_json: bool = False) -> Iterator[None]:
    try:
        yield
    except ComentorError as exc:
        # Messages can echo input (a file name, a value): no control characters reach the
        # terminal, and "[...]" in them is text, not rich markup.
        message, hint = _echo(exc.message), _echo(exc.hint) if exc.hint else None
        if as_json:
            payload = {"error": {"type": type(exc).__name__, "message": message, "hint": hint}}
            print(json.dumps(payload, indent=2))
        err.print(f"[bold red]Error:[/] {escape(message)}", highlight=False)
        if hint:
            err.print(escape(hint), highlight=False)
        raise typer.Exit(exc.exit_code) from None
    except KeyboardInterrupt:
        err.print("Interrupted.")
        raise typer.Exit(130) from None
    except (typer.Exit, SystemExit):
        raise
    except Exception as exc:
        # A bug, not bad input: say so plainly; COMENTOR_DEBUG=1 shows the traceback.
        if os.environ.get("COMENTOR_DEBUG"):
            raise
        text = _echo(str(exc))
        if as_json:
            print(json.dumps({"error": {"type": "InternalError", "message": text}}))
        err.print(
            f"[bold red]Unexpected error:[/] {type(exc).__name__}: {escape(text)}", highlight=False
        )
        err.print("Run again with COMENTOR_DEBUG=1 for details, and please report it.")
        raise typer.Exit(70) from None


def _echo(text: str) -> str:
    """Text for the terminal: no invisible or control characters, at most 2,000 characters."""
    from assistant.safety import strip_invisible

    text = strip_invisible(text)
    return text if len(text) <= 2000 else text[:1999] + "…"


def emit_json(data: Any) -> None:
    print(json.dumps(data, indent=2, ensure_ascii=False, default=str))


def version_callback(value: bool) -> None:
    if value:
        print(f"comentor {__version__}")
        raise typer.Exit()


@app.callback()
def main_callback(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=version_callback, is_eager=True, help="Show the version and exit."
        ),
    ] = False,
) -> None:
    """Comentor command line."""


# -- ingest -------------------------------------------------------------------------------


@app.command()
def ingest(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(
            help="Files or folders of guidance (.md, .txt, .html, .pdf). "
            "Default: the bundled knowledge base.",
            show_default=False,
        ),
    ] = None,
    prune: Annotated[
        bool,
        typer.Option("--prune", help="Remove passages of files no longer in the given folders."),
    ] = False,
    rebuild: Annotated[
        bool,
        typer.Option("--rebuild", help="Drop the whole index first and ingest from scratch."),
    ] = False,
    as_json: JsonOption = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Only print errors.")] = False,
    wait: Annotated[
        float,
        typer.Option(
            "--wait",
            min=0,
            help="Seconds to wait for another ingest of the same data directory to finish.",
        ),
    ] = 30.0,
) -> None:
    """Read guidance files, split them at headings, embed and store them.

    Unchanged files are skipped, changed files replace their passages, unreadable files are
    named and skipped. Run it again after editing a handbook; add --prune after deleting files.
    """
    with handle_errors(as_json):
        from assistant.knowledge.ingest import ingest as run_ingest
        from assistant.knowledge.retrieval import build_retriever

        settings = settings_from_env()
        retriever = build_retriever(settings)
        with _progress(enabled=not quiet and not as_json) as progress:
            report = run_ingest(
                paths,
                settings=settings,
                retriever=retriever,
                prune=prune,
                rebuild=rebuild,  # under the ingest lock, never beneath a running ingest
                progress=progress,
                lock_timeout=wait,
            )
        if as_json:
            emit_json(report.to_dict())
            return
        for skipped in report.files_failed:
            err.print(f"[yellow]skipped[/] {skipped.path}: {skipped.reason}", highlight=False)
        for warning in report.warnings:
            err.print(f"[yellow]warning[/] {warning}", highlight=False)
        for item in report.quarantined:
            err.print(f"[yellow]quarantined[/] {item}; it will never be quoted", highlight=False)
        if not quiet:
            out.print(f"Ingested {report.summary()}.", highlight=False)


@contextmanager
def _progress(enabled: bool) -> Iterator[Callable[[int, int, str], None] | None]:
    """A rich progress bar on stderr for runs long enough to need one."""
    if not enabled or not err.is_terminal:
        yield None
        return
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    with Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=err,
        transient=True,
    ) as bar:
        task = bar.add_task("Ingesting", total=None)

        def update(done: int, total: int, name: str) -> None:
            bar.update(task, completed=done, total=total, description=f"Ingesting {name[-40:]}")

        yield update


# -- ask ----------------------------------------------------------------------------------


@app.command()
def ask(
    question: Annotated[str, typer.Argument(help="Your question, in quotes.")],
    k: Annotated[
        int, typer.Option("-k", "--top-k", min=1, max=20, help="How many passages to draw on.")
    ] = 5,
    engine: Annotated[
        str | None,
        typer.Option(
            "--engine",
            help="Engine spec, as for the planner commands: grounded (extractive, offline), "
            "openai:MODEL, local[:PATH], fake. Default: COMENTOR_LLM, else grounded. An LLM "
            "answer that fails is replaced by the grounded one, with the reason recorded.",
            envvar="COMENTOR_ENGINE",
            show_default=False,
        ),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Answer a mentoring question from the guidance only, with numbered citations.

    The grounded engine quotes the guidance; an LLM engine answers from the retrieved
    passages only. `--json` names the engine that answered (and why, on fallback)."""
    with handle_errors(as_json):
        from assistant.service import Comentor

        answer = Comentor(settings_from_env(), engine=engine).ask(question, k=k)
        if as_json:
            emit_json(answer.to_dict())
            return
        out.print(answer.answer, highlight=False)
        if answer.engine != "grounded":
            why = f": {answer.fallback_reason}" if answer.fallback_reason else ""
            err.print(f"[dim]Engine: {answer.engine}{why}[/]", highlight=False)
        if answer.citations:
            out.print()
            out.print("[bold]Sources[/]")
            for c in answer.citations:
                label = (
                    f"{c.title} — {c.heading}" if c.heading and c.heading != c.title else c.title
                )
                out.print(f"  [{c.number}] {label}  [dim]{c.id}[/]", highlight=False)


@app.command()
def sources(as_json: JsonOption = False) -> None:
    """List the ingested sources and how many passages each has."""
    with handle_errors(as_json):
        from assistant.knowledge.store import build_store

        store = build_store(settings_from_env())
        counts: dict[str, dict[str, Any]] = {}
        for record in store.iter_records(documents=False):
            src = str(record.metadata.get("source", "?"))
            entry = counts.setdefault(
                src, {"source": src, "title": record.metadata.get("title", ""), "passages": 0}
            )
            entry["passages"] += 1
        rows = sorted(counts.values(), key=lambda r: r["source"])
        if as_json:
            emit_json(rows)
            return
        if not rows:
            out.print("The index is empty. Run `comentor ingest`.")
            return
        for row in rows:
            out.print(
                f"{row['passages']:5d}  {row['source']}  [dim]{row['title']}[/]", highlight=False
            )
        out.print(f"{sum(r['passages'] for r in rows)} passages from {len(rows)} sources.")


def main() -> None:
    import assistant.cli.evaluate
    import assistant.cli.mcp  # (registers mcp)
    import assistant.cli.plan  # (registers the planner commands)
    import assistant.cli.records  # (registers db, users, programs)
    import assistant.cli.serve  # noqa: F401  (registers serve)

    try:
        app()
    except BrokenPipeError:  # `comentor ... | head`
        sys.stderr.close()


if __name__ == "__main__":
    main()
