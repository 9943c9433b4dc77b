"""Work on a parsed HTML page (a BeautifulSoup tree) in time linear in its size, whatever
its shape.

BeautifulSoup's conveniences are fine on ordinary pages but not on hostile ones:
``decompose``, ``extract`` and ``replace_with`` look an element up among its siblings
(quadratic over thousands of siblings), ``find_parent`` climbs every ancestor and the
``decomposed`` check searches the whole subtree (quadratic over deep nesting), and
markdownify recurses once per level (12,000 nested ``<div>`` took minutes and then
overflowed the stack; so did 60 kB of ``<a title=">x`` repeated, which nests one ``<a>`` in
the next). The walks here keep their own stack and know each child's index, so every node
costs O(1), and :func:`flat_markdown` reads a page too deeply nested for markdownify.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from bs4 import NavigableString, PageElement, Tag
from bs4.element import PreformattedString

# Deeper pages are read as plain text (paragraphs, headings, list items and preformatted
# blocks kept; tables, links and emphasis flattened) instead of going through markdownify,
# which recurses about three Python frames per level and copies each level's text once
# more. Real pages nest 10-30 levels (the Outreachy handbook pages: at most 10); html.parser
# also nests every unclosed <p> or <li> in the one before, so legacy pages can go deeper,
# and still read well flat.
MAX_DEPTH = 100

# Elements whose text keeps its line breaks and spaces.
PREFORMATTED = frozenset({"pre", "code", "textarea"})
_BLOCKS = frozenset(
    "address article aside blockquote caption dd details dialog div dl dt fieldset figcaption "
    "figure footer form header hr li main nav ol p pre section summary table tbody tfoot "
    "thead tr ul".split()
)
_HEADINGS = {f"h{level}": level for level in range(1, 7)}
_SPACE_RUN = re.compile(r"[ \t\r\n\f]+")


def remove_elements(root: Tag, drop: Callable[[PageElement], bool]) -> int:
    """Remove from ``root`` every node (element, comment or text) for which ``drop`` is
    true, with everything inside it (what is inside a dropped node is not looked at).
    Returns how many were removed."""
    doomed: list[tuple[PageElement, int]] = []
    stack = [root]
    while stack:
        node = stack.pop()
        for index, child in enumerate(node.contents):
            if drop(child):
                doomed.append((child, index))
            elif isinstance(child, Tag):
                stack.append(child)
    # A parent's doomed children were recorded together, in order; removing them last first
    # never moves a sibling still to be removed, so each recorded index stays right (and
    # saves bs4 a scan of the siblings per removal).
    for element, index in reversed(doomed):
        element.extract(_self_index=index)
    return len(doomed)


def max_depth(root: Tag) -> int:
    """How many levels of elements ``root`` holds (0 when it holds only text)."""
    deepest = 0
    stack = [(root, 0)]
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        stack.extend((child, depth + 1) for child in node.contents if isinstance(child, Tag))
    return deepest


def collapse_whitespace(root: Tag, run: re.Pattern[str]) -> None:
    """Replace each run of whitespace (as ``run`` finds it) by one space in the text outside
    preformatted elements, as a browser shows it."""
    kept = root.find_parent(list(PREFORMATTED)) is not None
    changes: list[tuple[Tag, int, str]] = []
    stack = [(root, kept)]
    while stack:
        node, inside = stack.pop()
        for index, child in enumerate(node.contents):
            if isinstance(child, Tag):
                stack.append((child, inside or child.name in PREFORMATTED))
            elif isinstance(child, NavigableString) and not inside and run.search(child):
                changes.append((node, index, run.sub(" ", str(child))))
    for parent, index, text in changes:
        parent.contents[index].extract(_self_index=index)
        parent.insert(index, NavigableString(text))


def flat_markdown(root: Tag) -> str:
    """The text of ``root`` as Markdown paragraphs, with ATX headings and fenced
    preformatted blocks, read with an explicit stack (no recursion, any depth). Comments,
    doctypes and similar are skipped: remove hidden elements before calling this."""
    out: list[str] = []
    kept = 0  # how many preformatted elements we are inside
    stack: list[tuple[PageElement, bool]] = [(root, False)]
    while stack:
        node, leaving = stack.pop()
        if isinstance(node, NavigableString):
            if isinstance(node, PreformattedString):
                continue
            text = str(node) if kept else _SPACE_RUN.sub(" ", str(node))
            if not kept and (not out or out[-1].endswith("\n")) and text.lstrip()[:1] == "#":
                text = "\\" + text.lstrip()  # text, not a heading
            out.append(text)
            continue
        if not isinstance(node, Tag):
            continue
        name = node.name
        if leaving:
            if name in PREFORMATTED:
                kept -= 1
            out.append("\n```\n\n" if name == "pre" else "\n\n" if _ends_block(name) else "")
            continue
        if name in _HEADINGS:
            out.append("\n\n" + "#" * _HEADINGS[name] + " ")
        elif name == "pre":
            out.append("\n\n```\n")
        elif name == "li":
            out.append("\n\n- ")
        elif name == "br":
            out.append("\n")
        elif name in ("td", "th"):
            out.append(" ")
        elif name in _BLOCKS:
            out.append("\n\n")
        if name in PREFORMATTED:
            kept += 1
        stack.append((node, True))
        stack.extend((child, False) for child in reversed(node.contents))
    return "".join(out)


def _ends_block(name: str) -> bool:
    return name in _BLOCKS or name in _HEADINGS
