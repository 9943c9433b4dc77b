"""Deterministic check-in summaries: no model, same output for the same input.

``summarize_checkin`` reads a check-in's notes (a transcript, bullets, prose or a messy mix)
and returns a ``CheckinSummary``: who learned what from whom, action items with owners and
due dates, decisions, concerns, progress on learning goals, talk share and warning flags,
with private passages left out and instructions hidden in the notes ignored.

The modules, in the order the work happens:

* ``text``, ``people``: normalising and folding text; the members and every way notes name
  them (full names, first names, aliases, typos in labels, initials);
* ``parse``, ``tables``, ``writers``: units (turns, bullets, lines, paragraphs, table rows),
  speakers, sections, who wrote written notes and whether they are written to the partner;
* ``redact``: private passages and text that tries to instruct an AI;
* ``flags``: what became of the previous check-in's items, talk share, the four flags;
* ``vocab``, ``anchors``, ``items``, ``actions``, ``exchanges``, ``merge``, ``dates``: action
  items, their owners and due dates (written notes in ``actions``, transcripts in
  ``exchanges``), restatements merged;
* ``learning``, ``cues``, ``cuewords``, ``teaching``, ``uptake``, ``lessons``, ``topics``:
  learned entries: written cues ("Amara walked me through …", "his rule that …", "I didn't
  know that …", patterns in ``cuewords``) and lines (advice, topics, joint work), teaching
  episodes in transcripts and the listener's uptake, and each lesson as a short phrase led by
  its topic's name when the talk names it;
* ``highlights``: decisions, concerns, goal progress and the overview.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TYPE_CHECKING

from assistant.errors import InputError
from assistant.limits import MAX_NOTES_BYTES, check_notes
from assistant.models import CheckinSummary, PreviousCheckin
from assistant.program import Program, Relationship
from assistant.summary.actions import extract_actions
from assistant.summary.flags import build_flags, previous_status, talk_share
from assistant.summary.highlights import decisions_and_concerns, goal_progress, overview
from assistant.summary.learning import extract_learned
from assistant.summary.parse import parse_notes
from assistant.summary.people import People
from assistant.summary.redact import mark, scrub
from assistant.summary.text import normalize

if TYPE_CHECKING:
    import numpy as np


__all__ = ["MAX_NOTES_BYTES", "summarize_checkin"]


def summarize_checkin(
    notes: str,
    *,
    program: Program,
    relationship: Relationship,
    date: dt.date,
    previous: PreviousCheckin | None = None,
    embed: Callable[[list[str]], np.ndarray] | None = None,
) -> CheckinSummary:
    """Summarize one check-in of ``relationship`` held on ``date``.

    ``previous`` holds the earlier check-in's action items (for the ``stalled`` flag).
    ``embed``, if given, maps texts to L2-normalised sentence vectors; it links the few
    extracted items to learning goals (word overlap is used without it) and confirms which
    sentences are sensitive by default (health, family, legal, money, criticism of
    colleagues; without it only unambiguous cue words decide).
    Raises ``InputError`` for empty notes or notes over 1 MB, and ``ProgramError`` when the
    relationship names people the program does not have.
    """
    _check_input(notes, relationship, date)
    people = People(program, relationship)
    parsed = parse_notes(normalize(notes), people)
    private_terms = mark(parsed, people, embed)
    redacted = any(s.private for s in parsed.sentences)

    previous_items = previous.action_items if previous else []
    statuses = previous_status(parsed, previous_items, people)
    actions, task_units = extract_actions(parsed, people, date, statuses)
    learned = extract_learned(parsed, people, skip=task_units)
    decisions, concerns = decisions_and_concerns(parsed, people)

    # Last line of defence: nothing naming what a private passage named leaves the function.
    actions = [
        a
        for a, ok in zip(actions, scrub([a.task for a in actions], private_terms), strict=True)
        if ok
    ]
    learned = [
        e
        for e, ok in zip(learned, scrub([e.what for e in learned], private_terms), strict=True)
        if ok
    ]
    decisions = [d for d, ok in zip(decisions, scrub(decisions, private_terms), strict=True) if ok]
    concerns = [c for c, ok in zip(concerns, scrub(concerns, private_terms), strict=True) if ok]

    shares = talk_share(parsed)
    flags = build_flags(
        shares=shares,
        learned=learned,
        action_items=actions,
        statuses=statuses,
        redacted=redacted,
        people=people,
    )
    progress = goal_progress(people, learned, actions, embed)
    progress = [
        g
        for g, ok in zip(
            progress, scrub([g.evidence for g in progress], private_terms), strict=True
        )
        if ok
    ]
    return CheckinSummary(
        relationship_id=relationship.id,
        date=date,
        overview=overview(people, date, relationship.mode.value, learned, actions, flags),
        learned=learned,
        action_items=actions,
        decisions=decisions,
        concerns=concerns,
        goal_progress=progress,
        talk_share=shares,
        flags=flags,
        citations=[],
        engine="grounded",
    )


def _check_input(notes: object, relationship: Relationship, date: object) -> None:
    check_notes(notes)
    if not isinstance(date, dt.date) or isinstance(date, dt.datetime):
        raise InputError(f"the check-in date must be a date, got {date!r}")
