"""Intent accuracy of the chat router on the held-out labelled set ``evals/chat/intents.yaml``.

Each utterance is routed (no job runs) as its case's user, in a conversation holding the
case's context, exactly as :meth:`assistant.chat.ChatService.stream` routes a message; the
routed intent is compared with the label. Reported overall and per intent, with the routing
latency; ``comentor eval`` gates ``intent_accuracy`` (see thresholds.yaml).
"""

from __future__ import annotations

import statistics
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from assistant.chat.conversation import Conversation
from assistant.chat.intents import INTENTS, IntentClassifier, default_examples_path
from assistant.chat.jobs import ProgramJobs, Scope
from assistant.chat.router import route
from assistant.errors import InputError
from assistant.program import Program, load_program


class IntentContext(BaseModel):
    model_config = ConfigDict(extra="forbid")
    last_intent: str | None = None
    relationship: str | None = None


class IntentCase(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str
    text: str = Field(min_length=1)
    intent: str
    user: str | None = None
    context: IntentContext | None = None


class IntentSet(BaseModel):
    model_config = ConfigDict(extra="forbid")
    program: str
    user: str
    cases: list[IntentCase]


@dataclass
class IntentOutcome:
    case: IntentCase
    predicted: str
    label: str
    score: float | None
    margin: float | None
    reason: str
    ms: float

    @property
    def correct(self) -> bool:
        return self.predicted == self.case.intent


@dataclass
class IntentScores:
    outcomes: list[IntentOutcome] = field(default_factory=list)

    @property
    def accuracy(self) -> float:
        return sum(o.correct for o in self.outcomes) / max(len(self.outcomes), 1)

    def per_intent(self) -> dict[str, tuple[float, int]]:
        """Accuracy (recall) per gold intent, with its number of cases."""
        groups: dict[str, list[bool]] = defaultdict(list)
        for o in self.outcomes:
            groups[o.case.intent].append(o.correct)
        return {k: (sum(v) / len(v), len(v)) for k, v in sorted(groups.items())}

    def latency_p50_ms(self) -> float:
        return statistics.median(o.ms for o in self.outcomes) if self.outcomes else 0.0

    def confusion(self) -> dict[str, dict[str, int]]:
        table: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        for o in self.outcomes:
            table[o.case.intent][o.predicted] += 1
        return {k: dict(v) for k, v in table.items()}


def load_intent_set(path: Path) -> IntentSet:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        found = IntentSet.model_validate(data)
    except (OSError, yaml.YAMLError) as exc:
        raise InputError(f"Cannot read {path}: {exc}") from None
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise InputError(f"{path}: {where}: {first['msg']}") from None
    unknown = sorted({c.intent for c in found.cases} - set(INTENTS))
    if unknown:
        raise InputError(f"{path}: unknown intents {unknown}; use one of {list(INTENTS)}")
    ids = [c.id for c in found.cases]
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if dupes:
        raise InputError(f"{path}: case ids must be unique; repeated: {dupes}")
    return found


def _scope(program: Program, program_id: str, user: str) -> Scope:
    # Routing needs only the user's scope; no planning service is involved.
    return ProgramJobs(None, program, program_id=program_id, me=user).scope()  # type: ignore[arg-type]


def _conversation(case: IntentCase, program_id: str) -> Conversation:
    conversation = Conversation()
    if case.context is not None:
        conversation.last_intent = case.context.last_intent
        if case.context.relationship:
            conversation.program_id = program_id
            conversation.relationship_id = case.context.relationship
        if case.context.last_intent:
            # What a follow-up refers to; routing only needs to know that there is one.
            conversation.last_result = {"kind": case.context.last_intent}
    return conversation


def score_intents(
    classifier: IntentClassifier,
    path: Path,
    programs: Path | Callable[[str], Program],
) -> IntentScores:
    """Route every case of ``path`` and compare with its label. ``programs`` is the folder
    of program files, or a function from a file name to its program."""
    spec = load_intent_set(path)
    program = (
        load_program(programs / spec.program)
        if isinstance(programs, Path)
        else programs(spec.program)
    )
    program_id = Path(spec.program).stem
    scopes: dict[str, Scope] = {}
    classifier.warm()
    scores = IntentScores()
    for case in spec.cases:
        user = case.user or spec.user
        if user not in scopes:
            scopes[user] = _scope(program, program_id, user)
        conversation = _conversation(case, program_id)
        start = time.perf_counter()
        decided = route(case.text, conversation, scopes[user], classifier)
        ms = (time.perf_counter() - start) * 1000
        prediction = decided.prediction
        scores.outcomes.append(
            IntentOutcome(
                case=case,
                predicted=decided.intent,
                label=decided.label,
                score=prediction.score if prediction else None,
                margin=prediction.margin if prediction else None,
                reason=decided.reason,
                ms=ms,
            )
        )
    return scores


def outcome_record(outcome: IntentOutcome) -> dict[str, Any]:
    """One case as the eval report shows it."""
    return {
        "input": {
            "text": outcome.case.text,
            "user": outcome.case.user,
            "context": outcome.case.context.model_dump() if outcome.case.context else None,
            "expected": outcome.case.intent,
        },
        "output": {
            "intent": outcome.predicted,
            "label": outcome.label,
            "score": outcome.score,
            "margin": outcome.margin,
            "reason": outcome.reason,
        },
    }


def record_intents(run: Any, path: Path) -> IntentScores:
    """Score the intent set into an :class:`evals.runner.EvalRun`: one case result each
    (suite ``intents``), ``intent_accuracy`` and ``intent_<name>_accuracy`` tallies and the
    routing latency."""
    from evals.runner import CaseResult

    classifier = IntentClassifier.from_file(
        run.retriever.store.embedder, default_examples_path(run.settings.knowledge_dir)
    )
    scores = score_intents(classifier, path, run.cases.program)
    for outcome in scores.outcomes:
        run.tallies["intent_accuracy"].add(outcome.correct)
        run.tallies[f"intent_{outcome.case.intent}_accuracy"].add(outcome.correct)
        record = outcome_record(outcome)
        failures = (
            []
            if outcome.correct
            else [f"routed to {outcome.predicted}, expected {outcome.case.intent}"]
        )
        run.results.append(
            CaseResult(
                "intents",
                outcome.case.id,
                outcome.correct,
                failures,
                record["input"],
                record["output"],
                outcome.ms,
            )
        )
        run.latency["intents"].append(outcome.ms)
    return scores
