"""Eval cases: the schemas of evals/README.md as pydantic models, and a loader for any
directory laid out like ``evals/`` (``comentor eval --cases DIR``).

A malformed case is an error that names its file and case id; nothing is silently skipped.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from assistant.errors import InputError, ProgramError
from assistant.models import ActionItem, FlagCode, PreviousCheckin
from assistant.program import Program, load_program


class _Case(BaseModel):
    model_config = ConfigDict(extra="forbid")


class KnowledgeCase(_Case):
    id: str
    question: str
    audience: Literal["mentee", "mentor", "coordinator"] = "mentee"
    expected_sources: list[str] = Field(min_length=1)
    must_mention: list[list[str]] = Field(default_factory=list)
    notes: str | None = None


class OutOfScopeCase(_Case):
    id: str
    question: str
    kind: Literal["unrelated", "adjacent"] = "unrelated"


class GoldLearned(_Case):
    learner: str | None
    teacher: str
    what: str


class CheckinExpected(_Case):
    action_items: list[ActionItem] = Field(default_factory=list)
    learned: list[GoldLearned] = Field(default_factory=list)
    flags: list[FlagCode] = Field(default_factory=list)
    redacted_terms: list[str] = Field(default_factory=list)
    decisions: list[str] = Field(default_factory=list)


class CheckinCase(_Case):
    id: str
    description: str = ""
    program: str
    pair: str
    date: dt.date
    style: Literal["bullets", "transcript", "prose", "messy"]
    previous: PreviousCheckin | None = None
    notes: str
    expected: CheckinExpected


class PlanExpect(_Case):
    error: Literal["InputError", "ProgramError"] | None = None
    main_teacher: str | None = None
    teachers_include: list[str] = Field(default_factory=list)
    rotation: bool | None = None
    goal_review_mentions: list[str] = Field(default_factory=list)
    cites_any_of: list[str] = Field(default_factory=list)
    topics_for: dict[str, list[str]] = Field(default_factory=dict)
    goals_served: dict[str, list[str]] = Field(default_factory=dict)
    fallback_for: list[str] = Field(default_factory=list)
    top_topics_any_of: list[str] = Field(default_factory=list)
    mentor: str | None = None
    mentee: str | None = None


class PlanCase(_Case):
    id: str
    description: str = ""
    program: str
    pair: str
    minutes: int = 45
    focus: str | None = None
    per_person: int | None = None
    previous: PreviousCheckin | None = None
    expect: PlanExpect = Field(default_factory=PlanExpect)


class SafetyExpect(_Case):
    must_not_contain: list[str] = Field(default_factory=list)
    declined: bool | None = None
    forbidden_owners: list[str] = Field(default_factory=list)
    max_action_items: int | None = None


class SafetyCase(_Case):
    id: str
    kind: Literal["notes_injection", "document_injection", "cross_pair", "exfiltration", "canary"]
    description: str = ""
    canary: str | None = None
    program: str | None = None
    pair: str | None = None
    date: dt.date | None = None
    notes: str | None = None
    document: str | None = None
    question: str | None = None
    expect: SafetyExpect = Field(default_factory=SafetyExpect)


@dataclass
class CaseSet:
    root: Path
    programs: dict[str, Program] = field(default_factory=dict)
    knowledge: list[KnowledgeCase] = field(default_factory=list)
    out_of_scope: list[OutOfScopeCase] = field(default_factory=list)
    checkins: list[CheckinCase] = field(default_factory=list)
    agenda: list[PlanCase] = field(default_factory=list)
    questions: list[PlanCase] = field(default_factory=list)
    topics: list[PlanCase] = field(default_factory=list)
    safety: list[SafetyCase] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(
            len(x)
            for x in (
                self.knowledge,
                self.out_of_scope,
                self.checkins,
                self.agenda,
                self.questions,
                self.topics,
                self.safety,
            )
        )

    def program(self, name: str) -> Program:
        """A program of this case directory, or else one of the bundled eval programs (so a
        program's own cases can refer to ours)."""
        if name not in self.programs:
            bundled = Path(__file__).resolve().parent / "programs" / name
            if not bundled.is_file():
                raise InputError(f"{self.root}: no program file {name!r} in programs/")
            try:
                self.programs[name] = load_program(bundled)
            except ProgramError as exc:
                raise InputError(f"eval program {name}: {exc}") from None
        return self.programs[name]

    def document(self, name: str) -> Path:
        path = self.root / "documents" / name
        if not path.is_file():
            raise InputError(f"{self.root}: safety document {name!r} not found in documents/")
        return path


def _read(path: Path) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise InputError(f"cannot read eval cases in {path}: {exc}") from None


def _parse(model: type[_Case], data: Any, where: str) -> Any:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = ".".join(str(p) for p in first["loc"])
        ident = data.get("id", "?") if isinstance(data, dict) else "?"
        raise InputError(f"{where} case {ident}: {loc}: {first['msg']}") from None


def _list(path: Path, model: type[_Case]) -> list[Any]:
    if not path.exists():
        return []
    data = _read(path) or []
    if not isinstance(data, list):
        raise InputError(f"{path}: expected a list of cases")
    return [_parse(model, item, str(path)) for item in data]


def load_cases(root: Path) -> CaseSet:
    """Every case under ``root``; parts that are absent are simply empty."""
    if not root.is_dir():
        raise InputError(f"Eval case directory not found: {root}")
    cases = CaseSet(root=root)
    for file in sorted((root / "programs").glob("*.y*ml")) + sorted(
        (root / "programs").glob("*.json")
    ):
        try:
            cases.programs[file.name] = load_program(file)
        except ProgramError as exc:
            raise InputError(f"eval program {file.name}: {exc}") from None
    cases.knowledge = _list(root / "knowledge" / "questions.yaml", KnowledgeCase)
    cases.out_of_scope = _list(root / "knowledge" / "out_of_scope.yaml", OutOfScopeCase)
    for file in sorted((root / "checkins").glob("*.yaml")):
        cases.checkins.append(_parse(CheckinCase, _read(file), str(file)))
    cases.agenda = _list(root / "planning" / "agenda.yaml", PlanCase)
    cases.questions = _list(root / "planning" / "questions.yaml", PlanCase)
    cases.topics = _list(root / "planning" / "topics.yaml", PlanCase)
    for file in sorted((root / "safety").glob("*.yaml")):
        data = _read(file) or []
        items = data if isinstance(data, list) else [data]
        cases.safety.extend(_parse(SafetyCase, item, str(file)) for item in items)
    ids = [
        c.id
        for part in (
            cases.knowledge,
            cases.out_of_scope,
            cases.checkins,
            cases.agenda,
            cases.questions,
            cases.topics,
            cases.safety,
        )
        for c in part
    ]
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if dupes:
        raise InputError(f"{root}: case ids must be unique; repeated: {dupes}")
    if cases.total == 0:
        raise InputError(f"{root}: no eval cases found (see evals/README.md for the layout)")
    return cases
