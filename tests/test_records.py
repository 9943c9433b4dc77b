"""The records repository on SQLite and on a real PostgreSQL server: migrations, users and
tokens, programs, check-ins, summaries, the ledger, staff views and rotations.

Every test taking ``records`` runs twice, once per backend (see tests/pg.py)."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest
import yaml
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, select, text

from assistant.config import Settings
from assistant.errors import (
    AuthError,
    ConflictError,
    InputError,
    NotFoundError,
    StoreError,
)
from assistant.models import (
    ActionItem,
    CheckinSummary,
    Flag,
    FlagCode,
    Learned,
)
from assistant.program import Program, parse_program
from assistant.records import Records, Role
from assistant.records.migrate import current_revision, head_revision
from assistant.records.orm import Base, TokenRow
from assistant.records.rotation import ProgramRotation
from tests.conftest import make_settings

REPO = Path(__file__).resolve().parents[1]
D = dt.date


def example_document() -> dict[str, object]:
    return yaml.safe_load((REPO / "examples" / "program.yaml").read_text(encoding="utf-8"))


def example_program() -> Program:
    return parse_program(example_document())


def small_program(*relationships: tuple[str, list[str]]) -> Program:
    people = sorted({p for _, members in relationships for p in members})
    return parse_program(
        {
            "name": "Small",
            "participants": [{"id": p, "name": p.title()} for p in people],
            "relationships": [
                {"id": rid, "mode": "peer" if len(m) == 2 else "group", "participants": m}
                for rid, m in relationships
            ],
        }
    )


@pytest.fixture
def records(database_url: str, tmp_path: Path) -> Iterator[Records]:
    settings = make_settings(tmp_path / "data", database_url=database_url)
    rec = Records(settings)
    rec.upgrade()
    yield rec
    rec.dispose()


def summary(
    rel: str,
    date: dt.date,
    *,
    learned: Sequence[tuple[str, str | None, str]] = (),
    actions: Sequence[tuple[str | None, str]] = (),
    flags: Sequence[FlagCode] = (),
) -> CheckinSummary:
    return CheckinSummary(
        relationship_id=rel,
        date=date,
        overview="They met.",
        learned=[Learned(teacher=t, learner=lr, what=w) for t, lr, w in learned],
        action_items=[ActionItem(owner=o, task=task) for o, task in actions],
        flags=[Flag(code=f, detail="d") for f in flags],
    )


# -- migrations -------------------------------------------------------------------------------


def test_upgrade_creates_the_schema_at_head_and_is_idempotent(records: Records) -> None:
    assert current_revision(records.db) == head_revision()
    records.upgrade()  # a second run changes nothing and does not fail
    assert current_revision(records.db) == head_revision()
    tables = set(inspect(records.db.engine).get_table_names())
    assert set(Base.metadata.tables) <= tables
    records.ping()


def test_migrations_match_the_orm(records: Records) -> None:
    """The Alembic schema and the ORM classes describe the same tables and columns."""
    with records.db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []


def test_downgrade_to_base_and_up_again(records: Records) -> None:
    from alembic import command

    from assistant.records.migrate import alembic_config

    records.add_user("root", Role.ADMIN)
    with records.db.engine.connect() as connection:
        command.downgrade(alembic_config(connection), "base")
        connection.commit()
    assert "users" not in inspect(records.db.engine).get_table_names()
    records.upgrade()
    assert records.list_users() == []


def test_concurrent_upgrades_from_several_workers(database_url: str, tmp_path: Path) -> None:
    settings = make_settings(tmp_path / "d", database_url=database_url)
    errors: list[BaseException] = []
    workers = [Records(settings) for _ in range(4)]

    def run(rec: Records) -> None:
        try:
            rec.upgrade()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(w,)) for w in workers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert current_revision(workers[0].db) == head_revision()
    for w in workers:
        w.dispose()


def test_sqlite_runs_in_wal_mode(tmp_path: Path) -> None:
    rec = Records(make_settings(tmp_path))
    rec.upgrade()
    assert (tmp_path / "comentor.db").exists()
    with rec.db.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    rec.dispose()


def test_unreachable_or_unmigrated_database_is_reported(tmp_path: Path) -> None:
    rec = Records(make_settings(tmp_path))
    with pytest.raises(StoreError) as outdated:
        rec.ping()
    assert outdated.value.code == "database_outdated"
    rec.dispose()
    url = "postgresql+psycopg://nobody@127.0.0.1:1/none"
    gone = Records(make_settings(tmp_path, database_url=url))
    with pytest.raises(StoreError) as down:
        gone.ping()
    assert down.value.code == "database_unavailable"
    with_password = make_settings(
        tmp_path, database_url="postgresql+psycopg://nobody:secret@127.0.0.1:1/none"
    )
    with pytest.raises(StoreError) as cannot:
        Records(with_password).upgrade()
    assert cannot.value.code == "database_unavailable"
    assert "secret" not in str(cannot.value) and "127.0.0.1" in str(cannot.value)


def test_database_url_setting() -> None:
    s = make_settings(Path("/x"), database_url="postgres://u@h/db")
    assert s.database_url_resolved == "postgresql+psycopg://u@h/db"
    assert make_settings(Path("/x")).database_url_resolved == "sqlite:////x/comentor.db"
    with pytest.raises(ValueError, match="COMENTOR_DATABASE_URL"):
        Settings(_env_file=None, database_url="mysql://u@h/db")


# -- users and tokens -------------------------------------------------------------------------


def test_users_tokens_are_hashed_and_authenticate(records: Records) -> None:
    records.put_program("demo", example_program())
    _admin, admin_token = records.add_user("root", Role.ADMIN)
    mentee, token = records.add_user("amara", "mentee", participant_id="amara")
    staff, _ = records.add_user("sam", Role.STAFF, program_id="demo")
    assert token.startswith("cm_") and len(token) > 40 and token != admin_token
    assert mentee.program_id == "demo" and mentee.participant_id == "amara"
    assert records.authenticate(token) == mentee
    assert records.authenticate(admin_token).role is Role.ADMIN
    with records.db.read() as session:
        stored = [row.token_hash for row in session.scalars(select(TokenRow))]
    assert token not in stored and len(stored) == 3 and all(len(h) == 64 for h in stored)
    assert [u.name for u in records.list_users()] == ["root", "amara", "sam"]
    assert staff.program_id == "demo"

    revoked = records.revoke_user("amara")
    assert revoked.revoked
    with pytest.raises(AuthError):
        records.authenticate(token)
    with pytest.raises(AuthError):
        records.authenticate("cm_" + "x" * 43)
    with pytest.raises(AuthError):
        records.authenticate("not-a-token")
    assert records.authenticate(admin_token).name == "root"


@pytest.mark.parametrize(
    ("kwargs", "error", "code"),
    [
        ({"role": "mentee"}, InputError, "participant_required"),
        ({"role": "mentor", "participant_id": "nobody"}, NotFoundError, "unknown_participant"),
        (
            {"role": "mentee", "participant_id": "amara", "program_id": "other"},
            NotFoundError,
            "unknown_program",
        ),
        ({"role": "staff"}, InputError, "program_required"),
        ({"role": "staff", "program_id": "nope"}, NotFoundError, "unknown_program"),
        ({"role": "admin", "program_id": "demo"}, InputError, "invalid_input"),
        ({"role": "owner"}, InputError, "invalid_input"),
    ],
)
def test_add_user_rejects_bad_input_and_stores_nothing(
    records: Records, kwargs: dict[str, str], error: type[Exception], code: str
) -> None:
    records.put_program("demo", example_program())
    options = dict(kwargs)
    role = options.pop("role")
    with pytest.raises(error) as raised:
        records.add_user("someone", role, **options)
    assert getattr(raised.value, "code", None) == code
    assert records.list_users() == []


def test_duplicate_user_and_unknown_revoke(records: Records) -> None:
    records.add_user("root", Role.ADMIN)
    with pytest.raises(ConflictError) as dup:
        records.add_user("root", Role.ADMIN)
    assert dup.value.code == "duplicate_user"
    with pytest.raises(NotFoundError) as missing:
        records.revoke_user("ghost")
    assert missing.value.code == "unknown_user"


def test_participant_in_two_programs_needs_the_program(records: Records) -> None:
    records.put_program("a", example_program())
    records.put_program("b", example_program())
    with pytest.raises(InputError) as ambiguous:
        records.add_user("amara", Role.MENTEE, participant_id="amara")
    assert ambiguous.value.code == "program_required"
    user, _ = records.add_user("amara", Role.MENTEE, participant_id="amara", program_id="b")
    assert user.program_id == "b"


# -- programs ---------------------------------------------------------------------------------


def test_put_program_creates_then_replaces_and_derives_rows(records: Records) -> None:
    program = example_program()
    assert records.put_program("demo", program) is True
    views = records.relationships_of(program_id="demo")
    assert {v.id for v in views} == {r.id for r in program.relationships}
    assert records.is_member("demo", "amara-leo-reverse", "amara")
    mine = records.relationships_of(program_id="demo", participant_id="amara")
    assert all("amara" in v.participants for v in mine) and mine
    reverse = next(v for v in views if v.id == "amara-leo-reverse")
    assert reverse.shared_goals and reverse.mode == "reverse"

    smaller = small_program(("amara-leo-reverse", ["amara", "leo"]))
    assert records.put_program("demo", smaller) is False
    assert [v.id for v in records.relationships_of(program_id="demo")] == ["amara-leo-reverse"]
    assert records.program_document("demo")["name"] == "Small"
    assert [p.id for p in records.list_programs()] == ["demo"]
    with pytest.raises(NotFoundError):
        records.program_document("nope")
    with pytest.raises(InputError):
        records.put_program("bad id!", smaller)


def test_concurrent_puts_of_a_new_program(records: Records) -> None:
    program = example_program()
    created: list[bool] = []
    errors: list[BaseException] = []

    def put() -> None:
        try:
            created.append(records.put_program("race", program))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=put) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted(created) == [False, False, False, True]
    assert len(records.relationships_of(program_id="race")) == len(program.relationships)


def test_program_update_keeps_users_and_history(records: Records) -> None:
    records.put_program("demo", example_program())
    records.add_user("amara", Role.MENTEE, participant_id="amara")
    checkin = records.create_checkin("demo", "amara-leo-reverse", notes="n", date=D(2026, 3, 1))
    records.put_program("demo", small_program(("x-y", ["x", "y"])))
    assert records.get_checkin(checkin.id).notes == "n"
    assert records.get_user("amara").program_id == "demo"


# -- check-ins, summaries, ledger ---------------------------------------------------------------


def test_checkin_lifecycle_pending_failed_summarized(records: Records) -> None:
    records.put_program("demo", example_program())
    rel = "amara-leo-reverse"
    stored = records.create_checkin(
        "demo", rel, notes="Amara showed Leo prompts.", date=D(2026, 3, 2)
    )
    assert stored.status == "pending" and stored.summary is None
    failed = records.mark_checkin_failed(stored.id, "engine_error: boom")
    assert failed.status == "failed" and failed.error == "engine_error: boom"
    assert failed.notes == "Amara showed Leo prompts."
    done = records.save_summary(
        stored.id,
        summary(rel, D(2026, 3, 2), learned=[("amara", "leo", "prompts")], actions=[("leo", "x")]),
    )
    assert done.status == "summarized" and done.error is None and done.summary is not None
    # a retry replaces the summary and its ledger entries rather than adding to them
    again = records.save_summary(
        stored.id, summary(rel, D(2026, 3, 2), learned=[("leo", "amara", "budgets")])
    )
    assert again.summary is not None and again.summary.learned[0].teacher == "leo"
    entries = records.ledger_entries("demo", rel)
    assert [(e.teacher, e.learner, e.what) for e in entries] == [("leo", "amara", "budgets")]
    # a failure after a success keeps the summary and the status
    kept = records.mark_checkin_failed(stored.id, "later failure")
    assert kept.status == "summarized" and kept.summary is not None
    with pytest.raises(NotFoundError) as missing:
        records.get_checkin(99999)
    assert missing.value.code == "unknown_checkin"


def test_latest_summary_and_listing_order(records: Records) -> None:
    records.put_program("demo", example_program())
    rel = "amara-leo-reverse"
    first = records.create_checkin("demo", rel, notes="one", date=D(2026, 3, 1))
    second = records.create_checkin("demo", rel, notes="two", date=D(2026, 3, 15))
    records.save_summary(second.id, summary(rel, D(2026, 3, 15), actions=[("leo", "late")]))
    records.save_summary(first.id, summary(rel, D(2026, 3, 1), actions=[("amara", "early")]))
    latest = records.latest_summary("demo", rel)
    assert latest is not None and latest.action_items[0].task == "late"
    before = records.latest_summary("demo", rel, before=second)
    assert before is not None and before.action_items[0].task == "early"
    assert records.latest_summary("demo", rel, before=first) is None
    previous = records.previous_for(second)
    assert previous is not None and previous.action_items[0].task == "early"
    assert previous.date == D(2026, 3, 1) and records.previous_for(first) is None
    assert [c.notes for c in records.list_checkins("demo", rel)] == ["one", "two"]
    assert records.latest_summary("demo", "marcus-hana-comentoring") is None


def test_concurrent_checkin_submissions_lose_nothing(records: Records) -> None:
    records.put_program("demo", example_program())
    rel = "amara-leo-reverse"
    errors: list[BaseException] = []

    def submit(worker: int) -> None:
        try:
            for n in range(8):
                view = records.create_checkin(
                    "demo", rel, notes=f"notes {worker}-{n}", date=D(2026, 3, 1 + n)
                )
                records.save_summary(
                    view.id,
                    summary(rel, view.date, learned=[("amara", "leo", f"w{worker}n{n}")]),
                )
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=submit, args=(w,)) for w in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    stored = records.list_checkins("demo", rel)
    assert sorted(c.notes for c in stored) == sorted(
        f"notes {w}-{n}" for w in range(6) for n in range(8)
    )
    assert all(c.status == "summarized" for c in stored)
    assert len(records.ledger_entries("demo", rel)) == 48


def test_job_results_are_stored(records: Records) -> None:
    ident, created = records.add_job_result("demo", "r", "agenda", {"a": 1})
    records.add_job_result("demo", "r", "agenda", {"a": 2})
    records.add_job_result("demo", "r", "topics", {"t": 1})
    results = records.job_results("demo", "r", "agenda")
    assert [p for _, _, p in results] == [{"a": 2}, {"a": 1}]
    assert results[-1][0] == ident and created.tzinfo is not None


# -- staff views ------------------------------------------------------------------------------


def _fill(records: Records) -> None:
    records.put_program("demo", example_program())
    records.put_program("other", small_program(("x-y", ["x", "y"])))
    plan = [
        ("demo", "amara-leo-reverse", D(2026, 3, 1), [FlagCode.ONE_SIDED]),
        ("demo", "amara-leo-reverse", D(2026, 3, 1), []),
        ("demo", "marcus-hana-comentoring", D(2026, 3, 5), [FlagCode.NO_ACTION_ITEMS]),
        ("demo", "amara-leo-reverse", D(2026, 3, 9), [FlagCode.ONE_SIDED, FlagCode.STALLED]),
        ("other", "x-y", D(2026, 3, 9), [FlagCode.ONE_SIDED]),
        ("demo", "marcus-hana-comentoring", D(2026, 3, 12), []),
    ]
    for program, rel, day, flags in plan:
        view = records.create_checkin(program, rel, notes="secret notes", date=day)
        records.save_summary(view.id, summary(rel, day, flags=flags))


def test_summaries_filters_and_keyset_pages(records: Records) -> None:
    _fill(records)
    everything = records.summaries_page(limit=200)
    assert len(everything.items) == 6 and everything.next_cursor is None
    keys = [(s.date, s.id) for s in everything.items]
    assert keys == sorted(keys, reverse=True)
    assert "notes" not in everything.items[0].model_dump()
    assert "secret notes" not in everything.model_dump_json()

    demo = records.summaries_page(program_id="demo", limit=200).items
    assert len(demo) == 5 and {s.program_id for s in demo} == {"demo"}
    flagged = records.summaries_page(program_id="demo", flag="one_sided").items
    assert [s.date for s in flagged] == [D(2026, 3, 9), D(2026, 3, 1)]
    ranged = records.summaries_page(since=D(2026, 3, 5), until=D(2026, 3, 9)).items
    assert sorted(s.date.day for s in ranged) == [5, 9, 9]
    rel = records.summaries_page(relationship_id="marcus-hana-comentoring").items
    assert len(rel) == 2

    pages, cursor = [], None
    while True:
        page = records.summaries_page(program_id="demo", limit=2, cursor=cursor)
        pages.append([s.id for s in page.items])
        cursor = page.next_cursor
        if cursor is None:
            break
    assert [len(p) for p in pages] == [2, 2, 1]
    assert [i for p in pages for i in p] == [s.id for s in demo]

    with pytest.raises(InputError) as bad:
        records.summaries_page(cursor="!!not-a-cursor")
    assert bad.value.code == "invalid_cursor"
    with pytest.raises(InputError):
        records.summaries_page(limit=0)
    with pytest.raises(InputError):
        records.summaries_page(since=D(2026, 3, 9), until=D(2026, 3, 1))


def test_program_health(records: Records) -> None:
    _fill(records)
    program = example_program()
    rel = "amara-leo-reverse"
    view = records.create_checkin("demo", rel, notes="n", date=D(2026, 3, 20))
    records.save_summary(
        view.id,
        summary(
            rel,
            D(2026, 3, 20),
            learned=[("amara", "leo", "a"), ("amara", "leo", "b"), ("leo", "amara", "c")],
            actions=[("leo", "draft the report")],
        ),
    )
    records.create_checkin("demo", rel, notes="pending one", date=D(2026, 3, 21))
    health = records.program_health("demo", program, today=D(2026, 4, 30), stalled_days=21)
    by_id = {r.relationship_id: r for r in health.relationships}
    assert set(by_id) == {r.id for r in program.relationships}
    pair = by_id[rel]
    assert pair.checkins == 5 and pair.pending == 1
    assert pair.last_checkin == D(2026, 3, 21) and pair.days_since_last == 40 and pair.stalled
    assert [a.task for a in pair.open_action_items] == ["draft the report"]
    counts = {(d.teacher, d.learner): d.count for d in pair.ledger}
    assert counts == {("amara", "leo"): 2, ("leo", "amara"): 1}
    assert pair.taught_least == "leo"
    assert [f.flags for f in pair.flags_over_time] == [
        ["one_sided"],
        [],
        ["one_sided", "stalled"],
        [],
    ]
    fresh = records.program_health("demo", program, today=D(2026, 3, 25), stalled_days=21)
    assert not {r.relationship_id: r for r in fresh.relationships}[rel].stalled
    never = by_id["kwame-ines-lateral"]
    assert never.checkins == 0 and never.last_checkin is None and never.days_since_last is None


# -- rotation ---------------------------------------------------------------------------------


def test_rotation_history_record_and_scopes(records: Records) -> None:
    assert records.rotation_history("demo", "circle") == []
    records.record_rotation("demo", "circle", ["a", "b"])
    records.record_rotation("demo", "circle", ["c"])
    records.record_rotation("other", "circle", ["z"])
    assert records.rotation_history("demo", "circle") == [["a", "b"], ["c"]]
    assert records.rotation_history("other", "circle") == [["z"]]


def test_program_rotation_offers_the_file_ledgers_interface(records: Records) -> None:
    """history / record / reserve, as assistant.rotation.RotationLedger has them."""
    ledger = ProgramRotation(records, "demo")
    ledger.record("circle", ["a"])
    assert ledger.reserve("circle", lambda history: (["b"], len(history))) == 1
    assert ledger.reserve("circle", lambda history: (None, "peek")) == "peek"
    assert ledger.history("circle") == [["a"], ["b"]]
    assert ProgramRotation(records, "other").history("circle") == []


def test_concurrent_rotation_picks_never_repeat_a_teacher(records: Records) -> None:
    members = [f"m{i}" for i in range(8)]
    picked: list[list[str]] = []
    errors: list[BaseException] = []

    def choose(history: list[list[str]]) -> tuple[list[str], list[str]]:
        taught = {p for turn in history for p in turn}
        fresh = [m for m in members if m not in taught][:2]
        time.sleep(0.02)  # widen the window a non-atomic pick would lose
        return fresh, fresh

    def worker() -> None:
        try:
            picked.append(records.reserve_rotation("demo", "circle", choose))
        except BaseException as exc:
            errors.append(exc)

    worker()  # the relationship's rotation row exists before the concurrent picks start
    threads = [threading.Thread(target=worker) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    flat = [p for turn in picked for p in turn]
    assert sorted(flat) == members  # every member once: no teacher picked twice
    assert sorted(records.rotation_history("demo", "circle")) == sorted(picked)


def test_rotation_json_is_imported_once_and_renamed(database_url: str, tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    legacy = {"northwind": [["a", "b"], ["c"]], "circle-2": [["x"]]}
    (data_dir / "rotation.json").write_text(json.dumps(legacy), encoding="utf-8")
    settings = make_settings(data_dir, database_url=database_url)
    rec = Records(settings)
    rec.upgrade()
    assert not (data_dir / "rotation.json").exists()
    assert (data_dir / "rotation.json.migrated").exists()
    # imported turns come first in any program's history of that relationship id
    rec.record_rotation("demo", "northwind", ["d"])
    assert rec.rotation_history("demo", "northwind") == [["a", "b"], ["c"], ["d"]]
    assert rec.rotation_history("", "circle-2") == [["x"]]
    # a file the CLI writes later is not imported again, nor moved
    (data_dir / "rotation.json").write_text(json.dumps({"northwind": [["q"]]}), encoding="utf-8")
    rec.upgrade()
    assert (data_dir / "rotation.json").exists()
    assert rec.rotation_history("demo", "northwind") == [["a", "b"], ["c"], ["d"]]
    rec.dispose()


def test_corrupt_rotation_json_is_reported_not_replaced(tmp_path: Path) -> None:
    (tmp_path / "rotation.json").write_text("{not json", encoding="utf-8")
    rec = Records(make_settings(tmp_path))
    with pytest.raises(StoreError, match="not valid JSON"):
        rec.upgrade()
    assert (tmp_path / "rotation.json").read_text(encoding="utf-8") == "{not json"
    rec.dispose()


def test_postgres_backend_is_really_postgres(records: Records) -> None:
    """Guards the fixture: the second parametrization really talks to PostgreSQL."""
    with records.db.engine.connect() as connection:
        if records.db.sqlite:
            assert connection.execute(text("select sqlite_version()")).scalar()
        else:
            version = connection.execute(text("select version()")).scalar()
            assert str(version).startswith("PostgreSQL")


def test_sqlite_writers_of_one_process_wait_their_turn_not_the_busy_timeout(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # SQLite makes a writer that finds the file locked sleep and retry until its busy
    # timeout. Writers of one process queue on a lock instead: with SQLite's timeout at
    # 50 ms, a write that waits 300 ms for another (through a second Database on the same
    # file) succeeds. The lock's own wait is bounded as SQLite's is, with the same error.
    from assistant.records import db as dbmod

    monkeypatch.setattr(dbmod, "BUSY_TIMEOUT_MS", 50)
    url = f"sqlite:///{tmp_path / 'lock.db'}"
    first, second = dbmod.Database(url), dbmod.Database(url)
    with first.connect(write=True) as connection:
        connection.exec_driver_sql("CREATE TABLE t (n INTEGER)")

    def contend(value: int) -> list[Exception]:
        inside, failures = threading.Event(), []

        def hold() -> None:
            with first.write() as session:
                session.execute(text("INSERT INTO t VALUES (1)"))
                inside.set()
                time.sleep(0.3)

        def wait_then_write() -> None:
            inside.wait(5)
            try:
                with second.connect(write=True) as connection:
                    connection.exec_driver_sql(f"INSERT INTO t VALUES ({value})")
            except Exception as exc:  # recorded: the assertions name it
                failures.append(exc)

        threads = [threading.Thread(target=hold), threading.Thread(target=wait_then_write)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(10)
        return failures

    assert contend(2) == []
    with second.read() as session:
        assert sorted(session.scalars(text("SELECT n FROM t"))) == [1, 2]
    monkeypatch.setattr(dbmod, "LOCK_WAIT_S", 0.05)
    [failure] = contend(3)
    assert isinstance(failure, StoreError) and "locked" in failure.message
    # Re-entrant: a write opened inside another on the same thread is not a deadlock on the
    # lock (SQLite itself then says the file is busy, as it did before the lock).
    with first.write() as outer, pytest.raises(StoreError, match="locked"):
        outer.execute(text("INSERT INTO t VALUES (4)"))
        with second.write() as session:
            session.execute(text("INSERT INTO t VALUES (5)"))
    first.dispose()
    second.dispose()


_HOLD_A_WRITE = """
import sys, time
from sqlalchemy import text
from assistant.records.db import Database
db = Database(sys.argv[1])
with db.write() as session:
    session.execute(text("INSERT INTO t VALUES (1)"))
    print("holding", flush=True)
    time.sleep(float(sys.argv[2]))
db.dispose()
"""


def _other_process_writes(url: str, hold_s: float) -> subprocess.Popen[str]:
    """Another process holding a write transaction (SQLite's own lock taken) for
    ``hold_s`` seconds; returns once it holds it."""
    child = subprocess.Popen(
        [sys.executable, "-c", _HOLD_A_WRITE, url, str(hold_s)],
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).resolve().parents[1],
    )
    assert child.stdout is not None and child.stdout.readline().strip() == "holding"
    return child


def test_sqlite_writers_of_other_processes_queue_on_the_lock_file_not_the_busy_timeout(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Another process (a second service worker, the CLI) holds a write for 0.4 s. With
    # SQLite's own wait cut to 50 ms, this process's write can only succeed by waiting on
    # the lock file beside the database.
    from assistant.records import db as dbmod

    monkeypatch.setattr(dbmod, "BUSY_TIMEOUT_MS", 50)
    url = f"sqlite:///{tmp_path / 'procs.db'}"
    db = dbmod.Database(url)
    with db.connect(write=True) as connection:
        connection.exec_driver_sql("CREATE TABLE t (n INTEGER)")
    child = _other_process_writes(url, 0.4)
    try:
        started = time.monotonic()
        with db.connect(write=True) as connection:
            connection.exec_driver_sql("INSERT INTO t VALUES (2)")
        waited = time.monotonic() - started
    finally:
        assert child.wait(10) == 0
    assert waited > 0.2  # it did wait for the other process's write
    with db.read() as session:
        assert sorted(session.scalars(text("SELECT n FROM t"))) == [1, 2]
    assert (tmp_path / "procs.db.write.lock").is_file()

    # The wait is bounded as SQLite's is, with the same error, and loses nothing stored.
    monkeypatch.setattr(dbmod, "LOCK_WAIT_S", 0.1)
    child = _other_process_writes(url, 1.0)
    try:
        with pytest.raises(StoreError, match="locked"), db.connect(write=True) as connection:
            connection.exec_driver_sql("INSERT INTO t VALUES (3)")
    finally:
        assert child.wait(10) == 0
    with db.read() as session:
        assert sorted(session.scalars(text("SELECT n FROM t"))) == [1, 1, 2]
    db.dispose()


def test_sqlite_writes_still_work_where_the_lock_file_cannot_be_made(tmp_path: Path) -> None:
    # E.g. a read-only folder: writers then rely on the thread lock and SQLite's own lock.
    from assistant.records.db import WriterLock

    lock = WriterLock(tmp_path / "no-such-folder" / "x.db")
    assert lock.acquire(timeout=1)
    assert lock.acquire(timeout=1)  # re-entrant
    lock.release()
    lock.release()
    assert not (tmp_path / "no-such-folder").exists()
    # Released: another thread gets it at once.
    taken: list[bool] = []
    thread = threading.Thread(target=lambda: taken.append(lock.acquire(timeout=1)))
    thread.start()
    thread.join(5)
    assert taken == [True]


def test_a_forked_child_does_not_inherit_a_write_lock_held_in_the_parent(tmp_path: Path) -> None:
    import os
    import signal

    from assistant.records.db import Database

    db = Database(f"sqlite:///{tmp_path / 'fork.db'}")
    with db.connect(write=True) as connection:
        connection.exec_driver_sql("CREATE TABLE t (n INTEGER)")
    holding, release = threading.Event(), threading.Event()

    def hold() -> None:
        with db.write():  # the locks only: no statement, so SQLite's lock is free
            holding.set()
            release.wait(10)

    holder = threading.Thread(target=hold)
    holder.start()
    holding.wait(5)
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: write at once, as a fresh process would
        code = 1
        try:
            os.close(read_end)
            db.engine.dispose(close=False)  # the parent's pooled connections are not ours
            started = time.monotonic()
            with db.connect(write=True) as connection:
                connection.exec_driver_sql("INSERT INTO t VALUES (1)")
            os.write(write_end, f"{time.monotonic() - started:.3f}".encode())
            code = 0
        finally:
            os._exit(code)
    os.close(write_end)
    try:
        # The parent's write ends after 0.3 s. The child waits for it as any other process
        # would (it does not share the parent's hold on the lock file), and not for ever on
        # the thread lock that one of the parent's threads held when it forked.
        time.sleep(0.3)
        release.set()
        deadline = time.monotonic() + 10
        while (done := os.waitpid(pid, os.WNOHANG))[0] == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
        if done[0] == 0:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            pytest.fail("the child waited for a lock held by a thread of its parent")
        assert os.waitstatus_to_exitcode(done[1]) == 0
        assert float(os.read(read_end, 64).decode()) > 0.2
    finally:
        os.close(read_end)
        release.set()
        holder.join(5)
    with db.read() as session:
        assert list(session.scalars(text("SELECT n FROM t"))) == [1]
    db.dispose()
