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


# Bounds on a summary's lists and overview, for the same reason: the eval's check-ins expect
# at most 10 action items and 7 learned entries; a reply past 24 of anything is a model
# repeating itself, and fails validation (the grounded summary is used) instead of running on.
SUMMARY_ITEMS = 24
OVERVIEW = 800
PERSON = 64  # a participant id
Line = Annotated[str, Field(min_length=1, max_length=SENTENCES)]


# The summary's own types with their strings bounded (they are those types, so the merged
# summary holds them as it would the grounded ones).
class LearnedLine(Learned):
    teacher: str = Field(min_length=1, max_length=PERSON)
    what: str = Field(min_length=1, max_length=SENTENCES)


class ActionLine(ActionItem):
    task: str = Field(min_length=1, max_length=SENTENCES)


class ProgressLine(GoalProgress):
    participant: str = Field(min_length=1, max_length=PERSON)
    goal: str = Field(min_length=1, max_length=SENTENCES)
    evidence: str = Field(min_length=1, max_length=SENTENCES)


class FlagLine(Flag):
    detail: str = Field(min_length=1, max_length=SENTENCES)


class SummaryReply(_Reply):
    """A check-in summary's content."""

    overview: str = Field(max_length=OVERVIEW)
    learned: list[LearnedLine] = Field(default_factory=list, max_length=SUMMARY_ITEMS)
    action_items: list[ActionLine] = Field(default_factory=list, max_length=SUMMARY_ITEMS)
    decisions: list[Line] = Field(default_factory=list, max_length=SUMMARY_ITEMS)
    concerns: list[Line] = Field(default_factory=list, max_length=SUMMARY_ITEMS)
    goal_progress: list[ProgressLine] = Field(default_factory=list, max_length=SUMMARY_ITEMS)
    flags: list[FlagLine] = Field(default_factory=list, max_length=SUMMARY_ITEMS)


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


_CONTROL = re.compile(r"\s*[\x00-\x1f\x7f]+\s*")


def _one_line(value: Any) -> Any:
    """``value`` with the control characters in its strings (line breaks, tabs) folded into
    single spaces: every field of a reply is a line of text."""
    if isinstance(value, str):
        return _CONTROL.sub(" ", value).strip()
    if isinstance(value, list):
        return [_one_line(v) for v in value]
    if isinstance(value, dict):
        return {k: _one_line(v) for k, v in value.items()}
    return value


def parse_reply(text: str, model: type[M], *, truncated: bool = False) -> M:
    """Parse a reply into ``model``; raise ``LLMError`` saying what is wrong with it."""
    fenced = _FENCE.match(text)
    body = fenced.group(1) if fenced else text.strip()
    if not body:
        raise LLMError("the LLM reply was empty", kind="invalid_json")
    try:
        # strict=False: a raw line break inside a string (which small models write and some
        # grammars allow) is read, then folded into a space below, instead of failing.
        data = _one_line(json.loads(body, strict=False))
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
