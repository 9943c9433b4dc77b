"""Split loaded documents into passages, each with a stable citation id.

Markdown (and HTML, which the loader turns into Markdown) is split at headings with
LangChain's ``MarkdownHeaderTextSplitter``; a section longer than ``chunk_size`` is cut
further by ``RecursiveCharacterTextSplitter``. PDFs are split per page, plain text by
size. The citation id is ``<source>#<anchor>``: the anchor is the slug of the section's
own heading (``page-N`` for PDF pages, ``part-N`` for plain text), with ``-2``, ``-3``…
for later parts of a long section and for repeated headings.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from langchain_text_splitters import MarkdownHeaderTextSplitter, RecursiveCharacterTextSplitter

from assistant.knowledge.loaders import LoadedDocument

_HEADERS = [("#", "h1"), ("##", "h2"), ("###", "h3"), ("####", "h4")]
_MIN_CHARS = 30


@dataclass(frozen=True)
class Chunk:
    id: str
    source: str
    anchor: str
    title: str
    heading: str
    text: str
    ordinal: int
    page: int | None = None
    trail: tuple[str, ...] = ()  # every heading above the passage, outermost first

    @property
    def checked_text(self) -> str:
        """Everything a reader sees with this passage (title, the headings above it, the
        text, code blocks included), as Markdown: what the quarantine checks read."""
        lines = [f"# {self.title}"] if self.title else []
        trail = self.trail or ((self.heading,) if self.heading else ())
        lines += [f"{'#' * min(depth + 2, 6)} {h}" for depth, h in enumerate(trail) if h]
        return "\n\n".join(["\n".join(lines), self.text]) if lines else self.text

    @property
    def embed_text(self) -> str:
        """What gets embedded and indexed: the passage with its title and heading for context."""
        context = (
            self.title if self.heading in ("", self.title) else f"{self.title}: {self.heading}"
        )
        return f"{context}\n{self.text}"

    @property
    def digest(self) -> str:
        payload = "\x1f".join((self.title, self.heading, self.text, str(self.page)))
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:32]


def slugify(text: str) -> str:
    """GitHub-like heading anchor: lower case, runs of non-alphanumerics become one '-'."""
    return re.sub(r"[\W_]+", "-", text.lower()).strip("-") or "section"


@lru_cache(maxsize=8)
def _splitters(
    chunk_size: int, chunk_overlap: int
) -> tuple[MarkdownHeaderTextSplitter, RecursiveCharacterTextSplitter]:
    headers = MarkdownHeaderTextSplitter(headers_to_split_on=_HEADERS, strip_headers=True)
    sizer = RecursiveCharacterTextSplitter(
        chunk_size=chunk_size,
        chunk_overlap=min(chunk_overlap, chunk_size // 2),
        separators=["\n\n", "\n", ". ", "; ", ", ", " ", ""],
        keep_separator="end",
    )
    return headers, sizer


# `(.+?)[ \t]*$` would retry the trailing-space run from every character of a heading
# (quadratic on a long run of spaces); a greedy match stripped afterwards is linear.
_HEADING_LINE = re.compile(r"^(#{1,4})[ \t]+(\S.*)$", re.MULTILINE)


def _unmark(heading: str) -> str:
    """A heading without the invisible repeat tag added by _mark_repeated_headings."""
    at = heading.rfind("\u2063")
    if at >= 0 and heading[at + 1 :].isdigit():
        return heading[:at].rstrip()
    return heading


def _mark_repeated_headings(markdown: str) -> str:
    """Tag repeated headings invisibly; the splitter would otherwise merge their sections."""
    seen: dict[str, int] = {}

    def tag(match: re.Match[str]) -> str:
        text = match.group(2).rstrip()
        key = text.lower()
        seen[key] = seen.get(key, 0) + 1
        if seen[key] == 1:
            return match.group(0)
        return f"{match.group(1)} {text} \u2063{seen[key]}"

    return _HEADING_LINE.sub(tag, markdown)


class _Anchors:
    def __init__(self) -> None:
        self.used: set[str] = set()

    def take(self, base: str) -> str:
        anchor, n = base, 1
        while anchor in self.used:
            n += 1
            anchor = f"{base}-{n}"
        self.used.add(anchor)
        return anchor


def chunk_document(
    doc: LoadedDocument, *, chunk_size: int = 1200, chunk_overlap: int = 120
) -> list[Chunk]:
    headers, sizer = _splitters(chunk_size, chunk_overlap)
    anchors = _Anchors()
    chunks: list[Chunk] = []

    def emit(
        base: str,
        heading: str,
        pieces: Iterable[str],
        page: int | None = None,
        trail: tuple[str, ...] = (),
    ) -> None:
        for piece in pieces:
            text = re.sub("\u2063\\d*", "", piece).strip()
            if len(text) < _MIN_CHARS:
                continue
            anchor = anchors.take(base)
            chunks.append(
                Chunk(
                    id=f"{doc.source}#{anchor}",
                    source=doc.source,
                    anchor=anchor,
                    title=doc.title,
                    heading=heading,
                    text=text,
                    ordinal=len(chunks),
                    page=page,
                    trail=trail,
                )
            )

    if doc.kind == "pdf":
        for number, page_text in doc.pages:
            emit(f"page-{number}", f"Page {number}", sizer.split_text(page_text), page=number)
    elif doc.kind == "txt":
        for i, piece in enumerate(sizer.split_text(doc.text), start=1):
            emit(f"part-{i}", "", [piece])
    else:
        for section in headers.split_text(_mark_repeated_headings(doc.text)):
            trail = [section.metadata[key] for _, key in _HEADERS if key in section.metadata]
            trail = [_unmark(h) for h in trail]
            heading = trail[-1] if trail else ""
            # Text before any heading (or a page with none) is named after the page title.
            base = slugify(heading or doc.title) if (heading or doc.title) else "introduction"
            emit(base, heading, sizer.split_text(section.page_content), trail=tuple(trail))
    return chunks
