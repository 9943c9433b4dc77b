"""`comentor db | users | programs`: the records database on the command line.

The database is ``COMENTOR_DATABASE_URL`` (PostgreSQL: ``postgresql+psycopg://...``) or,
by default, SQLite in the data directory. Every command here migrates it first (the same
idempotent step `comentor db upgrade` and the service's start run).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from assistant.cli.core import JsonOption, app, emit_json, handle_errors, out, settings_from_env

db_app = typer.Typer(
    help="The records database: programs, users, check-ins, summaries, ledger.",
    no_args_is_help=True,
)
users_app = typer.Typer(
    help="Service users and their bearer tokens (mentee, mentor, staff, admin).",
    no_args_is_help=True,
)
programs_app = typer.Typer(help="Programs stored for the service.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(users_app, name="users")
app.add_typer(programs_app, name="programs")


def _records(upgrade: bool = True) -> Any:
    from assistant.records import Records

    records = Records(settings_from_env())
    if upgrade:
        records.upgrade()
    return records


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


# -- db -------------------------------------------------------------------------------------


@db_app.command("upgrade")
def db_upgrade(as_json: JsonOption = False) -> None:
    """Create the database or migrate it to the newest schema (safe to run any time).

    Also imports the data directory's rotation.json once (renamed rotation.json.migrated).
    """
    with handle_errors(as_json):
        from assistant.records.migrate import current_revision

        records = _records(upgrade=False)
        before = current_revision(records.db)
        records.upgrade()
        after = current_revision(records.db)
        url = _safe_url(records.db.url)
        records.dispose()
        if as_json:
            emit_json({"database": url, "from": before, "to": after})
            return
        if before == after:
            out.print(f"{url} is up to date (revision {after}).", highlight=False)
        else:
            out.print(f"{url}: {before or '(empty)'} -> {after}.", highlight=False)


@db_app.command("status")
def db_status(as_json: JsonOption = False) -> None:
    """Show the database URL (password hidden) and whether its schema is current."""
    with handle_errors(as_json):
        from assistant.records.migrate import current_revision, head_revision

        records = _records(upgrade=False)
        current, head = current_revision(records.db), head_revision()
        url = _safe_url(records.db.url)
        records.dispose()
        if as_json:
            emit_json({"database": url, "revision": current, "head": head})
            return
        state = "up to date" if current == head else "needs `comentor db upgrade`"
        out.print(f"{url}: revision {current or '(empty)'}, {state}.", highlight=False)


# -- users ----------------------------------------------------------------------------------


@users_app.command("add")
def users_add(
    name: Annotated[str, typer.Argument(help="A unique user name (e.g. their login).")],
    role: Annotated[
        str,
        typer.Option(
            "--role",
            "-r",
            help="mentee | mentor (members of relationships), staff (one program's summaries "
            "and health, never raw notes) or admin (everything).",
            show_default=False,
        ),
    ],
    participant: Annotated[
        str | None,
        typer.Option(
            "--participant",
            help="Participant id in the program (required for mentee and mentor).",
            show_default=False,
        ),
    ] = None,
    program: Annotated[
        str | None,
        typer.Option(
            "--program",
            help="Program id (required for staff; for mentees/mentors when the participant "
            "is in several programs).",
            show_default=False,
        ),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Add a user and print their bearer token. It is shown once and stored only hashed."""
    with handle_errors(as_json):
        records = _records()
        user, token = records.add_user(name, role, participant_id=participant, program_id=program)
        records.dispose()
        if as_json:
            emit_json({"user": user.model_dump(mode="json"), "token": token})
            return
        where = ", ".join(
            x
            for x in (
                f"program {user.program_id}" if user.program_id else "",
                f"participant {user.participant_id}" if user.participant_id else "",
            )
            if x
        )
        out.print(
            f"Added {user.role.value} {user.name!r}" + (f" ({where})" if where else "") + ".",
            highlight=False,
        )
        out.print(f"Token (shown once; keep it secret): {token}", highlight=False)
        out.print("Use it as `Authorization: Bearer <token>`.", highlight=False)


@users_app.command("list")
def users_list(as_json: JsonOption = False) -> None:
    """List users (never their tokens)."""
    with handle_errors(as_json):
        records = _records()
        users = records.list_users()
        records.dispose()
        if as_json:
            emit_json([u.model_dump(mode="json") for u in users])
            return
        if not users:
            out.print("No users yet. Add one: comentor users add NAME --role admin")
            return
        for u in users:
            scope = " ".join(x for x in (u.program_id or "", u.participant_id or "") if x) or "-"
            state = "revoked" if u.revoked else "active"
            out.print(f"{u.name:<24} {u.role.value:<7} {scope:<32} {state}", highlight=False)


@users_app.command("revoke")
def users_revoke(
    name: Annotated[str, typer.Argument(help="The user to revoke.")],
    as_json: JsonOption = False,
) -> None:
    """Revoke a user: their tokens stop working at once; their history stays."""
    with handle_errors(as_json):
        records = _records()
        user = records.revoke_user(name)
        records.dispose()
        if as_json:
            emit_json(user.model_dump(mode="json"))
            return
        out.print(f"Revoked {user.name!r}; their token no longer works.", highlight=False)


# -- programs -------------------------------------------------------------------------------


@programs_app.command("import")
def programs_import(
    file: Annotated[
        Path, typer.Argument(help="Program file (YAML or JSON); see docs/program-format.md.")
    ],
    program_id: Annotated[
        str, typer.Option("--id", help="The program's id in the service.", show_default=False)
    ],
    as_json: JsonOption = False,
) -> None:
    """Create or replace a stored program from a file, validated as every command does."""
    with handle_errors(as_json):
        from assistant.program import load_program
        from assistant.records.programs import check_program_id

        check_program_id(program_id)
        program = load_program(file)  # invalid files stop here; nothing is stored
        records = _records()
        created = records.put_program(program_id, program)
        records.dispose()
        summary = {
            "id": program_id,
            "name": program.name,
            "created": created,
            "participants": len(program.participants),
            "relationships": len(program.relationships),
        }
        if as_json:
            emit_json(summary)
            return
        verb = "Created" if created else "Replaced"
        out.print(
            f"{verb} program {program_id!r} ({program.name}): {len(program.participants)} "
            f"participants, {len(program.relationships)} relationships.",
            highlight=False,
        )


@programs_app.command("list")
def programs_list(as_json: JsonOption = False) -> None:
    """List the stored programs."""
    with handle_errors(as_json):
        records = _records()
        programs = records.list_programs()
        records.dispose()
        if as_json:
            emit_json([p.model_dump(mode="json") for p in programs])
            return
        if not programs:
            out.print("No programs yet. Import one: comentor programs import FILE --id ID")
            return
        for p in programs:
            out.print(
                f"{p.id:<20} {p.name:<36} {p.participants} participants, "
                f"{p.relationships} relationships",
                highlight=False,
            )
