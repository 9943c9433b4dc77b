"""Structured guidance the planners use: the reciprocal question bank and the
reverse-mentoring topic catalog (``knowledge/data/*.yaml``).

Both are data written in the project's own words; every entry cites the guide passages it
rests on, and the test suite checks that those citations resolve in the index.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from assistant.errors import ConfigError

M = TypeVar("M", bound=BaseModel)
Direction = Literal["junior-teaches", "senior-teaches", "peer", "any"]


class _Data(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Category(_Data):
    id: str
    label: str
    description: str
    typical_of: Literal["junior", "senior", "any"]
    citations: tuple[str, ...] = ()

    @property
    def match_text(self) -> str:
        return f"{self.label}: {self.description}"


class BankQuestion(_Data):
    id: str
    category: str
    direction: Direction
    modes: tuple[str, ...] = ("all",)
    text: str
    citations: tuple[str, ...] = ()

    def fits(self, mode: str) -> bool:
        return "all" in self.modes or mode in self.modes


class QuestionBank(_Data):
    version: int
    categories: tuple[Category, ...]
    questions: tuple[BankQuestion, ...]

    def category(self, category_id: str) -> Category:
        for category in self.categories:
            if category.id == category_id:
                return category
        raise KeyError(category_id)


class CatalogPitfall(_Data):
    id: str
    title: str
    text: str
    citations: tuple[str, ...] = ()


class CatalogTopic(_Data):
    id: str
    topic: str
    description: str
    skills: tuple[str, ...] = ()
    starter_questions: tuple[str, ...] = Field(min_length=1)
    pitfalls: tuple[str, ...] = ()
    citations: tuple[str, ...] = ()

    @property
    def match_text(self) -> str:
        return f"{self.topic}. {self.description} Skills: {', '.join(self.skills)}."


class TopicCatalog(_Data):
    version: int
    pitfalls: tuple[CatalogPitfall, ...]
    topics: tuple[CatalogTopic, ...]


def _read(path: Path) -> object:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(
            f"Guidance data file missing: {path}",
            hint="Check COMENTOR_KNOWLEDGE_DIR points at a knowledge folder with data/.",
        ) from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path} is not valid YAML: {exc}") from None


def _load(path: Path, model: type[M]) -> M:
    try:
        return model.model_validate(_read(path))
    except ValidationError as exc:
        raise ConfigError(f"{path}: {exc}") from None


@lru_cache(maxsize=4)
def load_question_bank(knowledge_dir: Path) -> QuestionBank:
    return _load(knowledge_dir / "data" / "question_bank.yaml", QuestionBank)


@lru_cache(maxsize=4)
def load_topic_catalog(knowledge_dir: Path) -> TopicCatalog:
    return _load(knowledge_dir / "data" / "reverse_topics.yaml", TopicCatalog)
