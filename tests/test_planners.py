"""Agendas, reciprocal questions and reverse-mentoring topics on the eval programs: every
invariant the planners promise, checked on every relationship."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from assistant.config import Settings
from assistant.errors import InputError, ProgramError
from assistant.knowledge.retrieval import HybridRetriever
from assistant.models import TEACHING_KINDS, ActionItem, ItemKind, Learned, PreviousCheckin
from assistant.planners.agenda import allocate
from assistant.planners.common import goal_phrase
from assistant.program import Program, load_program, parse_program
from assistant.service import Comentor
from assistant.validation import check_agenda, check_questions, check_topics
from tests.conftest import EVALS, make_settings

PROGRAMS = {p.stem: load_program(p) for p in sorted((EVALS / "programs").glob("*.yaml"))}
ALL_RELATIONSHIPS = [
    (name, rel.id) for name, program in PROGRAMS.items() for rel in program.relationships
]
PAIRS = [(n, r) for n, r in ALL_RELATIONSHIPS if len(PROGRAMS[n].relationship(r).participants) == 2]
NORTHWIND = PROGRAMS["northwind"]


@pytest.fixture
def service(
    knowledge_retriever: HybridRetriever, knowledge_settings: Settings, tmp_path: Path
) -> Comentor:
    # Shared index, private data dir (the rotation ledger lives there).
    settings = knowledge_settings.model_copy(update={"data_dir": tmp_path / "data"})
    return Comentor(settings, retriever=knowledge_retriever)


def minutes_for(program: str, rel_id: str) -> list[int]:
    mode = PROGRAMS[program].relationship(rel_id).mode.value
    return [15, 22, 30] if mode == "flash" else [10, 25, 45, 90, 240]


# -- agendas --------------------------------------------------------------------------------


def test_allocate_sums_exactly_and_gives_everyone_a_minute() -> None:
    assert allocate(45, [1, 1.5, 3.5, 1.6, 1.4, 1.2, 0.9]) == [4, 6, 15, 7, 6, 5, 2] or (
        sum(allocate(45, [1, 1.5, 3.5, 1.6, 1.4, 1.2, 0.9])) == 45
    )
    for total in (7, 10, 13, 240):
        parts = allocate(total, [0.1, 5, 1, 1, 2, 0.5, 3])
        assert sum(parts) == total and min(parts) >= 1
    with pytest.raises(InputError):
        allocate(3, [1, 1, 1, 1])


@pytest.mark.parametrize(("program", "rel_id"), ALL_RELATIONSHIPS)
def test_agenda_invariants_on_every_relationship(
    service: Comentor, program: str, rel_id: str
) -> None:
    prog = PROGRAMS[program]
    rel = prog.relationship(rel_id)
    for minutes in minutes_for(program, rel_id):
        agenda = service.agenda(prog, rel_id, minutes=minutes, record_rotation=False)
        ctx = service.context(prog, rel_id)
        assert check_agenda(agenda, ctx) == []
        assert sum(i.minutes for i in agenda.items) == minutes == agenda.total_minutes
        kinds = [i.kind for i in agenda.items]
        for needed in (
            ItemKind.RECIPROCAL_QUESTIONS,
            ItemKind.ACTION_PLANNING,
            ItemKind.RELATIONSHIP_CHECK,
        ):
            assert needed in kinds
        if rel.mode.value != "flash":
            assert ItemKind.GOAL_REVIEW in kinds
        teachers = {p for i in agenda.items if i.kind in TEACHING_KINDS for p in i.led_by}
        if agenda.rotation is None:
            assert teachers == set(rel.participants)
        else:
            assert teachers == set(agenda.rotation.teaching_now)
            assert set(agenda.rotation.teaching_now) | set(agenda.rotation.waiting) == set(
                rel.participants
            )
        cited = {c.id for c in agenda.citations}
        for item in agenda.items:
            assert item.citations and set(item.citations) <= cited
        assert {c.id for c in service.retriever.get(list(cited))} == cited


def test_agenda_is_deterministic(service: Comentor) -> None:
    first = service.agenda(
        NORTHWIND, "amara-leo-reverse", minutes=50, focus="board prep", record_rotation=False
    )
    second = service.agenda(
        NORTHWIND, "amara-leo-reverse", minutes=50, focus="board prep", record_rotation=False
    )
    assert first == second


def test_reverse_junior_leads_the_main_teaching_block(service: Comentor) -> None:
    agenda = service.agenda(NORTHWIND, "amara-leo-reverse", minutes=45)
    teaching = [i for i in agenda.items if i.kind in TEACHING_KINDS]
    main = max(teaching, key=lambda i: i.minutes)
    assert main.led_by == ["leo"] and main.learners == ["amara"]
    assert teaching[0] is main
    assert "prompt engineering" in main.notes  # Leo's skill that serves Amara's ChatGPT goal
    assert any("amara" in i.led_by for i in teaching)


def test_traditional_mentee_still_teaches(service: Comentor) -> None:
    agenda = service.agenda(NORTHWIND, "diane-kwame-traditional", minutes=45)
    teaching = [i for i in agenda.items if i.kind in TEACHING_KINDS]
    assert max(teaching, key=lambda i: i.minutes).led_by == ["diane"]
    assert any(i.led_by == ["kwame"] for i in teaching)


def test_flash_is_one_focused_question_in_15_to_30_minutes(service: Comentor) -> None:
    agenda = service.agenda(
        NORTHWIND,
        "renee-sam-flash",
        minutes=20,
        focus="how do I handle a tough conversation with a new hire?",
    )
    focused = [i for i in agenda.items if i.kind == ItemKind.FOCUSED_QUESTION]
    assert len(focused) == 1 and focused[0].led_by == ["renee"]
    assert focused[0].minutes == max(i.minutes for i in agenda.items)
    assert "tough conversation" in agenda.items[0].notes
    for minutes in (14, 31, 45):
        with pytest.raises(InputError, match="15-30 minutes"):
            service.agenda(NORTHWIND, "renee-sam-flash", minutes=minutes)


def test_circle_goes_round_robin(service: Comentor) -> None:
    rel = NORTHWIND.relationship("northwind-new-managers-circle")
    agenda = service.agenda(NORTHWIND, rel.id, minutes=60)
    turns = [i for i in agenda.items if i.kind == ItemKind.ROUND_ROBIN]
    assert len(turns) == len(rel.participants)
    assert [t.led_by[0] for t in turns] == rel.participants
    assert all("Round-robin turn" in t.title for t in turns)
    assert len({t.minutes for t in turns}) <= 2  # equal turns, give or take a minute


def test_large_group_rotation_is_recorded_and_advances(service: Comentor) -> None:
    program = PROGRAMS["fernwood"]
    rel = program.relationship("fernwood-newcomer-group")
    first = service.agenda(program, rel.id, minutes=30)
    assert first.rotation is not None
    now = first.rotation.teaching_now
    assert 1 <= len(now) < len(rel.participants)
    assert service.rotation.history(rel.id) == [now]  # in the records database
    second = service.agenda(program, rel.id, minutes=30)
    assert second.rotation is not None
    assert set(second.rotation.teaching_now).isdisjoint(now)
    assert (
        second.rotation.teaching_now == first.rotation.waiting[: len(second.rotation.teaching_now)]
    )
    # Over enough sessions, everyone teaches.
    taught = set(now) | set(second.rotation.teaching_now)
    for _ in range(len(rel.participants)):
        nxt = service.agenda(program, rel.id, minutes=30)
        assert nxt.rotation is not None
        taught |= set(nxt.rotation.teaching_now)
    assert taught == set(rel.participants)


def test_preview_does_not_record_rotation(service: Comentor) -> None:
    program = PROGRAMS["fernwood"]
    a = service.agenda(program, "fernwood-newcomer-group", minutes=30, record_rotation=False)
    b = service.agenda(program, "fernwood-newcomer-group", minutes=30, record_rotation=False)
    assert a == b
    assert service.rotation.history("fernwood-newcomer-group") == []
    assert not (service.settings.data_dir / "comentor.db").exists()


def test_previous_teachers_go_last_in_a_rotation(service: Comentor) -> None:
    program = PROGRAMS["fernwood"]
    rel = program.relationship("fernwood-newcomer-group")
    previous = PreviousCheckin(
        learned=[Learned(learner=None, teacher=p, what="x") for p in rel.participants[:3]]
    )
    agenda = service.agenda(program, rel.id, minutes=30, previous=previous, record_rotation=False)
    assert agenda.rotation is not None
    assert set(agenda.rotation.teaching_now).isdisjoint(rel.participants[:3])


def test_goal_review_uses_open_items_of_the_previous_checkin(service: Comentor) -> None:
    previous = PreviousCheckin(
        date=dt.date(2026, 3, 12),
        action_items=[
            ActionItem(
                owner="leo", task="build a reusable prompt template", due=dt.date(2026, 3, 13)
            ),
            ActionItem(owner="amara", task="book the April review slot", due=None),
            ActionItem(owner=None, task="both read the AI policy draft", due=None),
        ],
    )
    agenda = service.agenda(NORTHWIND, "amara-leo-reverse", minutes=45, previous=previous)
    review = next(i for i in agenda.items if i.kind == ItemKind.GOAL_REVIEW)
    for text in (
        "build a reusable prompt template",
        "2026-03-13",
        "book the April review slot",
        "2026-03-12",
        "both read the AI policy draft",
    ):
        assert text in review.notes
    assert set(review.led_by) == {"leo", "amara"}


def test_focus_steers_the_teaching_topic(service: Comentor) -> None:
    plain = service.agenda(NORTHWIND, "marcus-hana-comentoring", minutes=45)
    focused = service.agenda(
        NORTHWIND,
        "marcus-hana-comentoring",
        minutes=45,
        focus="statistics for the quarterly planning deck",
    )
    assert plain.focus is None and focused.focus == "statistics for the quarterly planning deck"
    first_teaching = next(i for i in focused.items if i.kind in TEACHING_KINDS)
    assert "basic statistics" in first_teaching.notes


@pytest.mark.parametrize("minutes", [9, 0, -5, 241, 1000])
def test_minutes_out_of_range(service: Comentor, minutes: int) -> None:
    with pytest.raises(InputError, match="between 10 and 240"):
        service.agenda(NORTHWIND, "amara-leo-reverse", minutes=minutes)


def test_unknown_pair_names_the_problem(service: Comentor) -> None:
    with pytest.raises(ProgramError, match="no relationship with id 'nope'") as info:
        service.agenda(NORTHWIND, "nope")
    assert "amara-leo-reverse" in str(info.value)  # lists the known ids


# -- reciprocal questions ------------------------------------------------------------------


@pytest.mark.parametrize(("program", "rel_id"), ALL_RELATIONSHIPS)
def test_question_invariants_on_every_relationship(
    service: Comentor, program: str, rel_id: str
) -> None:
    prog = PROGRAMS[program]
    rel = prog.relationship(rel_id)
    result = service.questions(prog, rel_id)
    ctx = service.context(prog, rel_id)
    assert check_questions(result, ctx) == []
    need = 2 if len(rel.participants) == 2 else 1
    for pid in rel.participants:
        assert sum(q.answerer == pid for q in result.questions) >= need
    texts = [q.text for q in result.questions]
    assert len(set(texts)) == len(texts)
    for q in result.questions:
        assert q.asker != q.answerer and {q.asker, q.answerer} <= set(rel.participants)
        assert "{" not in q.text and "  " not in q.text
        assert q.text[0].isupper() and q.text.endswith("?")
        answerer = prog.participant(q.answerer)
        if not q.fallback:
            assert q.topic in answerer.skills
        if q.goal is not None:
            assert q.goal in prog.participant(q.asker).learning_goals
        assert q.citations


def test_topics_match_skills_to_goals_by_meaning(service: Comentor) -> None:
    result = service.questions(NORTHWIND, "amara-leo-reverse")
    # Amara wants to "figure out how to use ChatGPT for reports"; Leo lists
    # "prompt engineering" -- no shared words, matched by meaning.
    leo_answers = [q for q in result.questions if q.answerer == "leo"]
    assert any(
        q.topic == "prompt engineering" and q.goal == "figure out how to use ChatGPT for reports"
        for q in leo_answers
    )
    amara_answers = [q for q in result.questions if q.answerer == "amara"]
    assert any(q.topic == "budget negotiation" and q.goal == "negotiation" for q in amara_answers)


def test_profile_without_skills_falls_back_and_says_so(service: Comentor) -> None:
    sam = NORTHWIND.participant("sam")
    assert sam.skills == []
    result = service.questions(NORTHWIND, "leo-sam-nearpeer")
    sams = [q for q in result.questions if q.answerer == "sam"]
    assert len(sams) >= 2 and all(q.fallback for q in sams)
    # Sam is the junior of the pair: the guidance says juniors bring digital tools and
    # fresh perspectives, and the result says that is where the topic comes from.
    assert {q.topic for q in sams} <= {"digital tools and workflows", "customers and markets"}
    assert any("Sam listed no skills" in note for note in result.notes)
    assert all(
        any("reciprocal-learning.md#what-junior" in c or "younger" in c for c in q.citations)
        for q in sams
    )


def test_questions_are_deterministic_and_per_person_is_respected(service: Comentor) -> None:
    a = service.questions(NORTHWIND, "marcus-hana-comentoring", per_person=4)
    b = service.questions(NORTHWIND, "marcus-hana-comentoring", per_person=4)
    assert a == b
    assert sum(q.answerer == "hana" for q in a.questions) == 4
    one = service.questions(NORTHWIND, "marcus-hana-comentoring", per_person=1)
    assert all(sum(q.answerer == p for q in one.questions) >= 2 for p in ("hana", "marcus"))
    with pytest.raises(InputError):
        service.questions(NORTHWIND, "marcus-hana-comentoring", per_person=0)


@pytest.mark.parametrize(
    ("goal", "phrase"),
    [
        ("learn SQL", "SQL"),
        ("get better at public speaking", "public speaking"),
        ("understand how budgets get approved", "how budgets get approved"),
        ("figure out how to use ChatGPT for reports", "how to use ChatGPT for reports"),
        ("Figma", "Figma"),
        ("leading a team for the first time", "leading a team for the first time"),
        ("I want to improve my negotiation skills.", "negotiation skills"),
    ],
)
def test_goal_phrases_fit_question_slots(goal: str, phrase: str) -> None:
    assert goal_phrase(goal) == phrase


# -- reverse-mentoring topics -----------------------------------------------------------------


@pytest.mark.parametrize(("program", "rel_id"), PAIRS)
def test_topic_invariants_on_every_pair(service: Comentor, program: str, rel_id: str) -> None:
    prog = PROGRAMS[program]
    result = service.topics(prog, rel_id)
    ctx = service.context(prog, rel_id)
    assert check_topics(result, ctx) == []
    assert 1 <= len(result.topics) <= 5
    scores = [t.score for t in result.topics]
    assert scores == sorted(scores, reverse=True)
    for topic in result.topics:
        assert topic.taught_by == result.mentee and topic.learner == result.mentor
        assert topic.starter_questions and topic.citations
    ids = {p.id for p in result.pitfalls}
    assert {"senior-resistance", "power-dynamics"} <= ids


def test_reverse_topics_link_mentee_skill_and_mentor_goal(service: Comentor) -> None:
    result = service.topics(NORTHWIND, "amara-leo-reverse")
    assert (result.mentor, result.mentee) == ("amara", "leo")
    top = result.topics[0]
    assert "generative AI" in top.topic
    assert top.skill == "prompt engineering"
    assert top.goal == "figure out how to use ChatGPT for reports"
    assert "prompt engineering" in top.why and "ChatGPT" in top.why


def test_topics_when_the_mentor_lists_no_goals(service: Comentor) -> None:
    gerald = NORTHWIND.participant("gerald")
    assert gerald.learning_goals == []
    result = service.topics(NORTHWIND, "gerald-destiny-reverse")
    assert result.mentor == "gerald" and result.mentee == "destiny"
    assert any("no learning goals" in n and "Destiny's skills" in n for n in result.notes)
    top = result.topics[0]
    assert top.skill in NORTHWIND.participant("destiny").skills
    assert top.goal is None


def test_topics_for_a_group_is_a_clear_error(service: Comentor) -> None:
    with pytest.raises(InputError, match="planned for a pair"):
        service.topics(NORTHWIND, "northwind-emerging-leaders")


# -- program and input errors ---------------------------------------------------------------


def _program(**rel: object) -> dict[str, object]:
    return {
        "participants": [
            {"id": "a", "name": "Ana Silva", "skills": ["SQL"], "learning_goals": ["Figma"]},
            {"id": "b", "name": "Ben Ode", "skills": ["Figma"], "learning_goals": ["SQL"]},
        ],
        "relationships": [{"id": "r", "mode": "peer", "participants": ["a", "b"], **rel}],
    }


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"participants": ["a", "zed"]}, r"names participant\(s\) not in the program: \['zed'\]"),
        ({"participants": ["a"]}, "has 1 participant"),
        ({"mode": "speed-dating"}, "unknown mode 'speed-dating'"),
        ({"participants": ["a", "a"]}, "lists a participant twice"),
    ],
)
def test_bad_relationships_are_named(change: dict[str, object], message: str) -> None:
    with pytest.raises(ProgramError, match=message):
        parse_program(_program(**change))


def test_mode_aliases_are_accepted() -> None:
    program: Program = parse_program(_program(mode="Co-Mentoring"))
    assert program.relationships[0].mode.value == "co-mentoring"


def test_program_file_errors(tmp_path: Path) -> None:
    with pytest.raises(ProgramError, match="not found"):
        load_program(tmp_path / "missing.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("participants: [unclosed")
    with pytest.raises(ProgramError, match="not valid"):
        load_program(bad)
    typo = tmp_path / "typo.yaml"
    typo.write_text("participants:\n  - {id: a, name: A, skils: [x]}\n")
    with pytest.raises(ProgramError, match="skils"):
        load_program(typo)


def test_empty_index_is_reported(tmp_path: Path, embedder: object) -> None:
    from assistant.errors import EmptyIndexError
    from assistant.knowledge.retrieval import build_retriever
    from assistant.knowledge.store import build_store

    settings = make_settings(tmp_path / "empty")
    retriever = build_retriever(settings, build_store(settings, embedder))  # type: ignore[arg-type]
    with pytest.raises(EmptyIndexError):
        Comentor(settings, retriever=retriever).agenda(NORTHWIND, "amara-leo-reverse")
