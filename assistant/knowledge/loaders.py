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

from assistant.knowledge.hidden import drop_hidden_elements, drop_hidden_markup

SUPPORTED_SUFFIXES = (".md", ".markdown", ".txt", ".html", ".htm", ".pdf")
MAX_FILE_BYTES = 50 * 1024 * 1024

_TEMPLATE_TAG = re.compile(r"\{%-?.*?-?%\}|\{\{.*?\}\}|\{#.*?#\}", re.DOTALL)
_TEMPLATE_COMMENT = re.compile(r"\{%-?\s*comment\s*-?%\}.*?\{%-?\s*endcomment\s*-?%\}", re.DOTALL)
_HTML_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_HTML_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]*)?/?>")
_MD_IMAGE = re.compile(r"!\[([^\]]*)\]\([^)]*\)")
_MD_LINK = re.compile(r"\[([^\]]+)\]\([^)]*\)")
_MD_REF_DEF = re.compile(r"^\s{0,3}\[[^\]]+\]:\s*\S+.*$", re.MULTILINE)
_BARE_URL = re.compile(r"<?https?://[^\s>)]+>?")
_KRAMDOWN_ATTR = re.compile(r"\{:[^}]*\}")
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
    text = _TEMPLATE_COMMENT.sub("", text)
    text = _TEMPLATE_TAG.sub("", text)
    return _HTML_COMMENT.sub("", text)


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


def _first_heading(markdown: str) -> str | None:
    match = re.search(r"^#{1,3}\s+(.+?)\s*#*\s*$", markdown, re.MULTILINE)
    return match.group(1).strip() if match else None


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

    warnings: list[str] = []
    raw = strip_template_noise(decode_text(data))
    opened = raw.find("<!--")
    if opened >= 0:  # a comment left open hides the rest of the page in a browser
        raw = raw[:opened]
        warnings.append("an HTML comment is never closed; the text after it was left out")
    soup = BeautifulSoup(raw, "html.parser")
    drop_hidden_elements(soup)
    title_tag = soup.find("title")
    title = title_tag.get_text(" ", strip=True) if title_tag else ""
    for tag in soup(
        [
            "nav",
            "header",
            "footer",
            "aside",
            "form",
            "iframe",
            "svg",
            "button",
            "head",
            "textarea",
            "select",
            "object",
            "embed",
        ]
    ):
        tag.decompose()
    body = soup.body or soup
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
