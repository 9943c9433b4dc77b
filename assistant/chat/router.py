"""Routing: from a message and the conversation so far to an intent with its slots.

Routing runs no job, so it is what the intent eval measures and what the latency benchmark
times. The order of decisions:

1. a pending clarification ("which pair?") answered by naming one of the choices resumes
   the request that was waiting;
2. a request for someone's records (:func:`assistant.safety.asks_for_records`) is declined;
3. the classifier (:mod:`assistant.chat.intents`) picks a label; near-ties lean to the job
   the conversation is about, "why ...?" follow-ups explain the last result;
4. job intents need one relationship: named (a person, a relationship id, "the group"),
   given by the caller, or the conversation's last one, or the user's only one. Naming
   someone the user shares no relationship with is declined; several candidates ask back.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from assistant.chat.conversation import Conversation
from assistant.chat.intents import FLOOR, IntentClassifier, Prediction
from assistant.chat.jobs import Scope
from assistant.chat.slots import Choice, fold, mentions, parse_focus, parse_minutes
from assistant.safety import asks_for_records

JOBS = ("agenda", "questions", "topics", "summarize")
# A runner-up this close to the winner counts as a tie that the conversation may break.
TIE_MARGIN = 0.04

_ORDINAL = re.compile(r"^\s*(?:#|number\s+|option\s+)?(\d{1,2})\s*[.)!]?\s*$", re.I)


@dataclass
class Route:
    """Where a message goes: the public intent, its slots, and why."""

    intent: str
    label: str  # the classifier's label (or the rule that decided)
    choice: Choice | None = None
    minutes: int | None = None
    focus: str | None = None
    notes: str | None = None
    explain: bool = False
    reason: str = ""
    choices: list[Choice] = field(default_factory=list)  # for clarify
    prediction: Prediction | None = None


def _resolve_pending(
    message: str, conversation: Conversation, scope: Scope
) -> tuple[str, Choice] | None:
    pending = conversation.pending
    if not pending:
        return None
    options = [c for c in scope.choices if c.relationship_id in pending.get("choices", [])]
    if not options:
        return None
    if m := _ORDINAL.match(message):
        n = int(m.group(1))
        if 1 <= n <= len(options):
            return pending["intent"], options[n - 1]
    picked = _pick(message, options, scope, allow_group=True)
    if isinstance(picked, Choice):
        return pending["intent"], picked
    return None


def _pick(
    message: str, options: list[Choice], scope: Scope, *, allow_group: bool
) -> Choice | list[Choice] | None:
    """The option(s) a message names: one Choice, several (ambiguous) or None (no name)."""
    people = {}
    for c in options:
        people.update(c.names())
    named = mentions(message, people, {c.relationship_id for c in options})
    if named.relationships:
        hits = [c for c in options if c.relationship_id in named.relationships]
        return hits[0] if len(hits) == 1 else hits
    wanted = named.people - ({scope.me} if scope.me else set())
    if wanted:
        hits = [c for c in options if wanted <= set(c.members)]
        if not hits:
            return []
        smallest = min(len(c.members) for c in hits)
        if named.group and allow_group:
            groups = [c for c in hits if len(c.members) > 2]
            hits = groups or hits
        else:
            hits = [c for c in hits if len(c.members) == smallest]
        return hits[0] if len(hits) == 1 else hits
    if named.group and allow_group:
        groups = [c for c in options if len(c.members) > 2]
        if groups:
            return groups[0] if len(groups) == 1 else groups
    return None


def _strip_request_line(message: str) -> str:
    """Pasted notes often start with the request ("Summarize these notes for Sam:"); the
    summarizer gets the notes without it."""
    lines = message.strip().splitlines()
    if len(lines) > 1 and len(lines[0]) <= 100 and lines[0].rstrip().endswith(":"):
        head = fold(lines[0])
        if any(w in head for w in ("summar", "notes", "check-in", "checkin", "recap", "log")):
            return "\n".join(lines[1:]).strip()
    return message.strip()


def route(
    message: str,
    conversation: Conversation,
    scope: Scope,
    classifier: IntentClassifier,
    *,
    relationship_id: str | None = None,
    program_id: str | None = None,
) -> Route:
    """Decide what to do with ``message`` (see the module doc); runs no job."""
    resumed = _resolve_pending(message, conversation, scope)
    if resumed is not None:
        intent, choice = resumed
        pending = conversation.pending or {}
        return Route(
            intent,
            "pending",
            choice=choice,
            minutes=pending.get("minutes"),
            focus=pending.get("focus"),
            notes=pending.get("notes"),
            reason="answers the question of which relationship",
        )
    if asks_for_records(message):
        return Route("decline", "records", reason="asks for someone's records")

    prediction = classifier.classify(message)
    label = prediction.label
    if prediction.score < FLOOR and not prediction.notes:
        return Route("decline", label, reason="nothing like it in scope", prediction=prediction)
    last = conversation.last_intent
    if (
        last in JOBS
        and label != last
        and label not in ("decline", "summarize")
        and prediction.margin < TIE_MARGIN
        and prediction.runner_up() == last
    ):
        label = last  # a near-tie in a conversation about a job stays with that job
    route_ = Route(label, prediction.label, prediction=prediction)
    if label == "explain":
        if last in JOBS and conversation.last_result:
            route_.intent = last
            route_.explain = True
            route_.reason = f"explains the last {last} result"
            return route_
        route_.intent = "help"
        route_.reason = "asks why, but nothing was suggested yet"
        return route_
    if label not in JOBS:
        return route_

    # -- job intents: slots and the relationship --------------------------------------------
    if label == "agenda":
        route_.minutes = parse_minutes(message)
        route_.focus = parse_focus(message)
        if last == "agenda" and route_.minutes is None:
            route_.minutes = conversation.slots.get("minutes")
        if last == "agenda" and route_.focus is None:
            route_.focus = conversation.slots.get("focus")
    elif label == "questions":
        route_.focus = parse_focus(message)
    elif label == "summarize":
        body = _strip_request_line(message)
        route_.notes = body if prediction.notes or len(body) > 200 else None
        if route_.notes is None and conversation.pending and conversation.pending.get("notes"):
            route_.notes = conversation.pending["notes"]

    outsiders = mentions(message, scope.outsiders, set()).people
    if outsiders:
        route_.intent = "decline"
        route_.reason = "names someone the user shares no relationship with"
        return route_
    if not scope.can_run_jobs:
        route_.intent = "decline"
        route_.reason = "this role does not run jobs"
        return route_

    if relationship_id is not None:
        given = scope.choice(relationship_id, program_id)
        if given is None:
            route_.intent = "decline"
            route_.reason = f"relationship {relationship_id!r} is not one of the user's"
            return route_
        route_.choice = given
    else:
        picked = _pick(message, scope.choices, scope, allow_group=True)
        if isinstance(picked, Choice):
            route_.choice = picked
        elif isinstance(picked, list) and picked:
            route_.intent = "clarify"
            route_.choices = picked
            route_.reason = "several relationships match"
            return route_
        elif isinstance(picked, list):
            route_.intent = "decline"
            route_.reason = "no relationship of the user has everyone named"
            return route_
        elif conversation.relationship_id and scope.choice(
            conversation.relationship_id, conversation.program_id
        ):
            route_.choice = scope.choice(conversation.relationship_id, conversation.program_id)
        elif len(scope.choices) == 1:
            route_.choice = scope.choices[0]
        elif not scope.choices:
            route_.intent = "decline"
            route_.reason = "the user has no relationships"
            return route_
        else:
            route_.intent = "clarify"
            route_.choices = list(scope.choices)
            route_.reason = "the user has several relationships"
            return route_
    if label == "summarize" and route_.notes is None:
        route_.intent = "clarify"
        route_.reason = "asks for a summary but gave no notes"
    return route_
