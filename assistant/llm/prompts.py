"""The LLM prompts: jinja2 templates in ``prompts/``, one per task.

Templates are plain text with ``StrictUndefined`` (a missing variable is an error, never an
empty string). Untrusted text (notes, profiles, passages, questions, drafts) goes in through
the ``data`` filter, which removes anything that looks like one of the delimiting tags, so
such text cannot close its tag and pose as instructions.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from assistant.config import bundled_prompts_dir

TEMPLATES = {
    "system": "system.j2",
    "agenda": "agenda.j2",
    "questions": "questions.j2",
    "topics": "topics.j2",
    "summary": "summary.j2",
    "answer": "answer.j2",
}
_TAGS = r"(?:notes|note|profiles?|passages?|question|draft|previous|data|instructions?|system)"
_TAG = re.compile(rf"<\s*/?\s*{_TAGS}\b[^>]*>", re.IGNORECASE)


def as_data(value: object) -> str:
    """Text safe to put between delimiting tags: tag look-alikes are replaced."""
    return _TAG.sub("[tag removed]", str(value))


class Prompts:
    """Renders the templates of one directory (the bundled ``prompts/`` by default)."""

    def __init__(self, directory: Path | None = None) -> None:
        from jinja2 import Environment, FileSystemLoader, StrictUndefined

        self.directory = directory or bundled_prompts_dir()
        self.env = Environment(
            loader=FileSystemLoader(self.directory),
            undefined=StrictUndefined,
            autoescape=False,  # text for a model, never rendered as HTML
            keep_trailing_newline=False,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.env.filters["data"] = as_data

    def render(self, task: str, **variables: Any) -> str:
        """The prompt of ``task`` (a key of :data:`TEMPLATES`)."""
        return self.env.get_template(TEMPLATES[task]).render(**variables).strip() + "\n"
