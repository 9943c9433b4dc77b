"""The workspace: jobs as stored resources, with the real planners, the real summarizer and
the bundled guidance, on SQLite and on a real PostgreSQL server."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from assistant.errors import EngineError, InputError, NotFoundError, ProgramError
from assistant.knowledge.retrieval import HybridRetriever
from assistant.limits import MAX_NOTES_BYTES
from assistant.models import ActionItem, CheckinSummary, ItemKind, Learned
from assistant.records import Role, User
from assistant.service import Comentor
from assistant.workspace import Workspace
from tests.conftest import make_settings

REPO = Path(__file__).resolve().parents[1]
D = dt.date
PAIR = "marcus-hana-comentoring"
REVERSE = "amara-leo-reverse"
GROUP = "northwind-emerging-leaders"


def northwind() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(
        (REPO / "evals" / "programs" / "northwind.yaml").read_text(encoding="utf-8")
    )
    return data


def eval_case(name: str) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(
        (REPO / "evals" / "checkins" / f"{name}.yaml").read_text(encoding="utf-8")
    )
    return data


@pytest.fixture(scope="module")
def comentor(
    knowledge_retriever: HybridRetriever, tmp_path_factory: pytest.TempPathFactory
) -> Comentor:
    settings = make_settings(tmp_path_factory.mktemp("workspace-comentor"))
    return Comentor(settings, retriever=knowledge_retriever)


@pytest.fixture
def ws(database_url: str, tmp_path: Path, comentor: Comentor) -> Iterator[Workspace]:
    settings = make_settings(tmp_path / "data", database_url=database_url)
    workspace = Workspace(settings, comentor=comentor)
    workspace.put_program("nw", northwind())
    yield workspace
    workspace.close()


def user(ws: Workspace, name: str, role: Role, **kw: str) -> User:
    return ws.records.add_user(name, role, **kw)[0]


def seed_summary(
    ws: Workspace,
    rel: str,
    day: dt.date,
    *,
    learned: list[tuple[str, str]] = (),  # type: ignore[assignment]
    actions: list[tuple[str, str]] = (),  # type: ignore[assignment]
) -> None:
    """A stored check-in with a hand-made summary (to control the history exactly)."""
    view = ws.records.create_checkin("nw", rel, notes="seeded", date=day)
    ws.records.save_summary(
        view.id,
        CheckinSummary(
            relationship_id=rel,
            date=day,
            overview="seeded",
            learned=[Learned(teacher=t, learner=lr, what=f"{t} to {lr}") for t, lr in learned],
            action_items=[ActionItem(owner=o, task=task) for o, task in actions],
        ),
    )


# -- programs -----------------------------------------------------------------------------------


def test_put_program_validates_like_the_cli(ws: Workspace) -> None:
    program, created = ws.put_program("other", northwind())
    assert created and program.relationship(PAIR)
    assert ws.put_program("other", northwind())[1] is False
    broken = northwind()
    broken["relationships"][0]["participants"] = ["amara", "nobody"]
    broken["relationships"][0].pop("roles", None)
    with pytest.raises(ProgramError) as bad:
        ws.put_program("broken", broken)
    assert bad.value.code == "invalid_program" and "nobody" in bad.value.message
    with pytest.raises(ProgramError):
        ws.put_program("broken", ["not", "a", "mapping"])
    with pytest.raises(NotFoundError) as missing:
        ws.get_program("broken")
    assert missing.value.code == "unknown_program"
    with pytest.raises(NotFoundError) as rel:
        ws.relationship("nw", "nope")
    assert rel.value.code == "unknown_relationship"


def test_list_relationships_is_scoped_by_role(ws: Workspace) -> None:
    ws.put_program("other", northwind())
    admin = user(ws, "root", Role.ADMIN)
    staff = user(ws, "sam", Role.STAFF, program_id="nw")
    amara = user(ws, "amara", Role.MENTEE, participant_id="amara", program_id="nw")
    program = ws.get_program("nw")
    assert len(ws.list_relationships(admin)) == 2 * len(program.relationships)
    assert {r.program_id for r in ws.list_relationships(staff)} == {"nw"}
    mine = ws.list_relationships(amara)
    assert mine and all("amara" in r.participants and r.program_id == "nw" for r in mine)
    with pytest.raises(NotFoundError):
        ws.list_relationships(amara, "other")


# -- check-ins ------------------------------------------------------------------------------------


def test_checkin_is_stored_summarized_and_feeds_the_ledger(ws: Workspace) -> None:
    case = eval_case("ci-048-comentoring-messy")
    view = ws.submit_checkin("nw", PAIR, notes=case["notes"], date=D(2026, 3, 17))
    assert view.status == "summarized" and view.error is None
    assert view.notes == case["notes"] and view.summary is not None
    assert ws.get_checkin("nw", PAIR, view.id) == view
    ledger = ws.ledger("nw", PAIR)
    assert [(e.teacher, e.learner, e.what) for e in ledger.entries] == [
        (x.teacher, x.learner, x.what) for x in view.summary.learned
    ]
    assert ledger.entries and all(e.checkin_id == view.id for e in ledger.entries)
    counts = {(d.teacher, d.learner): d.count for d in ledger.directions}
    assert sum(counts.values()) == len(ledger.entries)
    assert set(counts) >= {("marcus", "hana"), ("hana", "marcus")}


@pytest.mark.parametrize(
    ("notes", "code"),
    [("   \n ", "empty_notes"), ("x" * (MAX_NOTES_BYTES + 1), "notes_too_large")],
)
def test_bad_notes_are_rejected_before_anything_is_stored(
    ws: Workspace, notes: str, code: str
) -> None:
    with pytest.raises(InputError) as bad:
        ws.submit_checkin("nw", PAIR, notes=notes, date=D(2026, 3, 1))
    assert bad.value.code == code
    assert ws.list_checkins("nw", PAIR) == []
    with pytest.raises(NotFoundError):
        ws.submit_checkin("nw", "nope", notes="fine", date=D(2026, 3, 1))


def test_failed_summary_keeps_the_notes_and_retry_works(
    ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = ws.comentor.summarize

    def broken(*args: Any, **kwargs: Any) -> CheckinSummary:
        raise EngineError("the engine is down", code="engine_error")

    monkeypatch.setattr(ws.comentor, "summarize", broken)
    failed = ws.submit_checkin("nw", PAIR, notes="Hana taught Marcus SQL joins.", date=None)
    assert failed.status == "failed" and failed.error == "engine_error: the engine is down"
    assert ws.get_checkin("nw", PAIR, failed.id).notes == "Hana taught Marcus SQL joins."

    def crash(*args: Any, **kwargs: Any) -> CheckinSummary:
        raise RuntimeError("bug")

    monkeypatch.setattr(ws.comentor, "summarize", crash)
    crashed = ws.retry_checkin("nw", PAIR, failed.id)
    assert crashed.status == "failed" and "RuntimeError: bug" in (crashed.error or "")

    monkeypatch.setattr(ws.comentor, "summarize", real)
    retried = ws.retry_checkin("nw", PAIR, failed.id)
    assert retried.status == "summarized" and retried.error is None
    assert retried.summary is not None and retried.date == dt.date.today()
    with pytest.raises(NotFoundError) as other:
        ws.retry_checkin("nw", REVERSE, failed.id)
    assert other.value.code == "unknown_checkin"


def test_interrupted_summary_leaves_the_checkin_pending(
    ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    def interrupted(*args: Any, **kwargs: Any) -> CheckinSummary:
        raise KeyboardInterrupt  # stands in for a process stopped mid-summary

    monkeypatch.setattr(ws.comentor, "summarize", interrupted)
    with pytest.raises(KeyboardInterrupt):
        ws.submit_checkin("nw", PAIR, notes="Marcus explained route overrides.", date=None)
    monkeypatch.undo()
    (stored,) = ws.list_checkins("nw", PAIR)
    assert stored.status == "pending" and stored.notes == "Marcus explained route overrides."
    assert ws.retry_checkin("nw", PAIR, stored.id).status == "summarized"


def test_concurrent_checkin_submissions(ws: Workspace) -> None:
    notes = [
        f"Check-in {n}: Hana showed Marcus how to use window functions in SQL. Marcus "
        f"explained to Hana why planners override the optimizer. Hana will send exercise {n}."
        for n in range(12)
    ]
    views: list[Any] = []
    errors: list[BaseException] = []

    def submit(chunk: list[str]) -> None:
        try:
            for text in chunk:
                views.append(ws.submit_checkin("nw", PAIR, notes=text, date=D(2026, 3, 3)))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=submit, args=(notes[i::4],)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    stored = ws.list_checkins("nw", PAIR)
    assert sorted(c.notes for c in stored) == sorted(notes)
    assert {c.id for c in stored} == {v.id for v in views}
    assert all(c.status == "summarized" for c in stored)


# -- the next agenda uses the stored history ------------------------------------------------------


def teaching_leaders(agenda: Any) -> list[str]:
    return [i.led_by[0] for i in agenda.items if i.kind == ItemKind.TEACHING]


def test_agenda_follows_up_open_action_items_and_the_ledger(ws: Workspace) -> None:
    fresh = ws.agenda("nw", PAIR, minutes=45, focus=None)
    assert "No previous check-in" in next(
        i.notes for i in fresh.agenda.items if i.kind == ItemKind.GOAL_REVIEW
    )
    default_first = teaching_leaders(fresh.agenda)[0]
    other = "hana" if default_first == "marcus" else "marcus"
    # the default first teacher taught the other three times; the other never taught
    seed_summary(
        ws,
        PAIR,
        D(2026, 3, 3),
        learned=[(default_first, other)] * 3,
        actions=[("hana", "add the override reason column")],
    )
    record = ws.agenda("nw", PAIR, minutes=45, focus=None)
    agenda = record.agenda
    review = next(i for i in agenda.items if i.kind == ItemKind.GOAL_REVIEW)
    assert "add the override reason column" in review.notes and "2026-03-03" in review.notes
    assert teaching_leaders(agenda)[0] == other
    why = [n for n in agenda.notes if "teaches first" in n]
    assert why and "0 time(s)" in why[0]
    assert sum(i.minutes for i in agenda.items) == 45
    assert ws.records.job_results("nw", PAIR, "agenda")[0][0] == record.id

    # balanced again: no preference, no note
    seed_summary(ws, PAIR, D(2026, 3, 10), learned=[(other, default_first)] * 3)
    balanced = ws.agenda("nw", PAIR, minutes=45, focus=None).agenda
    assert not [n for n in balanced.notes if "teaches first" in n]
    assert teaching_leaders(balanced)[0] == default_first


def test_reverse_pair_keeps_the_junior_on_the_main_block(ws: Workspace) -> None:
    # In this program Leo (junior) mentors Amara (executive) in reverse.
    seed_summary(ws, REVERSE, D(2026, 3, 3), learned=[("leo", "amara")] * 2)
    agenda = ws.agenda("nw", REVERSE, minutes=60, focus=None).agenda
    teaching = [i for i in agenda.items if i.kind == ItemKind.TEACHING]
    assert teaching[0].led_by == ["amara"]  # the senior taught less, so goes first
    assert max(teaching, key=lambda i: i.minutes).led_by == ["leo"]
    assert any("Amara teaches first" in n for n in agenda.notes)


def test_concurrent_group_agendas_rotate_without_repeats(ws: Workspace) -> None:
    members = ws.get_program("nw").relationship(GROUP).participants
    picked: list[list[str]] = []
    errors: list[BaseException] = []

    def plan() -> None:
        try:
            agenda = ws.agenda("nw", GROUP, minutes=20, focus=None).agenda
            assert agenda.rotation is not None
            picked.append(agenda.rotation.teaching_now)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=plan) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    flat = [p for turn in picked for p in turn]
    assert sorted(flat) == sorted(members)  # 3 sessions of 2: everyone once, nobody twice
    assert sorted(ws.records.rotation_history("nw", GROUP)) == sorted(picked)


def test_questions_and_topics_are_stored(ws: Workspace) -> None:
    questions = ws.questions("nw", PAIR)
    topics = ws.topics("nw", REVERSE)
    assert questions.questions.questions and topics.topics.topics
    assert ws.records.job_results("nw", PAIR, "questions")[0][0] == questions.id
    assert ws.records.job_results("nw", REVERSE, "topics")[0][0] == topics.id


# -- staff views ----------------------------------------------------------------------------------


def test_staff_summaries_are_scoped_and_never_carry_notes(ws: Workspace) -> None:
    ws.put_program("other", northwind())
    case = eval_case("ci-048-comentoring-messy")
    ws.submit_checkin("nw", PAIR, notes=case["notes"], date=D(2026, 3, 17))
    other_view = ws.records.create_checkin("other", PAIR, notes="other notes", date=D(2026, 3, 2))
    ws.retry_checkin("other", PAIR, other_view.id)
    staff = user(ws, "sam", Role.STAFF, program_id="nw")
    admin = user(ws, "root", Role.ADMIN)
    mentee = user(ws, "amara", Role.MENTEE, participant_id="amara", program_id="nw")

    page = ws.summaries(limit=10, user=staff)
    assert [s.program_id for s in page.items] == ["nw"]
    assert "hana's 3 sql exercises" not in page.model_dump_json()
    assert len(ws.summaries(limit=10, user=admin).items) == 2
    assert len(ws.summaries(program_id="other", limit=10, user=admin).items) == 1
    with pytest.raises(NotFoundError):
        ws.summaries(program_id="other", limit=10, user=staff)
    with pytest.raises(Exception, match="may not"):
        ws.summaries(limit=10, user=mentee)
    with pytest.raises(InputError) as flag:
        ws.summaries(flag="bogus", limit=10, user=staff)
    assert flag.value.code == "invalid_flag"
    stalled = ws.summaries(flag="stalled", limit=10, user=staff).items
    assert all("stalled" in s.flags for s in stalled)


def test_program_health_uses_the_stalled_days_setting(ws: Workspace) -> None:
    seed_summary(ws, PAIR, D(2026, 3, 3), learned=[("hana", "marcus")], actions=[("hana", "x")])
    health = ws.health("nw", today=D(2026, 3, 20))
    pair = next(r for r in health.relationships if r.relationship_id == PAIR)
    assert pair.last_checkin == D(2026, 3, 3) and not pair.stalled
    assert pair.taught_least == "marcus" and pair.open_action_items[0].task == "x"
    assert health.stalled_days == ws.settings.stalled_days == 21
    later = ws.health("nw", today=D(2026, 3, 3) + dt.timedelta(days=22))
    assert next(r for r in later.relationships if r.relationship_id == PAIR).stalled
