"""Server-side rendering helpers: Markdown answers and the reciprocity chart as SVG."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from markdown_it import MarkdownIt
from markupsafe import Markup, escape

from assistant.records.schemas import LedgerView

# CommonMark with raw HTML off: "<script>" in an answer (or in pasted notes echoed back)
# is shown as text, never run.
_md = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")

PALETTE = ("#1f5fa8", "#c2571a", "#2e7d32", "#7b1fa2", "#5d4037", "#00838f")


def markdown(text: str) -> Markup:
    """Markdown to safe HTML (raw HTML in the source is escaped)."""
    return Markup(_md.render(text))  # markdown-it escapes: html is off


def guidance_href(citation_id: str) -> str:
    """The guidance passage page of a citation id (ids hold '#', so quote everything)."""
    return "/guidance/" + quote(citation_id, safe="")


def citations(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Citations with a link to their passage page."""
    return [{**c, "href": guidance_href(str(c.get("id", "")))} for c in items]


@dataclass
class Chart:
    svg: Markup
    rows: list[tuple[str, dict[str, int]]]  # the text alternative: date -> teacher -> count
    teachers: list[str]
    totals: dict[str, int]


def reciprocity_chart(ledger: LedgerView, *, title_id: str, max_dates: int = 12) -> Chart:
    """Who taught how often on each check-in date, as stacked bars (one colour a teacher)."""
    teachers = sorted(ledger.taught) or sorted({e.teacher for e in ledger.entries})
    per_date: dict[dt.date, Counter[str]] = {}
    for entry in ledger.entries:
        per_date.setdefault(entry.date, Counter())[entry.teacher] += 1
    dates = sorted(per_date)[-max_dates:]
    width, height, left, bottom, top = 360, 160, 30, 24, 10
    peak = max((sum(per_date[d].values()) for d in dates), default=0) or 1
    slot = (width - left - 10) / max(len(dates), 1)
    bar = min(28.0, slot * 0.6)
    scale = (height - top - bottom) / peak
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'role="img" aria-labelledby="{escape(title_id)}" class="chart">',
        f'<title id="{escape(title_id)}">Reciprocity of {escape(ledger.relationship_id)}: '
        f"things each member taught, per check-in date</title>",
        f'<line x1="{left}" y1="{height - bottom}" x2="{width - 5}" y2="{height - bottom}" '
        'stroke="#555"/>',
        f'<text x="4" y="{top + 8}" font-size="10">{peak}</text>',
        f'<text x="4" y="{height - bottom}" font-size="10">0</text>',
    ]
    for i, date in enumerate(dates):
        x = left + i * slot + (slot - bar) / 2
        y = float(height - bottom)
        for t, teacher in enumerate(teachers):
            count = per_date[date][teacher]
            if not count:
                continue
            h = count * scale
            y -= h
            colour = PALETTE[t % len(PALETTE)]
            parts.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar:.1f}" height="{h:.1f}" '
                f'fill="{colour}"><title>{escape(date.isoformat())}: {escape(teacher)} '
                f"taught {count}</title></rect>"
            )
        parts.append(
            f'<text x="{x + bar / 2:.1f}" y="{height - 8}" font-size="9" '
            f'text-anchor="middle">{date:%m-%d}</text>'
        )
    parts.append("</svg>")
    rows = [(d.isoformat(), {t: per_date[d][t] for t in teachers}) for d in dates]
    return Chart(Markup("".join(parts)), rows, teachers, dict(ledger.taught))


def colour(index: int) -> str:
    return PALETTE[index % len(PALETTE)]
