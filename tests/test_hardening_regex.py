"""No input hangs: every entry point that runs regexes on user text finishes in linear time.

Each check times (CPU time of this process) an adversarial input and one ten times longer,
and asserts the longer one costs at most 40x the shorter plus a small constant: a linear
entry point costs about 10x, a quadratic one 100x (the summarizer's transcript regex took
minutes on 500,000 spaces before it was fixed). No wall-clock limits.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from assistant.answer import split_sentences
from assistant.program import Program, parse_program
from assistant.safety import asks_for_records, clean_text, looks_like_instruction, marks_private
from assistant.summary import summarize_checkin
from tests.conftest import EVALS
from tests.test_cli_planners import NORTHWIND, env  # noqa: F401  (fixture)

ADVERSARIAL: dict[str, Callable[[int], str]] = {
    "spaces": lambda n: " " * n + "x",
    "spaces-then-colon": lambda n: "Amara" + " " * n + "x",
    "tabs": lambda n: "x" + "\t" * n + "x",
    "dashes": lambda n: "-" * n + "x",
    "dots": lambda n: "." * n + "x",
    "digits": lambda n: "1" * n,
    "capitals": lambda n: "A" * n,
    "open-brackets": lambda n: "[" * n,
    "nested-brackets": lambda n: "(" * (n // 2) + ")" * (n // 2),
    "image-openers": lambda n: "![" * (n // 2),
    "tag-openers": lambda n: "<a " * (n // 3),
    "a-space": lambda n: "a " * (n // 2),
    "space-dash": lambda n: " -" * (n // 2),
    "commas": lambda n: ", " * (n // 2),
    "newlines": lambda n: "a\n" * (n // 2),
    "bullets": lambda n: "- " * (n // 2),
    "dotted-words": lambda n: "a." * (n // 2),
    "colons": lambda n: ":" * n,
    # Shapes aimed at the ingest path and the privacy checks (issue 7 audit).
    "newline-runs": lambda n: "a" + "\n" * n + "x",
    "dot-then-newlines": lambda n: "." + "\n" * n + "confidential",
    "line-separators": lambda n: "private" + "\u2028" * n + "x\n",
    "underscores": lambda n: "_" * n + "x",
    "underscored-label": lambda n: "_private" * (n // 8),
    "image-runs": lambda n: "![" * (n // 2) + "x](y",
    "link-runs": lambda n: "[" * n + "x](y",
    "heading-spaces": lambda n: "# a" + " " * n + "b",
    "div-nesting": lambda n: "<div>" * (n // 5) + "Deep text.",
    "a-title-repeats": lambda n: '<a title=">x' * (n // 11),
}
SMALL = 2_000
RATIO = 40
SLACK = 0.5  # seconds: start-up noise on a busy machine, far below any quadratic blow-up


def _cost(fn: Callable[[str], object], text: str) -> float:
    start = time.process_time()
    fn(text)
    return time.process_time() - start


def assert_linear(fn: Callable[[str], object], make: Callable[[int], str], small: int) -> None:
    fn(make(100))  # warm caches and lazy imports
    one = _cost(fn, make(small))
    ten = _cost(fn, make(small * 10))
    assert ten < RATIO * one + SLACK, f"{small * 10} chars: {ten:.3f}s; {small}: {one:.3f}s"


@pytest.fixture(scope="module")
def northwind() -> Program:
    import yaml

    data = yaml.safe_load((EVALS / "programs" / "northwind.yaml").read_text(encoding="utf-8"))
    return parse_program(data)


@pytest.mark.parametrize("kind", sorted(ADVERSARIAL))
def test_summarize_checkin_is_linear(kind: str, northwind: Program) -> None:
    rel = northwind.relationship("amara-leo-reverse")

    def summarize(text: str) -> object:
        return summarize_checkin(
            text, program=northwind, relationship=rel, date=dt.date(2026, 3, 1)
        )

    assert_linear(summarize, ADVERSARIAL[kind], SMALL)


@pytest.mark.parametrize("kind", sorted(ADVERSARIAL))
def test_detectors_and_cleaner_are_linear(kind: str) -> None:
    for fn in (clean_text, looks_like_instruction, marks_private, asks_for_records):
        assert_linear(fn, ADVERSARIAL[kind], 10_000)


@pytest.mark.parametrize("kind", ["spaces", "dotted-words", "tag-openers", "digits"])
def test_cleaner_on_a_1mb_line(kind: str) -> None:
    assert_linear(clean_text, ADVERSARIAL[kind], 100_000)  # one 1 MB line against 100 KB


@pytest.mark.parametrize("kind", sorted(ADVERSARIAL))
def test_answer_sentences_are_linear(kind: str) -> None:
    assert_linear(split_sentences, ADVERSARIAL[kind], SMALL)


def test_program_parsing_is_linear() -> None:
    def parse(text: str) -> object:
        people = [
            {"id": f"p{i}", "name": f"P {i}", "skills": [text[:300]], "bio": text[:4000]}
            for i in range(len(text) // 1000 + 2)
        ]
        return parse_program({"participants": people})

    for kind in ("spaces", "tag-openers", "dotted-words", "image-openers"):
        assert_linear(parse, ADVERSARIAL[kind], SMALL)


def test_the_500k_spaces_line_summarizes(northwind: Program) -> None:
    """The reported hang: once minutes, now linear (checked against a 50 KB line)."""
    rel = northwind.relationship("amara-leo-reverse")
    line = "Amara: " + " " * 500_000 + "we agreed Leo drafts the template by Friday."

    def summarize(text: str) -> object:
        return summarize_checkin(
            text, program=northwind, relationship=rel, date=dt.date(2026, 3, 1)
        )

    assert_linear(summarize, lambda n: line[: n // 10 * 10] + " x.", 50_000)


@pytest.mark.parametrize("kind", ["spaces", "dashes", "nested-brackets", "a-space"])
def test_cli_summarize_on_stdin_is_linear(kind: str, env: Path) -> None:  # noqa: F811
    from typer.testing import CliRunner

    import assistant.cli.plan  # noqa: F401  (registers the command)
    from assistant.cli import app

    runner = CliRunner()
    args = [
        "summarize",
        "-",
        "-p",
        NORTHWIND,
        "--pair",
        "amara-leo-reverse",
        "--date",
        "2026-03-01",
    ]

    def summarize(text: str) -> object:
        result = runner.invoke(app, args, input=text.encode("utf-8"))
        assert result.exit_code in (0, 7), result.output  # a summary or a clear error
        return result

    assert_linear(summarize, ADVERSARIAL[kind], SMALL)


# -- the ingest path: loaders, chunker and the privacy checks run on guidance files ---------


@pytest.mark.parametrize("suffix", [".md", ".txt", ".html"])
@pytest.mark.parametrize("kind", sorted(ADVERSARIAL))
def test_loading_adversarial_files_is_linear(kind: str, suffix: str, tmp_path: Path) -> None:
    """Each kind written to a file and loaded as guidance, then cut into passages (as
    ingest does); a file left without text is refused, which is fine here."""
    import contextlib

    from assistant.knowledge.chunking import chunk_document
    from assistant.knowledge.loaders import UnreadableFile, load_document, read_bytes

    path = tmp_path / f"page{suffix}"

    def load(text: str) -> object:
        path.write_text(text, encoding="utf-8")
        with contextlib.suppress(UnreadableFile):
            return chunk_document(load_document(path, path.name, read_bytes(path)))
        return None

    assert_linear(load, ADVERSARIAL[kind], SMALL)


@pytest.mark.parametrize("kind", sorted(ADVERSARIAL))
def test_chunker_is_linear(kind: str) -> None:
    """The chunker on raw text (no loader cleaning first), as Markdown and as plain text."""
    from assistant.knowledge.chunking import chunk_document
    from assistant.knowledge.loaders import LoadedDocument

    for doc_kind in ("md", "txt"):

        def chunk(text: str, doc_kind: str = doc_kind) -> object:
            doc = LoadedDocument(Path("p"), "p", doc_kind, "Title", "p", text)
            return chunk_document(doc)

        assert_linear(chunk, ADVERSARIAL[kind], SMALL)


@pytest.mark.parametrize("kind", sorted(ADVERSARIAL))
def test_privacy_detectors_are_linear(kind: str) -> None:
    """Every privacy check, and the quarantine check ingest runs on each passage."""
    from assistant.privacy import (
        labelled_private,
        leads_with_label,
        points_back,
        private_heading,
        private_intent,
    )
    from assistant.safety import quarantine_reason

    for fn in (
        labelled_private,
        leads_with_label,
        private_heading,
        points_back,
        private_intent,
        quarantine_reason,
    ):
        assert_linear(fn, ADVERSARIAL[kind], 10_000)
