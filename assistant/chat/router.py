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
from assistant.chat.slots import (
    Choice,
    fold,
    mentions,
    parse_focus,
    parse_minutes,
    refers_to_same,
)
from assistant.safety import asks_for_records

JOBS = ("agenda", "questions", "topics", "summarize")
# A runner-up this close to the winner counts as a tie that the conversation may break.
TIE_MARGIN = 0.04
# A job this close to `ask` that would need asking back is answered as a question instead.
ASK_MARGIN = 0.1
SHORTEST_NOTES = 120  # characters: shorter summarize requests carry no notes

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
    picked = pick_choice(message, options, scope, allow_group=True)
    if isinstance(picked, Choice):
        return pending["intent"], picked
    return None


def pick_choice(
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
        if named.group and allow_group:
            hits = [c for c in hits if len(c.members) > 2] or hits
        else:
            # "with Sam" means the pair with Sam over a group Sam is also in; between
            # several groups it stays ambiguous.
            hits = [c for c in hits if len(c.members) == 2] or hits
        return hits[0] if len(hits) == 1 else hits
    if named.group and allow_group:
        groups = [c for c in options if len(c.members) > 2]
        if groups:
            return groups[0] if len(groups) == 1 else groups
    folded = fold(message).replace("-", " ")
    by_mode = [c for c in options if _mode_named(c.mode, folded)]
    if len(by_mode) == 1:
        return by_mode[0]  # "my reverse mentee": the user's one reverse relationship
    return None


def _mode_named(mode: str, folded: str) -> bool:
    words = mode.replace("-", " ")
    forms = {words, words.replace(" ", "")}
    if words == "co mentoring":
        forms.add("co mentor")
    return any(re.search(rf"\b{re.escape(f)}", folded) for f in forms)


def _continues(message: str, last: str, label: str, scope: Scope) -> bool:
    """Whether a message reads as a slot for the job under way rather than a new request:
    a duration after an agenda, or one of the user's people with nothing else recognisable."""
    if last == "agenda" and label != "decline" and parse_minutes(message) is not None:
        return True
    if label in ("help", "decline", "explain", last) and len(message) <= 60:
        people: dict[str, list[str]] = {}
        for c in scope.choices:
            people.update(c.names())
        named = mentions(message, people, set()).people - ({scope.me} if scope.me else set())
        return bool(named)
    return False


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
    last = conversation.last_intent
    if last in JOBS and label != "summarize" and _continues(message, last, label, scope):
        label = last  # a slot value for the job under way ("90", "for Amara too")
    elif prediction.score < FLOOR and not prediction.notes:
        return Route("decline", label, reason="nothing like it in scope", prediction=prediction)
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
        if last == "questions" and route_.focus is None:
            # "more questions for Sam" keeps the focus the last questions had.
            route_.focus = conversation.slots.get("focus")
    elif label == "summarize":
        body = _strip_request_line(message)
        # A summarize request long enough to carry notes carries them (the rest is a bare
        # request such as "summarize my notes", which asks back for the notes).
        route_.notes = body if prediction.notes or len(body) >= SHORTEST_NOTES else None
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
    elif refers_to_same(message) and scope.choice(
        conversation.relationship_id or "", conversation.program_id
    ):
        route_.choice = scope.choice(conversation.relationship_id or "", conversation.program_id)
    else:
        # In pasted notes "group" is what they talk about, not which relationship they are.
        picked = pick_choice(message, scope.choices, scope, allow_group=label != "summarize")
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
        elif (
            prediction.score - prediction.scores.get("ask", 0.0) < ASK_MARGIN
            and label != "summarize"
        ):
            # Barely a job, barely a question, and the job would need asking back: answer
            # the question from the guidance (the reply lists what else it can do).
            route_.intent = "ask"
            route_.reason = "close to a question, and no relationship named"
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
