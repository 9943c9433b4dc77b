"""Reading the reciprocity ledger: per-direction counts and who should teach first next.

Pure functions over ledger entries, shared by the ledger view, program health and the
agenda's history input.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence

from assistant.program import Program, Relationship
from assistant.records.schemas import LedgerDirection, LedgerEntry, LedgerView


def directions(relationship: Relationship, entries: Sequence[LedgerEntry]) -> list[LedgerDirection]:
    """Every teacher → learner direction between members with its count (zeros included).

    An entry whose learner is null (the whole group learned) counts once as its own
    direction; entries naming non-members (an old program version) are counted as they are.
    """
    counts = Counter((e.teacher, e.learner) for e in entries)
    members = relationship.participants
    keys: list[tuple[str, str | None]] = [(a, b) for a in members for b in members if a != b]
    keys += sorted((k for k in counts if k not in keys), key=lambda k: (k[0], k[1] or ""))
    return [LedgerDirection(teacher=t, learner=lr, count=counts.get((t, lr), 0)) for t, lr in keys]


def taught_counts(relationship: Relationship, entries: Sequence[LedgerEntry]) -> dict[str, int]:
    return counts_by_member(relationship, Counter(e.teacher for e in entries))


def counts_by_member(relationship: Relationship, taught: Mapping[str, int]) -> dict[str, int]:
    """How often each member taught, zeros included (non-members are left out)."""
    return {pid: int(taught.get(pid, 0)) for pid in relationship.participants}


def least_of(counts: Mapping[str, int]) -> str | None:
    """The member who taught strictly less than every other; None when tied or empty."""
    if len(counts) < 2 or not any(counts.values()):
        return None
    ordered = sorted(counts.items(), key=lambda kv: kv[1])
    if ordered[0][1] == ordered[1][1]:
        return None
    return ordered[0][0]


def taught_least(relationship: Relationship, entries: Sequence[LedgerEntry]) -> str | None:
    """The member who taught least, when one did strictly less than every other; else None."""
    return least_of(taught_counts(relationship, entries))


def first_teacher_reason(
    program: Program, relationship: Relationship, taught: Mapping[str, int]
) -> tuple[str, str] | None:
    """(participant id, the reason in a sentence) for who should lead the first teaching
    block, from how often each member taught in the ledger; None when empty or balanced."""
    counts = counts_by_member(relationship, taught)
    least = least_of(counts)
    if least is None:
        return None
    name = program.participant(least).first_name
    others = ", ".join(
        f"{program.participant(pid).first_name} {n}" for pid, n in counts.items() if pid != least
    )
    return least, (
        f"{name} teaches first: in the recorded check-ins {name} taught {counts[least]} "
        f"time(s) against {others}, so this session starts with the direction taught less."
    )


def ledger_view(
    program_id: str, program: Program, relationship: Relationship, entries: Sequence[LedgerEntry]
) -> LedgerView:
    del program  # the view needs only ids; kept for a uniform signature
    return LedgerView(
        program_id=program_id,
        relationship_id=relationship.id,
        entries=list(entries),
        directions=directions(relationship, entries),
        taught=taught_counts(relationship, entries),
        taught_least=taught_least(relationship, entries),
    )
