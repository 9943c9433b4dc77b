"""Program data: participants and the mentoring relationships between them.

A program file (YAML or JSON) has two lists, ``participants`` and ``relationships``;
``docs/program-format.md`` documents every field and ``examples/program.yaml`` is a
complete example. The same objects are accepted inline by the API.
"""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from assistant.errors import ProgramError


class Mode(StrEnum):
    """The mentoring modes a relationship can take."""

    TRADITIONAL = "traditional"
    CO_MENTORING = "co-mentoring"
    REVERSE = "reverse"
    PEER = "peer"
    NEAR_PEER = "near-peer"
    LATERAL = "lateral"
    CROSS_FUNCTIONAL = "cross-functional"
    GROUP = "group"
    CIRCLE = "circle"
    FLASH = "flash"


class Seniority(StrEnum):
    """Career stage, in increasing order; used to tell who is junior in a pair."""

    STUDENT = "student"
    INTERN = "intern"
    JUNIOR = "junior"
    MID = "mid"
    SENIOR = "senior"
    LEAD = "lead"
    EXECUTIVE = "executive"

    @property
    def rank(self) -> int:
        return list(Seniority).index(self)


class Role(StrEnum):
    MENTOR = "mentor"
    MENTEE = "mentee"
    PEER = "peer"
    FACILITATOR = "facilitator"
    MEMBER = "member"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Participant(_Strict):
    """A person in the program."""

    id: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
    name: str = Field(min_length=1, max_length=120)
    aliases: list[str] = Field(
        default_factory=list, description="Other names notes may use (nicknames, short forms)."
    )
    title: str = ""
    seniority: Seniority = Seniority.MID
    years_experience: float = Field(default=0, ge=0, le=70)
    skills: list[str] = Field(default_factory=list, description="What this person can teach.")
    learning_goals: list[str] = Field(default_factory=list, description="What they want to learn.")
    bio: str | None = None

    @field_validator("skills", "learning_goals", "aliases")
    @classmethod
    def _clean_list(cls, value: list[str]) -> list[str]:
        seen: dict[str, str] = {}
        for item in value:
            text = " ".join(str(item).split())
            if text and text.lower() not in seen:
                seen[text.lower()] = text
        return list(seen.values())

    @property
    def first_name(self) -> str:
        return self.name.split()[0]


class Relationship(_Strict):
    """A pair or group that meets: its mode, members and what they share."""

    id: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
    mode: Mode
    participants: list[str] = Field(description="Participant ids, in no particular order.")
    roles: dict[str, Role] = Field(default_factory=dict)
    shared_goals: list[str] = Field(default_factory=list)

    @field_validator("mode", mode="before")
    @classmethod
    def _normalise_mode(cls, value: Any) -> Any:
        if isinstance(value, str):
            text = value.strip().lower().replace("_", "-").replace(" ", "-")
            aliases = {
                "comentoring": "co-mentoring",
                "co-mentor": "co-mentoring",
                "nearpeer": "near-peer",
                "crossfunctional": "cross-functional",
                "mentoring-circle": "circle",
                "circles": "circle",
                "reverse-mentoring": "reverse",
                "group-mentoring": "group",
                "flash-mentoring": "flash",
            }
            text = aliases.get(text, text)
            if text not in {m.value for m in Mode}:
                allowed = ", ".join(m.value for m in Mode)
                raise ValueError(f"unknown mode {value!r}; use one of: {allowed}")
            return text
        return value

    @model_validator(mode="after")
    def _check_members(self) -> Relationship:
        if len(self.participants) < 2:
            raise ValueError(
                f"relationship {self.id!r} has {len(self.participants)} participant(s); "
                "a relationship needs at least two"
            )
        if len(set(self.participants)) != len(self.participants):
            raise ValueError(f"relationship {self.id!r} lists a participant twice")
        unknown_roles = set(self.roles) - set(self.participants)
        if unknown_roles:
            raise ValueError(
                f"relationship {self.id!r} gives roles to non-members: {sorted(unknown_roles)}"
            )
        return self

    @property
    def is_group(self) -> bool:
        return len(self.participants) > 2


class Program(_Strict):
    """Everything the planners need to know about a mentoring program."""

    name: str = "Mentoring program"
    participants: list[Participant]
    relationships: list[Relationship] = Field(default_factory=list)

    @model_validator(mode="after")
    def _check_references(self) -> Program:
        ids = [p.id for p in self.participants]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"participant ids must be unique; repeated: {dupes}")
        rel_ids = [r.id for r in self.relationships]
        rel_dupes = sorted({i for i in rel_ids if rel_ids.count(i) > 1})
        if rel_dupes:
            raise ValueError(f"relationship ids must be unique; repeated: {rel_dupes}")
        known = set(ids)
        for rel in self.relationships:
            missing = [pid for pid in rel.participants if pid not in known]
            if missing:
                raise ValueError(
                    f"relationship {rel.id!r} names participant(s) not in the program: {missing}"
                )
        return self

    def participant(self, participant_id: str) -> Participant:
        for person in self.participants:
            if person.id == participant_id:
                return person
        raise ProgramError(f"no participant with id {participant_id!r}", code="unknown_participant")

    def relationship(self, relationship_id: str) -> Relationship:
        for rel in self.relationships:
            if rel.id == relationship_id:
                return rel
        known = ", ".join(r.id for r in self.relationships) or "(none)"
        raise ProgramError(
            f"no relationship with id {relationship_id!r} in program {self.name!r}; "
            f"known ids: {known}",
            code="unknown_relationship",
        )

    def members(self, relationship: Relationship) -> list[Participant]:
        return [self.participant(pid) for pid in relationship.participants]


def parse_program(data: Any, *, source: str = "program") -> Program:
    """Validate already-parsed program data, turning validation errors into ProgramError."""
    if not isinstance(data, dict):
        raise ProgramError(f"{source}: expected a mapping with 'participants' and 'relationships'")
    try:
        return Program.model_validate(data)
    except ValidationError as exc:
        raise ProgramError(f"{source}: {_describe(exc)}") from None


def load_program(path: str | Path) -> Program:
    """Read a program from a YAML or JSON file."""
    file = Path(path)
    if not file.is_file():
        raise ProgramError(f"program file not found: {file}")
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ProgramError(f"cannot read program file {file}: {exc}") from None
    try:
        data = json.loads(text) if file.suffix.lower() == ".json" else yaml.safe_load(text)
    except (json.JSONDecodeError, yaml.YAMLError) as exc:
        raise ProgramError(
            f"{file} is not valid {file.suffix.lstrip('.') or 'YAML'}: {exc}"
        ) from None
    return parse_program(data, source=str(file))


def _describe(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors():
        where = ".".join(str(p) for p in err["loc"])
        msg = err["msg"].removeprefix("Value error, ")
        parts.append(f"{where}: {msg}" if where else msg)
    return "; ".join(parts)
