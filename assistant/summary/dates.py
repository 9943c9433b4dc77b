"""Due dates: relative and calendar expressions resolved against the check-in date.

The conventions are those of ``evals/README.md``: a weekday name ("Friday", "by Friday",
"this Friday", "next Friday") is the first such day strictly after the check-in date;
"tomorrow" is +1; "next week"/"in a week" +7; "in two weeks" +14; "end of the month" is the
month's last day; "end of next week" is the Friday of the following week; "EOW" is that
week's Friday; a calendar date is that date in the check-in's year. Anything vaguer
("soon", "before we next meet") gives no date. A hand-written parser: it is a few dozen
patterns, runs in microseconds and adds nothing to start-up time.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass

from assistant.summary.text import fold

_WEEKDAYS = {
    "monday": 0,
    "mon": 0,
    "tuesday": 1,
    "tues": 1,
    "tue": 1,
    "wednesday": 2,
    "weds": 2,
    "wed": 2,
    "thursday": 3,
    "thurs": 3,
    "thur": 3,
    "thu": 3,
    "friday": 4,
    "fri": 4,
    "wednsday": 2,
    "wedensday": 2,
    "thurday": 3,
    "thrusday": 3,
    "firday": 4,
    "fridy": 4,
    "tuesay": 1,
    "teusday": 1,
    "mondy": 0,
    "saturday": 5,
    "sunday": 6,
}
_MONTHS = {
    "january": 1,
    "jan": 1,
    "february": 2,
    "feb": 2,
    "march": 3,
    "mar": 3,
    "april": 4,
    "apr": 4,
    "may": 5,
    "june": 6,
    "jun": 6,
    "july": 7,
    "jul": 7,
    "august": 8,
    "aug": 8,
    "september": 9,
    "sept": 9,
    "sep": 9,
    "october": 10,
    "oct": 10,
    "november": 11,
    "nov": 11,
    "december": 12,
    "dec": 12,
}
_NUMBERS = {
    "a": 1,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "couple": 2,
}

_WD = "|".join(sorted(_WEEKDAYS, key=len, reverse=True))
_MON = "|".join(sorted(_MONTHS, key=len, reverse=True))
_NUM = r"\d{1,2}|a|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve"
_PRE = r"(?:(?:by|before|on|until|till|til|due|for|no later than)\s+)?"

_RULES: list[tuple[str, re.Pattern[str]]] = [
    ("iso", re.compile(r"\b(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})\b")),
    (
        "md",
        re.compile(
            _PRE + r"\b(?:(?:" + _WD + r")\.?,?\s+)?(?:the\s+)?(?P<mon>" + _MON + r")\.?\s+"
            r"(?P<d>\d{1,2})(?:st|nd|rd|th)?\b(?!\s*(?::|%|am\b|pm\b))(?:,?\s+(?P<y>\d{4}))?"
        ),
    ),
    (
        "dm",
        re.compile(
            _PRE + r"\b(?:(?:" + _WD + r")\.?,?\s+)?(?:the\s+)?(?P<d>\d{1,2})(?:st|nd|rd|th)?"
            r"\s+(?:of\s+)?(?P<mon>" + _MON + r")\b\.?(?:,?\s+(?P<y>\d{4}))?"
        ),
    ),
    (
        "numeric",
        re.compile(
            _PRE + r"(?<![\d/.:#$-])(?P<a>\d{1,2})/(?P<b>\d{1,2})(?:/(?P<y>\d{2}|\d{4}))?"
            r"(?![\d/%])"
        ),
    ),
    (
        "end_next_week",
        re.compile(r"\b(?:by\s+|before\s+)?(?:the\s+)?end\s+of\s+next\s+(?:week|wk)\b"),
    ),
    (
        "end_week",
        re.compile(
            r"\b(?:by\s+|before\s+)?(?:eow|(?:the\s+)?end\s+of\s+(?:the\s+|this\s+)?(?:week|wk))\b"
        ),
    ),
    (
        "end_next_month",
        re.compile(r"\b(?:by\s+|before\s+)?(?:the\s+)?end\s+of\s+next\s+month\b"),
    ),
    (
        "end_month",
        re.compile(
            r"\b(?:by\s+|before\s+)?(?:eom|(?:the\s+)?end\s+of\s+(?:the\s+|this\s+)?month"
            r"|(?:by|before)\s+month[- ]end)\b"
        ),
    ),
    (
        "weeks",
        re.compile(
            r"\b(?:(?:in|within|give\s+me|take|after)\s+(?:about\s+|another\s+)?)?"
            r"(?:(?P<n>" + _NUM + r")|a\s+couple\s+of)\s+(?P<unit>weeks?|wks?|days?|fortnight)"
            r"(?:\s+(?:from\s+(?:now|today)|time))?\b"
        ),
    ),
    ("fortnight", re.compile(r"\b(?:in|within)\s+a\s+fortnight\b")),
    ("next_week", re.compile(r"\b(?:starting\s+|by\s+|from\s+)?(?:next|nxt)\s+(?:week|wk)\b")),
    ("tomorrow", re.compile(r"\b(?:tomorrow|tmrw|tmr|tmrow|tomorow|tommorow|tommorrow|2moro)\b")),
    ("today", re.compile(r"\b(?:(?:later\s+)?today|tonight|eod|end\s+of\s+(?:the\s+)?day)\b")),
    (
        "by_ordinal",
        re.compile(
            r"\b(?:by|before|until|no\s+later\s+than)\s+the\s+(?P<d>\d{1,2})(?:st|nd|rd|th)\b"
        ),
    ),
    (
        # "before Friday's early dispatch": a day's event set as a deadline is that day
        "weekday",
        re.compile(
            r"\b(?:by|before|until|till|no\s+later\s+than)\s+(?:(?:this|next|coming)\s+)?(?P<wd>"
            + _WD
            + r")'s\b"
        ),
    ),
    (
        "weekday",
        re.compile(
            _PRE
            + r"(?:(?:this|next|nxt|coming|this\s+coming|following)\s+)?\b(?P<wd>"
            + _WD
            + r")\b\.?(?!s\b|')"
        ),
    ),
]
# Expressions that name a past time, a recurring one or a duration, not a deadline.
_PAST_BEFORE = re.compile(
    r"(?:\b(?:last|since|every|each|past|previous|on\s+the|all|over\s+the|after|"
    r"the\s+last|the\s+past|the\s+first|took|was|were|ago)\s+)$"
)
_DEADLINE_WORDS = re.compile(r"^(?:by|before|until|till|til|due|no later than)\b")


@dataclass(frozen=True)
class DateMatch:
    """One date expression in a text: its span, resolved date and whether it is a deadline."""

    start: int
    end: int
    due: dt.date
    deadline: bool


def _next_weekday(ref: dt.date, weekday: int) -> dt.date:
    delta = (weekday - ref.weekday()) % 7
    return ref + dt.timedelta(days=delta or 7)


def _month_end(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def _calendar(ref: dt.date, month: int, day: int, year: int | None) -> dt.date | None:
    if year is not None and year < 100:
        year += 2000
    try:
        when = dt.date(year or ref.year, month, day)
    except ValueError:
        return None
    if year is None and when < ref:
        # "January 10" written in December is next year's; a date a few weeks back is a
        # past event being described, not a deadline.
        if (ref - when).days > 180:
            return _calendar(ref, month, day, ref.year + 1)
        return None
    return when


def _resolve(kind: str, m: re.Match[str], ref: dt.date) -> dt.date | None:
    if kind == "iso":
        return _calendar(ref, int(m["m"]), int(m["d"]), int(m["y"]))
    if kind in ("md", "dm"):
        return _calendar(ref, _MONTHS[m["mon"]], int(m["d"]), int(m["y"]) if m["y"] else None)
    if kind == "numeric":
        a, b = int(m["a"]), int(m["b"])
        year = int(m["y"]) if m["y"] else None
        if (a, b) == (24, 7) or a == 0 or b == 0:
            return None
        options = []
        if a <= 12:
            options.append((a, b))  # month/day
        if b <= 12:
            options.append((b, a))  # day/month
        dates = [d for month, day in options if (d := _calendar(ref, month, day, year))]
        # Ambiguous "3/4": the reading that falls soonest on or after the check-in.
        return min(dates, key=lambda d: abs((d - ref).days)) if dates else None
    if kind == "end_next_week":
        monday = ref - dt.timedelta(days=ref.weekday())
        return monday + dt.timedelta(days=11)
    if kind == "end_week":
        friday = ref + dt.timedelta(days=4 - ref.weekday())
        return friday if friday >= ref else friday + dt.timedelta(days=7)
    if kind == "end_next_month":
        year, month = (ref.year + 1, 1) if ref.month == 12 else (ref.year, ref.month + 1)
        return _month_end(year, month)
    if kind == "end_month":
        return _month_end(ref.year, ref.month)
    if kind == "weeks":
        if m["n"] is None:
            return None  # "a couple of weeks" is vague
        n = int(m["n"]) if m["n"].isdigit() else _NUMBERS[m["n"]]
        unit = m["unit"]
        if unit.startswith("fortnight"):
            return ref + dt.timedelta(days=14 * n)
        if unit.startswith("d"):
            return ref + dt.timedelta(days=n)
        return ref + dt.timedelta(days=7 * n)
    if kind == "fortnight":
        return ref + dt.timedelta(days=14)
    if kind == "next_week":
        return ref + dt.timedelta(days=7)
    if kind == "tomorrow":
        return ref + dt.timedelta(days=1)
    if kind == "today":
        return ref
    if kind == "by_ordinal":
        day = int(m["d"])
        when = _calendar(ref, ref.month, day, ref.year) if day >= ref.day else None
        if when is None:
            year, month = (ref.year + 1, 1) if ref.month == 12 else (ref.year, ref.month + 1)
            when = _calendar(ref, month, day, year)
        return when
    if kind == "weekday":
        return _next_weekday(ref, _WEEKDAYS[m["wd"]])
    return None


def find_dates(text: str, ref: dt.date) -> list[DateMatch]:
    """Every resolvable date expression in ``text``, in order, without overlaps."""
    folded = fold(text)
    found: list[DateMatch] = []
    taken: list[tuple[int, int]] = []
    for kind, pattern in _RULES:
        for m in pattern.finditer(folded):
            start, end = m.span()
            if any(start < e and s < end for s, e in taken):
                continue
            lead = folded[max(0, start - 20) : start]
            if _PAST_BEFORE.search(lead):
                continue
            if kind == "weeks" and re.search(r"\bfor\s+$", lead):
                continue  # "for two weeks" lasts; "for next week" and "for Friday" are due
            if kind == "weeks" and not re.match(r"(?:in|within|give|take|after)\b", m.group(0)):
                if m["n"] in (None, "a"):
                    continue  # "once a week", "fifty times a day" are rates, not deadlines
                lead = folded[:start].rstrip()
                if lead and not (lead.endswith((",", ".", ":", ";", "-")) or lead.endswith("me")):
                    continue  # "divide 24 by 4 days" measures; "Give me two weeks." promises
                # A bare "two weeks" is a deadline only as a reply or at the end of a clause
                # ("Give me two weeks.", "Grace writes the page, two weeks.").
                tail = folded[end : end + 3]
                if not (tail == "" or tail[0] in ".,;!?)"):
                    continue
            due = _resolve(kind, m, ref)
            if due is None:
                continue
            taken.append((start, end))
            deadline = bool(_DEADLINE_WORDS.match(m.group(0)))
            found.append(DateMatch(start, end, due, deadline))
    found.sort(key=lambda d: d.start)
    return found


def resolve_due(text: str, ref: dt.date) -> dt.date | None:
    """The due date a task text names: a "by …" deadline first, else the first date."""
    matches = find_dates(text, ref)
    if not matches:
        return None
    deadlines = [d for d in matches if d.deadline]
    return (deadlines or matches)[0].due


def strip_dates(text: str, ref: dt.date) -> str:
    """The text without its date expressions ("send it by Friday" -> "send it")."""
    out = text
    for d in reversed(find_dates(text, ref)):
        if text[d.start : d.end].endswith("'s"):
            continue  # "before Friday's dispatch" names the event; the task needs the words
        out = out[: d.start] + out[d.end :]
    return out
