"""What an LLM must answer in: JSON schemas generated from the pydantic result models.

An LLM writes only the part of a result that is its job (agenda items, questions, topics,
the fields of a summary, the points of an answer); the engine adds what it knows for
certain (relationship, date, rotation, talk share, citation excerpts). Each reply is parsed
into the same item types the grounded engine returns, so the same validators apply.
"""

from __future__ import annotations

import json
import re
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from assistant.errors import LLMError
from assistant.models import (
    ActionItem,
    AgendaItem,
    Flag,
    GoalProgress,
    Learned,
    ReciprocalQuestion,
    TopicSuggestion,
)

M = TypeVar("M", bound=BaseModel)


class _Reply(BaseModel):
    model_config = ConfigDict(extra="forbid")


class AgendaReply(_Reply):
    """The items of a session agenda."""

    items: list[AgendaItem]


class QuestionsReply(_Reply):
    """Reciprocal questions."""

    questions: list[ReciprocalQuestion]


class TopicsReply(_Reply):
    """Reverse-mentoring topics, best first."""

    topics: list[TopicSuggestion]


class SummaryReply(_Reply):
    """A check-in summary's content."""

    overview: str
    learned: list[Learned] = Field(default_factory=list)
    action_items: list[ActionItem] = Field(default_factory=list)
    decisions: list[str] = Field(default_factory=list)
    concerns: list[str] = Field(default_factory=list)
    goal_progress: list[GoalProgress] = Field(default_factory=list)
    flags: list[Flag] = Field(default_factory=list)


class AnswerPoint(_Reply):
    text: str = Field(description="One sentence of the answer.")
    passages: list[int] = Field(description="Numbers of the passages that support it.")


class AnswerReply(_Reply):
    """A knowledge answer from numbered passages."""

    covered: bool = Field(description="False when the passages do not answer the question.")
    points: list[AnswerPoint] = Field(default_factory=list)


def json_schema(model: type[BaseModel]) -> dict[str, Any]:
    """The model's JSON schema, as sent to the server."""
    return model.model_json_schema()


def response_format(model: type[BaseModel], style: str = "json_schema") -> dict[str, Any]:
    """The ``response_format`` of a chat completion request for ``model``.

    ``json_schema`` is OpenAI's form (also vLLM's, Ollama's and llama.cpp's own server's);
    ``json_object`` with a ``schema`` is llama-cpp-python's, which turns the schema into a
    grammar that constrains sampling."""
    schema = json_schema(model)
    if style == "json_object":
        return {"type": "json_object", "schema": schema}
    return {
        "type": "json_schema",
        "json_schema": {"name": model.__name__, "schema": schema},
    }


_FENCE = re.compile(r"^\s*```(?:json)?\s*\n(.*?)\n\s*```\s*$", re.DOTALL)


def parse_reply(text: str, model: type[M], *, truncated: bool = False) -> M:
    """Parse a reply into ``model``; raise ``LLMError`` saying what is wrong with it."""
    fenced = _FENCE.match(text)
    body = fenced.group(1) if fenced else text.strip()
    if not body:
        raise LLMError("the LLM reply was empty", kind="invalid_json")
    try:
        data = json.loads(body)
    except json.JSONDecodeError as exc:
        cut = " (cut off at the token limit)" if truncated else ""
        raise LLMError(
            f"the LLM reply is not valid JSON{cut}: {exc.msg} at character {exc.pos}",
            kind="invalid_json",
        ) from None
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "(top level)"
        raise LLMError(
            f"the LLM reply has the wrong shape ({exc.error_count()} problem(s); "
            f"{where}: {first['msg']})",
            kind="wrong_shape",
        ) from None
