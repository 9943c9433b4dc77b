"""Program data: participants and the mentoring relationships between them.

A program file (YAML or JSON) has two lists, ``participants`` and ``relationships``;
``docs/program-format.md`` documents every field and ``examples/program.yaml`` is a
complete example. The same objects are accepted inline by the API.
"""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from assistant.errors import ProgramError
from assistant.limits import (
    MAX_BIO_CHARS,
    MAX_ITEM_CHARS,
    MAX_ITEMS,
    MAX_MEMBERS,
    MAX_PARTICIPANTS,
    MAX_PERSON_NAME_CHARS,
    MAX_PROGRAM_BYTES,
    MAX_PROGRAM_NAME_CHARS,
    MAX_RELATIONSHIPS,
    MAX_TITLE_CHARS,
)
from assistant.safety import clean_text

_LONGEST_FIELD = max(MAX_BIO_CHARS, MAX_PROGRAM_NAME_CHARS, MAX_TITLE_CHARS, MAX_ITEM_CHARS)

# One skill, learning goal, alias or shared goal.
Item = Annotated[str, Field(max_length=MAX_ITEM_CHARS)]


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

    @model_validator(mode="before")
    @classmethod
    def _clean_strings(cls, data: Any) -> Any:
        # Names, skills and goals are echoed into every result: no invisible or bidi
        # characters, links or tags (the output cleaner, applied once at the door).
        return _cleaned(data) if isinstance(data, dict) else data


class Participant(_Strict):
    """A person in the program."""

    id: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
    name: str = Field(min_length=1, max_length=MAX_PERSON_NAME_CHARS)
    aliases: list[Annotated[str, Field(max_length=MAX_PERSON_NAME_CHARS)]] = Field(
        default_factory=list,
        max_length=MAX_ITEMS,
        description="Other names notes may use (nicknames, short forms).",
    )
    title: str = Field(default="", max_length=MAX_TITLE_CHARS)
    seniority: Seniority = Seniority.MID
    years_experience: float = Field(default=0, ge=0, le=70)
    skills: list[Item] = Field(
        default_factory=list, max_length=MAX_ITEMS, description="What this person can teach."
    )
    learning_goals: list[Item] = Field(
        default_factory=list, max_length=MAX_ITEMS, description="What they want to learn."
    )
    bio: str | None = Field(default=None, max_length=MAX_BIO_CHARS)

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
    participants: list[str] = Field(
        max_length=MAX_MEMBERS, description="Participant ids, in no particular order."
    )
    roles: dict[str, Role] = Field(default_factory=dict)
    shared_goals: list[Item] = Field(default_factory=list, max_length=MAX_ITEMS)

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

    name: str = Field(default="Mentoring program", max_length=MAX_PROGRAM_NAME_CHARS)
    participants: list[Participant] = Field(max_length=MAX_PARTICIPANTS)
    relationships: list[Relationship] = Field(default_factory=list, max_length=MAX_RELATIONSHIPS)

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
        raise ProgramError(f"{source}: {_describe(exc, data)}") from None


def load_program(path: str | Path) -> Program:
    """Read a program from a YAML or JSON file."""
    file = Path(path)
    if file.is_dir():
        raise ProgramError(f"{file} is a folder; give the program file (YAML or JSON).")
    if not file.is_file():
        raise ProgramError(f"program file not found: {file}")
    try:
        with file.open("rb") as handle:
            raw = handle.read(MAX_PROGRAM_BYTES + 1)
        if len(raw) > MAX_PROGRAM_BYTES:
            raise ProgramError(
                f"program file {file} is over {MAX_PROGRAM_BYTES:,} bytes; is it the right file?"
            )
        text = raw.decode("utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise ProgramError(f"cannot read program file {file}: {exc}") from None
    try:
        data = json.loads(text) if file.suffix.lower() == ".json" else _load_yaml(text)
    except (json.JSONDecodeError, yaml.YAMLError) as exc:
        raise ProgramError(
            f"{file} is not valid {file.suffix.lstrip('.') or 'YAML'}: {exc}"
        ) from None
    except RecursionError:  # "[[[[…" nested deeper than any program
        raise ProgramError(f"{file} is nested too deeply to be a program file.") from None
    return parse_program(data, source=str(file))


def _load_yaml(text: str) -> Any:
    # libyaml's safe loader when PyYAML was built with it: the pure-Python one takes
    # seconds per megabyte.
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return yaml.load(text, Loader=loader)


def _cleaned(value: Any) -> Any:
    """Strings cleaned for output; a string longer than any field allows is left for the
    length check to refuse (cleaning megabytes first would only delay that message)."""
    if isinstance(value, str):
        return clean_text(value) if len(value) <= _LONGEST_FIELD else value
    if isinstance(value, list):
        return [_cleaned(v) for v in value]
    if isinstance(value, dict):
        return {_cleaned(k): _cleaned(v) for k, v in value.items()}
    return value


def _describe(exc: ValidationError, data: Any = None) -> str:
    parts = []
    for err in exc.errors()[:10]:
        where = ".".join(str(p) for p in err["loc"])
        msg = err["msg"].removeprefix("Value error, ")
        parts.append(f"{where}{_whose(data, err['loc'])}: {msg}" if where else msg)
    return "; ".join(parts)


def _whose(data: Any, loc: tuple[Any, ...]) -> str:
    """ " (participant 'leo')" for an error under participants.3, so a long file's error
    names the person or relationship as well as the field."""
    if (
        len(loc) < 2
        or loc[0] not in ("participants", "relationships")
        or not isinstance(loc[1], int)
    ):
        return ""
    try:
        ident = data[loc[0]][loc[1]]["id"]
    except (TypeError, KeyError, IndexError):
        return ""
    if not isinstance(ident, str) or len(ident) > 64:
        return ""
    return f" ({loc[0][:-1]} {ident!r})"
