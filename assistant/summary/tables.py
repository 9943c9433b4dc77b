"""Markdown tables in notes, read as the lines a list of next steps would have.

People paste action lists as tables ("| Owner | Task | Due |"). A table whose header names
a task column becomes one line per row ("- TODO(Leo): send the deck, by Friday"), so owners,
dates and labels are read by the same rules as any other list; a row for someone outside the
relationship keeps its name in the task and gets no owner. Other tables become plain lines.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from assistant.summary.text import fold

_ROW = re.compile(r"^\s*\|(?P<cells>.*)\|\s*$")
_COLUMNS = {
    "who": re.compile(
        r"^(?:owner|owners|who|person|assignee|assigned\s+to|responsible|lead|name)$"
    ),
    "task": re.compile(
        r"^(?:task|tasks|action|actions|action\s+item|item|what|to-?do|next\s+steps?)$"
    ),
    "due": re.compile(r"^(?:due|due\s+date|when|date|deadline|by(?:\s+when)?|target)$"),
}


def untable(lines: list[str], known: Callable[[str], bool]) -> list[str]:
    """A markdown table of tasks ("| Owner | Task | Due |") as the lines a list of next steps
    would have ("- TODO(Leo): send the deck, by Friday"); other tables as plain lines."""
    out: list[str] = []
    columns: dict[str, int] | None = None
    for line in lines:
        row = _ROW.match(line)
        if not row:
            columns = None
            out.append(line)
            continue
        cells = [c.strip() for c in row["cells"].split("|")]
        if all(re.fullmatch(r":?-{2,}:?|", c) for c in cells):
            continue  # the rule under the header
        if columns is None:
            names = [fold(c).strip(" *_:") for c in cells]
            columns = {
                k: i for i, n in enumerate(names) for k, rx in _COLUMNS.items() if rx.match(n)
            }
            if "task" in columns:
                continue  # the header names the columns
            columns = {}
        out.append(_task_row(cells, columns, known))
    return out


def _task_row(cells: list[str], columns: dict[str, int], known: Callable[[str], bool]) -> str:
    """One table row as a line of notes: "- TODO(Leo): send the deck, by Friday"."""
    if "task" not in columns:
        return " - ".join(c for c in cells if c)
    got = {k: cells[i] if i < len(cells) else "" for k, i in columns.items()}
    who, task, due = got.get("who", ""), got["task"], got.get("due", "")
    when = f", by {due}" if due and not re.fullmatch(r"[-–—?]*|tbd|n/?a|none", fold(due)) else ""
    if not who or known(who):
        return f"- TODO{f'({who})' if who else ''}: {task}{when}"
    return f"- TODO: {who} to {task}{when}"  # someone outside the relationship: no owner
