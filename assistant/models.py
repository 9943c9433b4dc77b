"""Typed results of the planners: agendas, reciprocal questions, reverse-mentoring topics
and check-in summaries. Every engine returns these, and the validators check them.

Participants are always referred to by their program id. Citation ids are the passage ids
of the knowledge index (``source#anchor``); each result carries a top-level ``citations``
list with the title, source and an excerpt of every passage its items cite.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CitationRef(_Model):
    """A cited passage of guidance."""

    id: str
    title: str
    source: str
    excerpt: str


# -- agendas --------------------------------------------------------------------------------


class ItemKind(StrEnum):
    OPENING = "opening"
    GOAL_REVIEW = "goal_review"
    TEACHING = "teaching"
    ROUND_ROBIN = "round_robin"
    FOCUSED_QUESTION = "focused_question"
    RECIPROCAL_QUESTIONS = "reciprocal_questions"
    ACTION_PLANNING = "action_planning"
    RELATIONSHIP_CHECK = "relationship_check"


TEACHING_KINDS = frozenset({ItemKind.TEACHING, ItemKind.ROUND_ROBIN, ItemKind.FOCUSED_QUESTION})


class AgendaItem(_Model):
    title: str
    minutes: int = Field(ge=1)
    kind: ItemKind
    led_by: list[str]
    learners: list[str] = Field(default_factory=list)
    notes: str = ""
    citations: list[str] = Field(default_factory=list)


class Rotation(_Model):
    """Which members teach this session when a group is too large to all teach at once."""

    teaching_now: list[str]
    waiting: list[str]
    reason: str


class Agenda(_Model):
    relationship_id: str
    mode: str
    total_minutes: int
    focus: str | None = None
    items: list[AgendaItem]
    rotation: Rotation | None = None
    notes: list[str] = Field(default_factory=list)
    citations: list[CitationRef] = Field(default_factory=list)
    engine: str = "grounded"
    fallback_reason: str | None = Field(
        default=None, description="Why an LLM engine's result was replaced by the grounded one."
    )


# -- reciprocal questions -----------------------------------------------------------------------


class ReciprocalQuestion(_Model):
    asker: str
    answerer: str
    topic: str = Field(description="What the answerer teaches: one of their skills.")
    goal: str | None = Field(default=None, description="The asker's learning goal it serves.")
    text: str
    fallback: bool = Field(
        default=False,
        description="True when the answerer listed no matching skill and the topic comes from "
        "what the guidance says their role typically brings.",
    )
    guidance: str = Field(default="", description="What the cited guidance says, in brief.")
    citations: list[str] = Field(default_factory=list)


class QuestionSet(_Model):
    relationship_id: str
    mode: str
    focus: str | None = None
    questions: list[ReciprocalQuestion]
    notes: list[str] = Field(default_factory=list)
    citations: list[CitationRef] = Field(default_factory=list)
    engine: str = "grounded"
    fallback_reason: str | None = Field(
        default=None, description="Why an LLM engine's result was replaced by the grounded one."
    )


# -- reverse-mentoring topics ---------------------------------------------------------------------


class Pitfall(_Model):
    id: str
    title: str
    text: str
    citations: list[str] = Field(default_factory=list)


class TopicSuggestion(_Model):
    topic: str
    taught_by: str
    learner: str
    why: str
    skill: str | None = Field(default=None, description="The teacher's skill this rests on.")
    goal: str | None = Field(default=None, description="The learner's goal it serves.")
    score: float
    starter_questions: list[str]
    pitfalls: list[str] = Field(default_factory=list)
    guidance: str = Field(default="", description="What the cited guidance says, in brief.")
    citations: list[str] = Field(default_factory=list)


class TopicSet(_Model):
    relationship_id: str
    mode: str
    mentor: str = Field(description="The senior learner the topics are for.")
    mentee: str = Field(description="The junior colleague who would teach them.")
    topics: list[TopicSuggestion]
    pitfalls: list[Pitfall]
    notes: list[str] = Field(default_factory=list)
    citations: list[CitationRef] = Field(default_factory=list)
    engine: str = "grounded"
    fallback_reason: str | None = Field(
        default=None, description="Why an LLM engine's result was replaced by the grounded one."
    )


# -- check-in summaries -------------------------------------------------------------------------


class FlagCode(StrEnum):
    ONE_SIDED = "one_sided"
    NO_ACTION_ITEMS = "no_action_items"
    STALLED = "stalled"
    CONFIDENTIAL_REDACTED = "confidential_redacted"


class Flag(_Model):
    code: FlagCode
    detail: str
    citations: list[str] = Field(default_factory=list)


class Learned(_Model):
    learner: str | None = Field(description="Participant id; null when the whole group learned.")
    teacher: str
    what: str


class ActionItem(_Model):
    owner: str | None = Field(description="Participant id; null when no single owner is named.")
    task: str
    due: dt.date | None = None


class GoalProgress(_Model):
    participant: str
    goal: str
    evidence: str


class PreviousCheckin(BaseModel):
    """What a planner needs from an earlier check-in: a full summary JSON parses into this,
    and so does a hand-written ``{date, action_items}``."""

    model_config = ConfigDict(extra="ignore")

    relationship_id: str | None = None
    date: dt.date | None = None
    action_items: list[ActionItem] = Field(default_factory=list)
    learned: list[Learned] = Field(default_factory=list)


class CheckinSummary(_Model):
    relationship_id: str
    date: dt.date
    overview: str
    learned: list[Learned] = Field(default_factory=list)
    action_items: list[ActionItem] = Field(default_factory=list)
    decisions: list[str] = Field(default_factory=list)
    concerns: list[str] = Field(default_factory=list)
    goal_progress: list[GoalProgress] = Field(default_factory=list)
    talk_share: dict[str, float] = Field(
        default_factory=dict, description="Share of words per participant, for transcripts."
    )
    flags: list[Flag] = Field(default_factory=list)
    citations: list[CitationRef] = Field(default_factory=list)
    engine: str = "grounded"
    fallback_reason: str | None = Field(
        default=None, description="Why an LLM engine's result was replaced by the grounded one."
    )

    def flag_codes(self) -> set[str]:
        return {f.code.value for f in self.flags}
