"""`comentor agenda | questions | topics | summarize`: the planners on the command line."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from assistant.cli.core import JsonOption, app, emit_json, handle_errors, out, settings_from_env
from assistant.errors import InputError
from assistant.limits import MAX_NOTES_BYTES

ProgramOption = Annotated[
    Path,
    typer.Option(
        "--program",
        "-p",
        help="Program file (YAML or JSON): participants and "
        "relationships. See docs/program-format.md.",
        show_default=False,
    ),
]
PairOption = Annotated[
    str,
    typer.Option(
        "--pair", help="Relationship id in the program (a pair or a group).", show_default=False
    ),
]
EngineOption = Annotated[
    str | None,
    typer.Option(
        "--engine",
        help="Engine spec: grounded (deterministic, offline), openai:MODEL (any OpenAI-"
        "compatible server: OPENAI_BASE_URL, OPENAI_API_KEY), local[:PATH] (llama.cpp), fake. "
        "Default: COMENTOR_LLM, else grounded. An LLM result that fails is replaced by the "
        "grounded one, with the reason recorded.",
        envvar="COMENTOR_ENGINE",
        show_default=False,
    ),
]
PreviousOption = Annotated[
    Path | None,
    typer.Option(
        "--previous",
        help="The previous check-in's summary JSON (from `comentor summarize --json`).",
        show_default=False,
    ),
]


def _service(engine: str | None) -> Any:
    from assistant.service import Comentor

    return Comentor(settings_from_env(), engine=engine)


def _program(path: Path) -> Any:
    from assistant.program import load_program

    return load_program(path)


def _previous(path: Path | None, pair: str) -> Any:
    """The --previous summary, which must be one of this pair's (its text is cleaned)."""
    if path is None:
        return None
    from assistant.service import load_previous

    return load_previous(path, relationship_id=pair)


def _show(result: Any, as_json: bool, render: Any, program: Any) -> None:
    if as_json:
        emit_json(result.model_dump(mode="json"))
    else:
        out.print(render(result, program), highlight=False)


@app.command()
def agenda(
    program: ProgramOption,
    pair: PairOption,
    minutes: Annotated[
        int | None,
        typer.Option(
            help="Session length, 10-240 (flash: 15-30). Default: 45, or 20 for a flash pair.",
            show_default=False,
        ),
    ] = None,
    focus: Annotated[str | None, typer.Option(help="What this session should focus on.")] = None,
    previous: PreviousOption = None,
    no_record: Annotated[
        bool,
        typer.Option(
            "--no-record", help="Preview only: do not record a group's teaching rotation."
        ),
    ] = False,
    engine: EngineOption = None,
    as_json: JsonOption = False,
) -> None:
    """Prepare a session agenda for a pair or group, for the minutes they have.

    Every participant leads a teaching segment (large groups rotate, and the rotation is
    recorded so the next agenda starts with those who have not taught). Items add up to the
    session length and cite the guidance they rest on.
    """
    with handle_errors(as_json):
        from assistant.render import render_agenda

        prog = _program(program)
        prev = _previous(previous, pair)
        result = _service(engine).agenda(
            prog, pair, minutes=minutes, focus=focus, previous=prev, record_rotation=not no_record
        )
        _show(result, as_json, render_agenda, prog)


@app.command()
def questions(
    program: ProgramOption,
    pair: PairOption,
    per_person: Annotated[
        int | None,
        typer.Option(help="Questions each person answers (pairs: at least 2; groups: at least 1)."),
    ] = None,
    focus: Annotated[str | None, typer.Option(help="Bias topics toward this theme.")] = None,
    engine: EngineOption = None,
    as_json: JsonOption = False,
) -> None:
    """Suggest reciprocal learning questions, so that each side teaches something.

    Topics pair what the answerer can teach with what the asker wants to learn, by meaning.
    """
    with handle_errors(as_json):
        from assistant.render import render_questions

        prog = _program(program)
        result = _service(engine).questions(prog, pair, per_person=per_person, focus=focus)
        _show(result, as_json, render_questions, prog)


@app.command()
def topics(
    program: ProgramOption,
    pair: PairOption,
    limit: Annotated[int, typer.Option(help="How many topics to suggest (1-20).")] = 5,
    engine: EngineOption = None,
    as_json: JsonOption = False,
) -> None:
    """Suggest reverse-mentoring topics: what the mentor could learn from their mentee.

    Ranked by how the junior's skills meet the senior's goals, with starter questions,
    pitfalls (senior resistance, power dynamics) and citations.
    """
    with handle_errors(as_json):
        from assistant.render import render_topics

        prog = _program(program)
        result = _service(engine).topics(prog, pair, limit=limit)
        _show(result, as_json, render_topics, prog)


@app.command()
def summarize(
    notes: Annotated[
        Path,
        typer.Argument(
            help='Notes or a transcript ("Name: text" lines) as a text file; `-` reads stdin.',
            show_default=False,
        ),
    ],
    program: ProgramOption,
    pair: PairOption,
    date: Annotated[
        str | None,
        typer.Option(
            help="Check-in date (YYYY-MM-DD); relative dates in the notes resolve against it. "
            "Default: today."
        ),
    ] = None,
    previous: PreviousOption = None,
    engine: EngineOption = None,
    as_json: JsonOption = False,
) -> None:
    """Summarize a check-in for program staff: who learned what, action items with owners
    and dates, decisions, concerns, talk share and warning flags. Content the notes mark
    private is left out."""
    with handle_errors(as_json):
        from assistant.render import render_summary

        when = _parse_date(date)
        text = _read_notes(notes)
        prog = _program(program)
        prev = _previous(previous, pair)
        result = _service(engine).summarize(prog, pair, text, date=when, previous=prev)
        _show(result, as_json, render_summary, prog)


def _read_notes(path: Path) -> str:
    """The notes from a file or (``-``) standard input, reading at most 1 MB + 1 byte: a
    larger input is refused without being read whole."""
    from assistant.limits import decode_notes

    if str(path) == "-":
        return decode_notes(sys.stdin.buffer.read(MAX_NOTES_BYTES + 1), "standard input")
    if path.is_dir():
        raise InputError(f"{path} is a folder; give the notes as a text file.")
    if not path.is_file():
        raise InputError(f"Notes file not found: {path}")
    try:
        with path.open("rb") as handle:
            raw = handle.read(MAX_NOTES_BYTES + 1)
    except OSError as exc:
        raise InputError(f"Cannot read {path}: {exc.strerror or exc}") from None
    return decode_notes(raw, str(path))


def _parse_date(value: str | None) -> dt.date:
    from assistant.limits import check_date

    if value is None:
        return dt.date.today()
    try:
        when = dt.date.fromisoformat(value.strip())
    except ValueError:
        raise InputError(f"--date must be YYYY-MM-DD; got {value[:40]!r}.") from None
    return check_date(when, what="--date")
