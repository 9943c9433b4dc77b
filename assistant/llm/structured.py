"""What an LLM must answer in: JSON schemas generated from the pydantic reply models.

An LLM writes only the part of a result that is its job; the engine adds what it knows for
certain (relationship, date, rotation, talk share, citation excerpts). For the planners
(agendas, questions, topics) that part is the wording: the grounded planner has already
fixed the structure (minutes, kinds, who leads, who asks whom, citations), and the reply
rewrites the words of the items it improves, keyed by the item's number in the draft. A
reply that re-sent every structural field cost a small local model 850-1,400 tokens per
planner, so it was always cut off; the wording alone is a few hundred. Summaries and
answers are written whole. Every result, merged, goes through the same validators.
"""

from __future__ import annotations

import json
import re
from typing import Annotated, Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from assistant.errors import LLMError
from assistant.models import ActionItem, Flag, GoalProgress, Learned

M = TypeVar("M", bound=BaseModel)
MAX_POINTS = 5


class _Reply(BaseModel):
    model_config = ConfigDict(extra="forbid")


# Lengths bound what a reply can cost: under a grammar, a small model that starts repeating
# itself inside a string is made to close it, instead of running to the token limit.
# Placeholders ("{goal}") are not allowed in question text, so the grammar excludes braces.
TITLE = 120
SENTENCES = 400


class AgendaEdit(_Reply):
    item: int = Field(ge=1, description="The number of the draft item it rewrites.")
    title: str = Field(min_length=1, max_length=TITLE)
    notes: str = Field(default="", max_length=SENTENCES)


class AgendaReply(_Reply):
    """New wording for agenda items of the draft."""

    items: list[AgendaEdit]


class QuestionEdit(_Reply):
    item: int = Field(ge=1, description="The number of the draft item it rewrites.")
    text: str = Field(pattern=rf"^[^{{}}]{{1,{SENTENCES}}}$")


class QuestionsReply(_Reply):
    """New wording for reciprocal questions of the draft."""

    questions: list[QuestionEdit]


class TopicEdit(_Reply):
    item: int = Field(ge=1, description="The number of the draft item it rewrites.")
    why: str = Field(min_length=1, max_length=SENTENCES)
    starter_questions: list[Annotated[str, Field(min_length=1, max_length=SENTENCES)]] = Field(
        min_length=1, max_length=5
    )


class TopicsReply(_Reply):
    """New wording for reverse-mentoring topics of the draft."""

    topics: list[TopicEdit]


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
    text: str = Field(min_length=1, max_length=SENTENCES, description="One sentence of the answer.")
    passages: list[int] = Field(
        max_length=5, description="Numbers of the passages that support it."
    )


class AnswerReply(_Reply):
    """A knowledge answer from numbered passages."""

    covered: bool = Field(description="False when the passages do not answer the question.")
    points: list[AnswerPoint] = Field(default_factory=list, max_length=MAX_POINTS)


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
