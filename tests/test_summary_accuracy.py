"""The summarizer against every labelled check-in in evals/checkins.

Asserts what the summarizer must get right (action-item recall and owners, no owner, learner
or teacher who is not a member, no private term in any field) and prints the rest (precision,
due-date accuracy, learned recall, flag exact-match rate), per notes style and overall.
Run with ``-s`` to see the numbers.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from assistant.models import CheckinSummary, PreviousCheckin
from assistant.program import Program, load_program
from assistant.summary import summarize_checkin
from evals.matching import (
    ActionScores,
    LearnedScores,
    pair,
    score_actions,
    score_learned,
    similarity,
)

EVALS = Path(__file__).resolve().parents[1] / "evals"
CASES = sorted((EVALS / "checkins").glob("*.yaml"))


@dataclass
class Result:
    case: dict[str, Any]
    program: Program
    members: list[str]
    summary: CheckinSummary


@pytest.fixture(scope="module")
def results() -> list[Result]:
    programs: dict[str, Program] = {}
    out = []
    for path in CASES:
        case = yaml.safe_load(path.read_text(encoding="utf-8"))
        program = programs.setdefault(
            case["program"], load_program(EVALS / "programs" / case["program"])
        )
        relationship = program.relationship(case["pair"])
        before = case.get("previous")
        previous = PreviousCheckin.model_validate(before) if before else None
        summary = summarize_checkin(
            case["notes"],
            program=program,
            relationship=relationship,
            date=case["date"],
            previous=previous,
        )
        out.append(Result(case, program, list(relationship.participants), summary))
    return out


def test_every_case_is_scored(results: list[Result]) -> None:
    assert len(results) == len(CASES) >= 30


def test_action_items_owners_learned_and_flags(results: list[Result]) -> None:
    by_style: dict[str, tuple[ActionScores, LearnedScores, list[bool]]] = defaultdict(
        lambda: (ActionScores(), LearnedScores(), [])
    )
    total, learned, flags = ActionScores(), LearnedScores(), []
    for r in results:
        expected = r.case["expected"]
        names = [p.name for p in r.program.participants if p.id in r.members]
        actions = score_actions(
            r.summary.action_items,
            expected["action_items"],
            r.members,
            notes=r.case["notes"],
            names=names,
            label=r.case["id"][:6],
        )
        lessons = score_learned(r.summary.learned, expected["learned"], r.members)
        exact = r.summary.flag_codes() == set(expected["flags"])
        for scores, les, fl in (by_style[r.case["style"]], (total, learned, flags)):
            scores.add(actions)
            les.add(lessons)
            fl.append(exact)
        if not exact:
            got, want = sorted(r.summary.flag_codes()), sorted(expected["flags"])
            print(f"  flags {r.case['id'][:6]}: got {got}, expected {want}")

    print(f"\ncheck-in summaries over {len(results)} cases:")
    for style, (scores, les, fl) in [*sorted(by_style.items()), ("ALL", (total, learned, flags))]:
        print(
            f"  {style:<10} actions P={scores.precision:.3f} R={scores.recall:.3f} "
            f"owner={scores.owner_accuracy:.3f} due={scores.due_accuracy:.3f} | "
            f"learned R={les.recall:.3f} P={les.precision:.3f} | "
            f"flags exact {sum(fl)}/{len(fl)} = {sum(fl) / len(fl):.3f}"
        )
    for miss in total.misses:
        print(f"  missed {miss}")
    for wrong in total.wrong_owner:
        print(f"  owner  {wrong}")

    assert total.recall >= 0.9
    assert total.owner_accuracy >= 0.9
    assert total.non_participant_owners == 0
    assert learned.non_participants == 0
    assert total.invented_names == 0


def test_no_private_term_in_any_summary(results: list[Result]) -> None:
    for r in results:
        text = r.summary.model_dump_json().casefold()
        for term in r.case["expected"]["redacted_terms"]:
            assert term.casefold() not in text, f"{r.case['id']} leaks {term!r}"


def test_talk_share_for_transcripts_only(results: list[Result]) -> None:
    for r in results:
        if r.case["style"] == "transcript":
            assert set(r.summary.talk_share) <= set(r.members)
            assert sum(r.summary.talk_share.values()) == pytest.approx(1.0, abs=1e-3)
        else:
            assert r.summary.talk_share == {}


def test_matching_sanity() -> None:
    assert similarity("send Hana the scorecard file", "send Hana the carrier scorecard file") > 0.8
    assert similarity("build the prompt template", "buidl the prompt temlpate") > 0.8  # typos
    assert similarity("book the seminar room", "rewrite the introduction") == 0.0
    pairs = pair(["b task two", "a task one"], ["task one a", "task two b"], threshold=0.5)
    assert sorted((i, j) for i, j, _ in pairs) == [(0, 1), (1, 0)]
    scores = score_actions(
        [{"owner": "leo", "task": "build the template", "due": "2026-03-13"}],
        [
            {"owner": "leo", "task": "build a reusable template", "due": "2026-03-13"},
            {"owner": "amara", "task": "run the March report", "due": None},
        ],
        ["leo", "amara"],
    )
    assert (scores.precision, scores.recall) == (1.0, 0.5)
    assert (scores.owner_accuracy, scores.due_accuracy) == (1.0, 1.0)
