"""Find the parts of an HTML page (or of HTML inside Markdown) that a reader never sees.

A page can carry text that no browser shows: an element styled ``display:none``,
``visibility:hidden``, ``font-size:0`` or ``opacity:0``, one with the ``hidden`` or
``aria-hidden="true"`` attribute or a hiding class (``hidden``, ``d-none``, ``sr-only``…),
a closed ``<dialog>``, comments, and ``<script>``, ``<style>``, ``<template>`` or
``<noscript>`` blocks. That is where instructions aimed at an AI get planted, so the
loaders drop all of it, content included, before any text becomes a passage.

:func:`drop_hidden_elements` works on a BeautifulSoup tree (HTML files);
:func:`drop_hidden_markup` on raw text (Markdown, which may embed HTML), where it pairs
each hidden element's opening tag with its closing tag. An element left open hides the
rest of the page in a browser, so the rest of the text is dropped too (failing closed).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache
from html.parser import HTMLParser
from typing import Any

# Elements whose content is never shown as text.
INVISIBLE_ELEMENTS = ("script", "style", "template", "noscript")
# Raw-text elements end at the first closing tag (no nesting inside them).
_RAW_TEXT = {"script", "style", "textarea", "title", "xmp"}
_VOID = {
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
    "track", "wbr",
}  # fmt: skip
_HIDING_CLASSES = {
    "hidden", "d-none", "invisible", "sr-only", "visually-hidden", "screen-reader-text",
    "is-hidden", "hide",
}  # fmt: skip
_ZERO = re.compile(r"[+-]?(?:0+\.?0*|\.0+)(?:[a-z]+|%)?")
_OPEN_TAG = re.compile(r"<([A-Za-z][A-Za-z0-9-]*)(\s[^<>]*)?>")
# Only tags mentioning one of these can hide anything (a cheap test before parsing one).
_HINTS = ("hidden", "style", "class", "dialog")


def cut_spans(
    text: str, opener: str, closer: str, *, keep_unclosed: bool = False
) -> tuple[str, bool]:
    """``text`` without every ``opener``…``closer`` span, in one pass (a lazy regex such as
    ``<!--.*?-->`` rescans the rest of the text from every unclosed opener: quadratic).
    An opener left unclosed drops the rest of the text (or keeps it, with
    ``keep_unclosed``); the flag says whether there was one."""
    if opener not in text:
        return text, False
    parts: list[str] = []
    position = 0
    while True:
        start = text.find(opener, position)
        if start < 0:
            parts.append(text[position:])
            return "".join(parts), False
        parts.append(text[position:start])
        end = text.find(closer, start + len(opener))
        if end < 0:
            if keep_unclosed:
                parts.append(text[start:])
            return "".join(parts), True
        position = end + len(closer)


def hidden_style(style: str) -> bool:
    """True when an inline ``style`` attribute hides the element's text."""
    style, _ = cut_spans(style.lower(), "/*", "*/")
    for declaration in style.split(";"):
        prop, _, value = declaration.partition(":")
        prop = prop.strip()
        value = " ".join(value.replace("!important", " ").split())
        if not value:
            continue
        if prop == "display" and value == "none":
            return True
        if prop == "visibility" and value in ("hidden", "collapse"):
            return True
        if prop in ("font-size", "opacity") and _ZERO.fullmatch(value):
            return True
        if prop == "font" and any(
            _ZERO.fullmatch(part) for part in re.split(r"[\s/]+", value) if part[:1].isdigit()
        ):
            return True  # the `font: 0/0 a` trick
    return False


def is_hidden(name: str, attrs: Mapping[str, Any]) -> bool:
    """True when an element with this tag name and these attributes is never seen."""
    name = name.lower()
    if name in INVISIBLE_ELEMENTS:
        return True
    values = {k.lower(): _as_text(v) for k, v in attrs.items()}
    if "hidden" in values:
        return True
    if values.get("aria-hidden", "").strip().lower() == "true":
        return True
    if name == "dialog" and "open" not in values:
        return True
    if _HIDING_CLASSES & set(values.get("class", "").lower().split()):
        return True
    return hidden_style(values.get("style", ""))


def _as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        return " ".join(str(v) for v in value)
    return str(value)


def drop_hidden_elements(soup: Any) -> None:
    """Remove hidden elements (with their content) and comments from a BeautifulSoup tree,
    in time linear in its size (see :mod:`.html_tree`)."""
    from bs4 import Comment, Tag

    from assistant.knowledge.html_tree import remove_elements

    def hidden(node: Any) -> bool:
        if isinstance(node, Tag):
            return is_hidden(node.name, node.attrs)
        return isinstance(node, Comment)

    remove_elements(soup, hidden)


class _Attributes(HTMLParser):
    """Parses one opening tag, so attribute quoting and entities follow HTML's rules."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.attrs: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.attrs = {k: v or "" for k, v in attrs}

    handle_startendtag = handle_starttag


def _attributes(tag: str) -> dict[str, str]:
    parser = _Attributes()
    parser.feed(tag)
    parser.close()
    return parser.attrs


@lru_cache(maxsize=64)
def _tag_pattern(name: str) -> re.Pattern[str]:
    return re.compile(rf"<(/?){re.escape(name)}(?=[\s/>])[^<>]*>", re.IGNORECASE)


def _element_end(text: str, name: str, start: int) -> int | None:
    """Where the element opened just before ``start`` ends, or None when it never closes."""
    depth = 1
    for match in _tag_pattern(name).finditer(text, start):
        if match.group(1):
            depth -= 1
            if depth == 0 or name in _RAW_TEXT:
                return match.end()
        elif name not in _RAW_TEXT and not match.group(0).endswith("/>"):
            depth += 1
    return None


def drop_hidden_markup(text: str) -> tuple[str, list[str]]:
    """``text`` without hidden HTML elements and comments, and warnings about what was cut
    beyond a single element (an unclosed comment or hidden element drops the rest)."""
    warnings: list[str] = []
    if "<" not in text:
        return text, warnings
    text, unclosed = cut_spans(text, "<!--", "-->")
    if unclosed:
        warnings.append("an HTML comment is never closed; the text after it was left out")
    parts: list[str] = []
    cursor = 0
    while True:
        match = _OPEN_TAG.search(text, cursor)
        if match is None:
            break
        name = match.group(1).lower()
        tag = match.group(0)
        lowered = tag.lower()
        if not (
            name in INVISIBLE_ELEMENTS
            or (any(h in lowered for h in _HINTS) and is_hidden(name, _attributes(tag)))
        ):
            parts.append(text[cursor : match.end()])
            cursor = match.end()
            continue
        parts.append(text[cursor : match.start()])
        if name in _VOID or tag.endswith("/>"):
            cursor = match.end()
            continue
        end = _element_end(text, name, match.end())
        if end is None:
            warnings.append(
                f"a hidden <{name}> element is never closed; the text after it was left out"
            )
            cursor = len(text)
            break
        cursor = end
    parts.append(text[cursor:])
    return "".join(parts), warnings
