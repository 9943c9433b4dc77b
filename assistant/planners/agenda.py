"""Session agendas for a pair or a group, for the minutes they have.

The shape follows the guidance on structuring a session: an opening, a goal review (with
the open action items of the previous check-in), teaching segments in which every
participant leads, reciprocal questions, action planning and a relationship check.
Modes change the shape: in reverse mentoring the junior leads the main teaching block;
a flash session is one focused question in 15-30 minutes; circles go round-robin; groups
too large for the time rotate who teaches, and the rotation is recorded for next time.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from assistant.errors import InputError
from assistant.models import (
    TEACHING_KINDS,
    Agenda,
    AgendaItem,
    ItemKind,
    PreviousCheckin,
    Rotation,
)
from assistant.planners.common import (
    PlanContext,
    goal_phrase,
    junior_and_senior,
    lead_person,
    names,
    tip_from,
)
from assistant.planners.teaching import TeachingMatch, best_matches, fallback_note
from assistant.program import Participant

MIN_MINUTES, MAX_MINUTES = 10, 240
FLASH_RANGE = (15, 30)
DEFAULT_MINUTES = 45  # a session's length when nobody says
FLASH_DEFAULT_MINUTES = 20  # a flash session's, inside FLASH_RANGE
MIN_GROUP_TURN = 4  # minutes: a teaching turn shorter than this is not worth having
TEACHING_WEIGHT = 4.8  # all teaching turns together, against 6.0 for the other items

# What each kind of item is about, as a retrieval query for the guidance it rests on.
QUERIES = {
    ItemKind.OPENING: "opening and check-in: the first few minutes of a mentoring session "
    "set the tone",
    ItemKind.GOAL_REVIEW: "reviewing goals and last session's action items",
    ItemKind.RECIPROCAL_QUESTIONS: "reciprocal questions in a session so both sides teach",
    ItemKind.ACTION_PLANNING: "action planning before you close the session",
    ItemKind.RELATIONSHIP_CHECK: "relationship check: feedback and power balance",
}
# The second teaching segment of a pair: the other person teaches back.
GIVE_BACK_QUERIES = {
    "reverse": "what senior colleagues typically bring: navigating the organisation, networks",
    "traditional": "avoiding a one-sided relationship: the mentor learns from the mentee too",
    "default": "each person teaches something every session",
}
TEACHING_QUERIES = {
    "reverse": "running a reverse mentoring session",
    "traditional": "running a traditional mentoring session",
    "co-mentoring": "running a co-mentoring session",
    "peer": "running a peer mentoring session",
    "near-peer": "running a near-peer mentoring session",
    "lateral": "running a lateral mentoring session",
    "cross-functional": "teaching your function to a cross-functional peer",
    "group": "running a group mentoring session",
    "circle": "running a round-robin mentoring circle session",
    "flash": "running a 15-30 minute flash mentoring session",
}


@dataclass
class Segment:
    kind: ItemKind
    title: str
    weight: float
    led_by: list[str]
    learners: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    query: str = ""
    extra_citations: list[str] = field(default_factory=list)


def default_minutes(mode: str) -> int:
    """The session length to plan for when none is given: flash sessions are short."""
    return FLASH_DEFAULT_MINUTES if mode == "flash" else DEFAULT_MINUTES


def check_minutes(minutes: int, mode: str) -> None:
    if not MIN_MINUTES <= minutes <= MAX_MINUTES:
        raise InputError(
            f"--minutes must be between {MIN_MINUTES} and {MAX_MINUTES}; got {minutes}."
        )
    if mode == "flash" and not FLASH_RANGE[0] <= minutes <= FLASH_RANGE[1]:
        raise InputError(
            f"A flash mentoring session is one focused question in {FLASH_RANGE[0]}-"
            f"{FLASH_RANGE[1]} minutes; got {minutes}. Use --minutes between "
            f"{FLASH_RANGE[0]} and {FLASH_RANGE[1]}."
        )


def allocate(total: int, weights: Sequence[float]) -> list[int]:
    """Whole minutes proportional to weights, at least 1 each, summing exactly to total."""
    n = len(weights)
    if total < n:
        raise InputError(f"{total} minutes cannot hold {n} agenda items.")
    spare = total - n
    raw = [spare * w / sum(weights) for w in weights]
    minutes = [1 + int(r) for r in raw]
    leftover = total - sum(minutes)
    order = sorted(range(n), key=lambda i: (-(raw[i] - int(raw[i])), i))
    for i in order[:leftover]:
        minutes[i] += 1
    return minutes


def plan_agenda(
    ctx: PlanContext,
    *,
    minutes: int,
    focus: str | None = None,
    previous: PreviousCheckin | None = None,
    history: Sequence[Sequence[str]] = (),
    first_teacher: str | None = None,
    first_teacher_reason: str | None = None,
) -> Agenda:
    """Build the agenda. ``history`` lists who taught in earlier sessions (oldest first).

    ``first_teacher`` (with ``first_teacher_reason``, shown as a note) asks for that member's
    teaching block to come first, e.g. because the reciprocity ledger shows they taught less.
    It only reorders teaching blocks: who leads the main block of a mode stays as it is.
    """
    check_minutes(minutes, ctx.mode)
    focus = " ".join(focus.split()) if focus and focus.strip() else None
    notes: list[str] = []
    rotation: Rotation | None = None
    if ctx.mode == "flash":
        segments = _flash_segments(ctx, focus, previous)
    elif len(ctx.members) == 2:
        segments = _pair_segments(ctx, focus, previous, notes)
    else:
        segments, rotation = _group_segments(ctx, minutes, focus, previous, history, notes)
    if first_teacher and ctx.mode != "flash":
        _teach_first(segments, first_teacher, first_teacher_reason, notes)

    allotted = allocate(minutes, [s.weight for s in segments])
    queries = [s.query for s in segments]
    found = ctx.guidance.search(queries, ctx.mode, k=2)
    items: list[AgendaItem] = []
    cited: list[str] = []
    for segment, mins, passages in zip(segments, allotted, found, strict=True):
        citations = list(dict.fromkeys(segment.extra_citations))
        text = list(segment.notes)
        if passages:
            citations.insert(0, passages[0].id)
            text.append(f"Guidance: {tip_from(passages[0], segment.query)}")
        items.append(
            AgendaItem(
                title=segment.title,
                minutes=mins,
                kind=segment.kind,
                led_by=segment.led_by,
                learners=segment.learners,
                notes=" ".join(text),
                citations=list(dict.fromkeys(citations)),
            )
        )
        cited.extend(citations)
    if focus:
        notes.append(f"Focus for this session: {focus}.")
    return Agenda(
        relationship_id=ctx.relationship.id,
        mode=ctx.mode,
        total_minutes=minutes,
        focus=focus,
        items=items,
        rotation=rotation,
        notes=notes,
        citations=ctx.guidance.citation_refs(list(dict.fromkeys(cited))),
    )


def _teach_first(
    segments: list[Segment], teacher: str, reason: str | None, notes: list[str]
) -> None:
    """Move ``teacher``'s teaching block before the other teaching blocks (in place)."""
    slots = [i for i, s in enumerate(segments) if s.kind in TEACHING_KINDS]
    theirs = [i for i in slots if segments[i].led_by == [teacher]]
    if not theirs or theirs[0] == slots[0]:
        if theirs and reason:
            notes.append(reason)
        return
    blocks = [segments[i] for i in slots]
    mine = segments[theirs[0]]
    reordered = [mine] + [b for b in blocks if b is not mine]
    for i, block in zip(slots, reordered, strict=True):
        segments[i] = block
    if reason:
        notes.append(reason)


# -- shared segments ------------------------------------------------------------------------


def _opening(ctx: PlanContext, led_by: Participant, weight: float = 1.0) -> Segment:
    return Segment(
        ItemKind.OPENING,
        "Opening and check-in",
        weight,
        [led_by.id],
        [p.id for p in ctx.members if p.id != led_by.id],
        [
            f"{led_by.first_name} opens; everyone says in a sentence how the weeks since the "
            "last session went and what they want from today."
        ],
        QUERIES[ItemKind.OPENING],
    )


def _goal_review(ctx: PlanContext, previous: PreviousCheckin | None, weight: float) -> Segment:
    member_ids = {p.id for p in ctx.members}
    if previous and previous.action_items:
        when = f" from {previous.date.isoformat()}" if previous.date else ""
        lines = []
        for item in previous.action_items:
            owner = (
                ctx.person(item.owner).first_name
                if item.owner in member_ids and item.owner
                else "shared"
            )
            due = f" (due {item.due.isoformat()})" if item.due else ""
            lines.append(f"{owner}: {item.task}{due}")
        text = (
            f"Go through the open action items{when}: "
            + "; ".join(lines)
            + ". For each: done, still going, or dropped, and what was learned."
        )
        owners = [i.owner for i in previous.action_items if i.owner in member_ids]
        led = list(dict.fromkeys(o for o in owners if o)) or [p.id for p in ctx.members]
    else:
        goals = [
            f"{p.first_name}: {goal_phrase(p.learning_goals[0])}"
            for p in ctx.members
            if p.learning_goals
        ]
        text = "No previous check-in was given, so each person restates one learning goal"
        text += (" (" + "; ".join(goals) + ")" if goals else "") + " and how it is going."
        led = [p.id for p in ctx.members]
    if ctx.relationship.shared_goals:
        text += " Shared goals: " + "; ".join(ctx.relationship.shared_goals) + "."
    return Segment(
        ItemKind.GOAL_REVIEW,
        "Goal review",
        weight,
        led,
        [],
        [text],
        QUERIES[ItemKind.GOAL_REVIEW],
    )


def _reciprocal(ctx: PlanContext, weight: float) -> Segment:
    return Segment(
        ItemKind.RECIPROCAL_QUESTIONS,
        "Reciprocal questions",
        weight,
        [p.id for p in ctx.members],
        [p.id for p in ctx.members],
        [
            "Each person asks at least one question the other can answer from their own "
            "experience, so that everyone teaches something. `comentor questions` suggests some."
        ],
        QUERIES[ItemKind.RECIPROCAL_QUESTIONS],
    )


def _action_planning(ctx: PlanContext, weight: float) -> Segment:
    return Segment(
        ItemKind.ACTION_PLANNING,
        "Action planning",
        weight,
        [p.id for p in ctx.members],
        [],
        ["Agree one or two small next steps for each person, each with one owner and a date."],
        QUERIES[ItemKind.ACTION_PLANNING],
    )


def _relationship_check(ctx: PlanContext, weight: float) -> Segment:
    text = (
        "Each person says one thing that helped and one thing to change; check whether "
        "both voices got time and whose goals the session served."
    )
    if ctx.mode == "reverse":
        text += " The senior invites candid feedback from the junior mentor and thanks them."
    elif ctx.mode == "traditional":
        text += " The mentor asks what the mentee would have done differently."
    return Segment(
        ItemKind.RELATIONSHIP_CHECK,
        "Relationship check: feedback both ways",
        weight,
        [p.id for p in ctx.members],
        [],
        [text],
        QUERIES[ItemKind.RELATIONSHIP_CHECK],
    )


def _teaching_segment(
    ctx: PlanContext,
    match: TeachingMatch,
    learners: Sequence[Participant],
    *,
    weight: float,
    title: str,
    focus: str | None,
    kind: ItemKind = ItemKind.TEACHING,
) -> Segment:
    teacher = ctx.person(match.teacher)
    who = names(learners)
    text = [f"{teacher.first_name} teaches {who}: {match.skill}"]
    if match.goal and match.learner:
        text[0] += (
            f" (for {ctx.person(match.learner).first_name}'s goal: {goal_phrase(match.goal)})"
        )
    text[0] += "."
    if match.fallback:
        text.append(fallback_note(ctx, teacher))
    if focus:
        text.append(f"Tie it to today's focus: {focus}.")
    return Segment(
        kind,
        title,
        weight,
        [teacher.id],
        [p.id for p in learners],
        text,
        TEACHING_QUERIES[ctx.mode],
        list(match.citations),
    )


# -- pairs --------------------------------------------------------------------------------


def _pair_segments(
    ctx: PlanContext, focus: str | None, previous: PreviousCheckin | None, notes: list[str]
) -> list[Segment]:
    junior, senior = junior_and_senior(ctx)
    if ctx.mode == "reverse":
        first, second = junior, senior
        titles = (
            f"Main teaching block: {junior.first_name} leads",
            f"Give-back: {senior.first_name} shares",
        )
        weights = (3.5, 1.6)
        notes.append(
            f"Reverse mentoring: {junior.first_name} (junior) is the mentor and leads the "
            "main teaching block."
        )
    elif ctx.mode == "traditional":
        first, second = senior, junior
        titles = (
            f"Mentor's teaching block: {senior.first_name} leads",
            f"Mentee's turn: {junior.first_name} teaches",
        )
        weights = (3.0, 1.6)
    else:
        first, second = junior, senior
        titles = (f"{junior.first_name} teaches", f"{senior.first_name} teaches")
        weights = (2.4, 2.4)
    first_match = best_matches(ctx, first, [second], focus=focus, limit=1)[0]
    second_match = best_matches(
        ctx, second, [first], focus=focus, exclude=[first_match.skill], limit=1
    )[0]
    give_back = _teaching_segment(
        ctx, second_match, [first], weight=weights[1], title=titles[1], focus=None
    )
    give_back.query = GIVE_BACK_QUERIES.get(ctx.mode, GIVE_BACK_QUERIES["default"])
    return [
        _opening(ctx, junior),
        _goal_review(ctx, previous, 1.5),
        _teaching_segment(
            ctx, first_match, [second], weight=weights[0], title=titles[0], focus=focus
        ),
        give_back,
        _reciprocal(ctx, 1.4),
        _action_planning(ctx, 1.2),
        _relationship_check(ctx, 0.9),
    ]


# -- flash --------------------------------------------------------------------------------


def _flash_segments(
    ctx: PlanContext, focus: str | None, previous: PreviousCheckin | None
) -> list[Segment]:
    asker, expert = junior_and_senior(ctx)
    if len(ctx.members) > 2:
        expert = lead_person(ctx)
        asker = next(p for p in ctx.members if p.id != expert.id)
    question = focus or (
        goal_phrase(asker.learning_goals[0]) if asker.learning_goals else "one current challenge"
    )
    expert_match = best_matches(ctx, expert, [asker], focus=question, limit=1)[0]
    back = best_matches(ctx, asker, [expert], exclude=[expert_match.skill], limit=1)[0]
    opening = Segment(
        ItemKind.OPENING,
        "State the one question",
        1.4,
        [asker.id],
        [expert.id],
        [
            f"{asker.first_name} states the single question for this session in one or two "
            f"sentences: {question}."
        ],
        QUERIES[ItemKind.OPENING],
    )
    focused = Segment(
        ItemKind.FOCUSED_QUESTION,
        f"Focused question: {expert.first_name} answers",
        5.0,
        [expert.id],
        [asker.id],
        [
            f"{expert.first_name} answers from experience ({expert_match.skill}); "
            f"{asker.first_name} asks follow-ups and checks they can act on it."
        ],
        TEACHING_QUERIES["flash"],
        list(expert_match.citations),
    )
    give_back = _teaching_segment(
        ctx,
        back,
        [expert],
        weight=1.4,
        title=f"One thing back: {asker.first_name} shares",
        focus=None,
    )
    segments = [
        opening,
        focused,
        give_back,
        _reciprocal(ctx, 1.0),
        _action_planning(ctx, 1.0),
        _relationship_check(ctx, 0.6),
    ]
    if previous and previous.action_items:
        segments.insert(1, _goal_review(ctx, previous, 0.8))
    return segments


# -- groups and circles ---------------------------------------------------------------------


def _teaching_order(
    ctx: PlanContext, previous: PreviousCheckin | None, history: Sequence[Sequence[str]]
) -> list[Participant]:
    """Members who taught least (and longest ago) first; program order breaks ties."""
    taught_count = {p.id: 0 for p in ctx.members}
    last_taught = {p.id: -1 for p in ctx.members}
    sessions = [list(s) for s in history]
    if previous and previous.learned:
        sessions.append([entry.teacher for entry in previous.learned])
    for index, session in enumerate(sessions):
        for pid in session:
            if pid in taught_count:
                taught_count[pid] += 1
                last_taught[pid] = index
    position = {p.id: i for i, p in enumerate(ctx.members)}
    return sorted(
        ctx.members, key=lambda p: (taught_count[p.id], last_taught[p.id], position[p.id])
    )


def _group_segments(
    ctx: PlanContext,
    minutes: int,
    focus: str | None,
    previous: PreviousCheckin | None,
    history: Sequence[Sequence[str]],
    notes: list[str],
) -> tuple[list[Segment], Rotation | None]:
    lead = lead_person(ctx)
    circle = ctx.mode == "circle"
    fixed_weights = (1.0, 1.5, 1.4, 1.2, 0.9)
    # Teaching gets the same share of the session as in a pair (a little under half).
    teaching_minutes = minutes * TEACHING_WEIGHT / (TEACHING_WEIGHT + sum(fixed_weights))
    capacity = max(1, int(teaching_minutes // MIN_GROUP_TURN))
    capacity = min(capacity, len(ctx.members), minutes - len(fixed_weights))
    order = _teaching_order(ctx, previous, history)
    teachers = order[:capacity]
    rotation = None
    if len(teachers) < len(ctx.members):
        waiting = [p.id for p in order[capacity:]]
        rotation = Rotation(
            teaching_now=[p.id for p in teachers],
            waiting=waiting,
            reason=(
                f"{len(ctx.members)} members and {minutes} minutes leave room for "
                f"{len(teachers)} teaching turn(s) of at least {MIN_GROUP_TURN} minutes; the "
                "others lead first next session."
            ),
        )
        notes.append(
            f"Rotation: {names(teachers)} teach this session; "
            f"{names([ctx.person(i) for i in waiting])} lead first next time."
        )
    teachers = sorted(teachers, key=lambda p: [m.id for m in ctx.members].index(p.id))
    used: list[str] = []
    turns: list[Segment] = []
    per_turn = TEACHING_WEIGHT / len(teachers)
    for number, teacher in enumerate(teachers, start=1):
        learners = [p for p in ctx.members if p.id != teacher.id]
        match = best_matches(ctx, teacher, learners, focus=focus, exclude=used, limit=1)[0]
        used.append(match.skill)
        if circle:
            title = f"Round-robin turn {number} of {len(teachers)}: {teacher.first_name}"
            kind = ItemKind.ROUND_ROBIN
        else:
            title = f"Teaching turn: {teacher.first_name}"
            kind = ItemKind.TEACHING
        turns.append(
            _teaching_segment(
                ctx,
                match,
                learners,
                weight=per_turn,
                title=title,
                focus=focus if number == 1 else None,
                kind=kind,
            )
        )
    if circle:
        notes.append("Circle format: turns go round-robin; each member leads one turn.")
    segments = [_opening(ctx, lead, fixed_weights[0]), _goal_review(ctx, previous, 1.5)]
    segments += turns
    segments += [_reciprocal(ctx, 1.4), _action_planning(ctx, 1.2), _relationship_check(ctx, 0.9)]
    return segments, rotation
