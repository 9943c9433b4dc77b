"""Read guidance files (.md, .txt, .html, .pdf) into clean Markdown-ish text plus metadata.

Each loader returns a :class:`LoadedDocument` or raises :class:`UnreadableFile` with a
short reason ("binary file", "empty", "not UTF-8 text", "encrypted PDF", ...). Template
noise that real handbooks carry (Django/Jinja/Liquid tags, inline HTML in Markdown,
images, link targets) is removed here so that passages read as plain guidance and cannot
smuggle URLs into answers. So is text a reader of the page never sees: elements hidden with
``display:none``, ``visibility:hidden``, a zero font size or opacity, the ``hidden`` or
``aria-hidden="true"`` attributes, HTML comments, and ``<script>``, ``<style>``,
``<template>`` and ``<noscript>`` blocks, in HTML files and in HTML inside Markdown alike.
Planted instructions hide there; what no reader sees is never guidance.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assistant.knowledge.hidden import cut_spans, drop_hidden_elements, drop_hidden_markup

SUPPORTED_SUFFIXES = (".md", ".markdown", ".txt", ".html", ".htm", ".pdf")
MAX_FILE_BYTES = 50 * 1024 * 1024

# Every pattern here runs on whole files from users: each repeated part stops at the next
# opening delimiter, so no pattern rescans the rest of the text from every failed start
# (lazy ``.*?`` spans are cut in one pass by ``cut_spans`` / ``_strip_template_tags``).
_TEMPLATE_COMMENT_OPEN = re.compile(r"\{%-?[ \t]*comment[ \t]*-?%\}")
_TEMPLATE_COMMENT_CLOSE = re.compile(r"\{%-?[ \t]*endcomment[ \t]*-?%\}")
_TEMPLATE_CLOSERS = {"{%": "%}", "{{": "}}", "{#": "#}"}
_TEMPLATE_OPENER = re.compile(r"\{[%{#]")
_HTML_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]*)?/?>")
_MD_IMAGE = re.compile(r"!\[([^\[\]]*)\]\([^()]*\)")
_MD_LINK = re.compile(r"\[([^\[\]]+)\]\([^()]*\)")
_MD_REF_DEF = re.compile(r"^[ \t]{0,3}\[[^\]\n]+\]:[ \t]*\S+.*$", re.MULTILINE)
_BARE_URL = re.compile(r"<?https?://[^\s>)]+>?")
_KRAMDOWN_ATTR = re.compile(r"\{:[^{}]*\}")
_BLANK_RUN = re.compile(r"\n{3,}")


class UnreadableFile(Exception):
    """A file that cannot be ingested; ``str(exc)`` is the reason shown to the user."""


@dataclass
class LoadedDocument:
    path: Path
    source: str
    kind: str
    title: str
    doc_id: str
    text: str
    modes: list[str] = field(default_factory=lambda: ["all"])
    audiences: list[str] = field(default_factory=lambda: ["all"])
    topics: list[str] = field(default_factory=list)
    pages: list[tuple[int, str]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def file_sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def read_bytes(path: Path) -> bytes:
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise UnreadableFile(f"cannot stat ({exc.strerror or exc})") from None
    if size == 0:
        raise UnreadableFile("empty file")
    if size > MAX_FILE_BYTES:
        raise UnreadableFile(f"too large ({size / 1e6:.0f} MB; limit {MAX_FILE_BYTES // 10**6} MB)")
    try:
        return path.read_bytes()
    except OSError as exc:
        raise UnreadableFile(f"cannot read ({exc.strerror or exc})") from None


def decode_text(data: bytes) -> str:
    """Decode a text file, refusing binary data rather than guessing."""
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError:
            raise UnreadableFile("invalid UTF-16 text") from None
    else:
        if b"\x00" in data[:8192]:
            raise UnreadableFile("binary file (contains NUL bytes)")
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            # Old Windows exports are common in handbooks; anything else is refused below.
            try:
                text = data.decode("cp1252")
            except UnicodeDecodeError:
                raise UnreadableFile("not UTF-8 text") from None
    sample = text[:8192]
    controls = sum(1 for ch in sample if unicodedata.category(ch) == "Cc" and ch not in "\n\r\t\f")
    if controls > 0.05 * max(1, len(sample)):
        raise UnreadableFile("binary file (mostly control characters)")
    return text


def normalise(text: str) -> str:
    """NFKC (expands ligatures like 'ﬁ'), unified newlines, no trailing spaces, no blank runs."""
    text = unicodedata.normalize("NFKC", text).replace("\r\n", "\n").replace("\r", "\n")
    text = text.replace("\u00ad", "").replace("\u200b", "").replace("\xa0", " ")
    text = "\n".join(line.rstrip() for line in text.split("\n"))
    return _BLANK_RUN.sub("\n\n", text).strip()


def strip_template_noise(text: str) -> str:
    """Text without template comments and tags ({% %}, {{ }}, {# #}) or HTML comments."""
    text = _strip_template_comments(text)
    text = _strip_template_tags(text)
    # An unclosed HTML comment stays: the loaders drop it and the rest, with a warning.
    text, _ = cut_spans(text, "<!--", "-->", keep_unclosed=True)
    return text


def _strip_template_comments(text: str) -> str:
    if "comment" not in text:
        return text
    parts: list[str] = []
    position = 0
    while True:
        opener = _TEMPLATE_COMMENT_OPEN.search(text, position)
        closer = _TEMPLATE_COMMENT_CLOSE.search(text, opener.end()) if opener else None
        if opener is None or closer is None:
            parts.append(text[position:])
            return "".join(parts)
        parts.append(text[position : opener.start()])
        position = closer.end()


def _strip_template_tags(text: str) -> str:
    """Remove {% %}, {{ }} and {# #} tags (each up to its first closer), in one pass: once
    an opener has no closer, no later opener of that kind has one either."""
    parts: list[str] = []
    position = 0
    no_closer: set[str] = set()
    search_from = 0
    while True:
        match = _TEMPLATE_OPENER.search(text, search_from)
        if match is None:
            break
        opener = match.group(0)
        if opener in no_closer:
            search_from = match.start() + 1
            continue
        end = text.find(_TEMPLATE_CLOSERS[opener], match.end())
        if end < 0:
            no_closer.add(opener)
            search_from = match.start() + 1
            continue
        parts.append(text[position : match.start()])
        position = search_from = end + 2
    parts.append(text[position:])
    return "".join(parts)


def clean_markdown(text: str, warnings: list[str] | None = None) -> str:
    """Markdown reduced to text and headings: no images, link targets, HTML or template tags,
    and nothing that HTML inside it hides from a reader (see :mod:`.hidden`)."""
    text = strip_template_noise(text)
    text, cut = drop_hidden_markup(text)
    if warnings is not None:
        warnings.extend(cut)
    text = _MD_IMAGE.sub("", text)
    text = _MD_LINK.sub(r"\1", text)
    text = _MD_REF_DEF.sub("", text)
    text = _KRAMDOWN_ATTR.sub("", text)
    text = _HTML_TAG.sub("", text)
    text = _BARE_URL.sub("", text)
    return normalise(text)


def _as_list(value: Any, default: list[str]) -> list[str]:
    if value is None or value == "":
        return list(default)
    if isinstance(value, str):
        items = [v.strip() for v in value.split(",")]
    elif isinstance(value, (list, tuple)):
        items = [str(v).strip() for v in value]
    else:
        return list(default)
    return [i.lower() for i in items if i] or list(default)


_HEADING = re.compile(r"^#{1,3}[ \t]+(\S.*)$", re.MULTILINE)


def _first_heading(markdown: str) -> str | None:
    match = _HEADING.search(markdown)
    return match.group(1).rstrip().rstrip("#").strip() or None if match else None


def load_markdown(path: Path, source: str, data: bytes) -> LoadedDocument:
    import frontmatter
    import yaml

    raw = decode_text(data)
    warnings: list[str] = []
    meta: dict[str, Any] = {}
    body = raw
    try:
        post = frontmatter.loads(raw)
        meta, body = dict(post.metadata), post.content
    except (yaml.YAMLError, ValueError, TypeError) as exc:
        warnings.append(f"front matter ignored ({type(exc).__name__})")
    text = clean_markdown(body, warnings)
    if not text:
        raise UnreadableFile("no text after removing front matter and markup")
    title = str(meta.get("title") or _first_heading(text) or path.stem.replace("-", " ").strip())
    return LoadedDocument(
        path=path,
        source=source,
        kind="md",
        title=clean_markdown(title) or path.stem,
        doc_id=str(meta.get("id") or path.stem),
        text=text,
        modes=_as_list(meta.get("modes"), ["all"]),
        audiences=_as_list(meta.get("audiences"), ["all"]),
        topics=_as_list(meta.get("topics"), []),
        warnings=warnings,
    )


def load_text(path: Path, source: str, data: bytes) -> LoadedDocument:
    text = normalise(decode_text(data))
    if not text:
        raise UnreadableFile("empty (only whitespace)")
    return LoadedDocument(
        path=path,
        source=source,
        kind="txt",
        title=path.stem.replace("_", " ").replace("-", " ").strip() or path.name,
        doc_id=path.stem,
        text=text,
    )


def load_html(path: Path, source: str, data: bytes) -> LoadedDocument:
    from bs4 import BeautifulSoup
    from markdownify import markdownify

    from assistant.knowledge import html_tree

    warnings: list[str] = []
    raw = strip_template_noise(decode_text(data))
    opened = raw.find("<!--")
    if opened >= 0:  # a comment left open hides the rest of the page in a browser
        raw = raw[:opened]
        warnings.append("an HTML comment is never closed; the text after it was left out")
    soup = BeautifulSoup(_defuse_broken_tags(raw), "html.parser")
    drop_hidden_elements(soup)
    title_tag = soup.find("title")
    title = title_tag.get_text(" ", strip=True) if title_tag else ""
    html_tree.remove_elements(soup, lambda node: getattr(node, "name", None) in _PAGE_CHROME)
    body = soup.body or soup
    depth = html_tree.max_depth(body)
    if depth > html_tree.MAX_DEPTH:
        # Too deep for markdownify (minutes, then a stack overflow): read it as plain text,
        # hidden parts already gone, rather than lose the page.
        markdown = html_tree.flat_markdown(body)
        warnings.append(
            f"markup nested {depth} levels deep (limit {html_tree.MAX_DEPTH}); "
            "read as plain paragraphs and headings"
        )
    else:
        html_tree.collapse_whitespace(body, _WHITESPACE_RUN)
        markdown = markdownify(str(body), heading_style="ATX", strip=["a", "img"])
    text = clean_markdown(markdown, warnings)
    if not text:
        raise UnreadableFile("no text in the HTML body")
    title = title or _first_heading(text) or path.stem
    return LoadedDocument(
        path=path,
        source=source,
        kind="html",
        title=normalise(title),
        doc_id=path.stem,
        text=text,
        warnings=warnings,
    )


# Page furniture around the content, dropped with what it contains.
_PAGE_CHROME = frozenset(
    "nav header footer aside form iframe svg button head textarea select object embed".split()
)
# Whitespace runs become one space outside <pre>, as a browser shows them (markdownify
# escapes text with patterns that are quadratic on a long run of spaces).
_WHITESPACE_RUN = re.compile(r"[ \t\r\n\f]{2,}")


def _defuse_broken_tags(html: str) -> str:
    """Escape each ``<`` that starts something tag-like but meets another ``<`` (or the end)
    before any ``>``. Python's html.parser rescans the rest of the page from every such
    opener (``<a <a <a …`` takes minutes); a browser shows them as text anyway."""
    if "<" not in html:
        return html
    parts = html.split("<")
    out = [parts[0]]
    for part in parts[1:]:
        broken = part[:1].isalpha() or part[:1] in "/!?"
        out.append(("&lt;" if broken and ">" not in part else "<") + part)
    return "".join(out)


def load_pdf(path: Path, source: str, data: bytes) -> LoadedDocument:
    import io
    import logging

    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    if not data.startswith(b"%PDF"):
        raise UnreadableFile("not a PDF (missing %PDF header)")
    logging.getLogger("pypdf").setLevel(logging.ERROR)
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise UnreadableFile("encrypted PDF")
        pages: list[tuple[int, str]] = []
        seen: set[str] = set()
        for number, page in enumerate(reader.pages, start=1):
            text = _clean_pdf_text(page.extract_text() or "")
            key = re.sub(r"\W+", "", text.lower())
            # Slide decks repeat whole pages (agenda slides, section dividers); keep one copy.
            if len(key) < 20 or key in seen:
                continue
            seen.add(key)
            pages.append((number, text))
        title = ""
        if reader.metadata and reader.metadata.title:
            title = str(reader.metadata.title).strip()
    except UnreadableFile:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as exc:
        raise UnreadableFile(f"unreadable PDF ({type(exc).__name__}: {exc})") from None
    if not pages:
        raise UnreadableFile("PDF has no extractable text (scanned images?)")
    return LoadedDocument(
        path=path,
        source=source,
        kind="pdf",
        title=title or path.stem,
        doc_id=path.stem,
        text="\n\n".join(text for _, text in pages),
        pages=pages,
    )


def _clean_pdf_text(text: str) -> str:
    text = normalise(text)
    text = re.sub(r"(\w)-\n(\w)", r"\1\2", text)  # words hyphenated across lines
    text = re.sub(r"[ \t]+", " ", text)
    return text.strip()


LOADERS = {
    ".md": load_markdown,
    ".markdown": load_markdown,
    ".txt": load_text,
    ".html": load_html,
    ".htm": load_html,
    ".pdf": load_pdf,
}


def load_document(path: Path, source: str, data: bytes) -> LoadedDocument:
    loader = LOADERS.get(path.suffix.lower())
    if loader is None:
        raise UnreadableFile(f"unsupported file type {path.suffix or '(none)'}")
    return loader(path, source, data)
