"""Reading the reciprocity ledger: directions with their counts, who taught least, and the
reason an agenda gives for who teaches first (pure functions, no database)."""

from __future__ import annotations

import datetime as dt

from assistant.program import parse_program
from assistant.records.ledger import (
    directions,
    first_teacher_reason,
    least_of,
    ledger_view,
    taught_least,
)
from assistant.records.schemas import LedgerEntry

PROGRAM = parse_program(
    {
        "participants": [
            {"id": "ana", "name": "Ana Ruiz"},
            {"id": "ben", "name": "Ben Ode"},
            {"id": "cy", "name": "Cy Park"},
        ],
        "relationships": [
            {"id": "pair", "mode": "peer", "participants": ["ana", "ben"]},
            {"id": "trio", "mode": "group", "participants": ["ana", "ben", "cy"]},
        ],
    }
)
PAIR = PROGRAM.relationship("pair")
TRIO = PROGRAM.relationship("trio")


def entry(teacher: str, learner: str | None, n: int = 1) -> LedgerEntry:
    return LedgerEntry(
        date=dt.date(2026, 3, n), teacher=teacher, learner=learner, what=f"w{n}", checkin_id=n
    )


def test_directions_include_zeros_and_group_entries() -> None:
    entries = [entry("ana", "ben", 1), entry("ana", "ben", 2), entry("cy", None, 3)]
    counts = {(d.teacher, d.learner): d.count for d in directions(TRIO, entries)}
    assert counts[("ana", "ben")] == 2 and counts[("ben", "ana")] == 0
    assert counts[("cy", None)] == 1
    assert len(counts) == 3 * 2 + 1


def test_taught_least_needs_a_strict_minimum() -> None:
    assert taught_least(PAIR, []) is None
    assert taught_least(PAIR, [entry("ana", "ben"), entry("ben", "ana", 2)]) is None
    assert taught_least(PAIR, [entry("ana", "ben")]) == "ben"
    assert taught_least(TRIO, [entry("ana", "ben")]) is None  # ben and cy tie at zero
    assert taught_least(TRIO, [entry("ana", "ben"), entry("ben", "cy", 2)]) == "cy"
    assert least_of({"a": 0, "b": 0}) is None and least_of({"a": 1}) is None


def test_first_teacher_reason_names_the_counts() -> None:
    assert first_teacher_reason(PROGRAM, PAIR, {}) is None
    assert first_teacher_reason(PROGRAM, PAIR, {"ana": 2, "ben": 2}) is None
    who, why = first_teacher_reason(PROGRAM, PAIR, {"ana": 3, "outsider": 9}) or ("", "")
    assert who == "ben"
    assert why.startswith("Ben teaches first") and "Ben taught 0 time(s)" in why
    assert "Ana 3" in why and "outsider" not in why


def test_ledger_view() -> None:
    view = ledger_view("p", PROGRAM, PAIR, [entry("ana", "ben"), entry("ana", "ben", 2)])
    assert view.taught == {"ana": 2, "ben": 0} and view.taught_least == "ben"
    assert [e.what for e in view.entries] == ["w1", "w2"]
