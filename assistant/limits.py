"""Input limits every entry point and every engine shares."""

from __future__ import annotations

import datetime as dt

from assistant.errors import InputError

MAX_NOTES_BYTES = 1_000_000
MAX_QUESTION_CHARS = 4000
# Check-in dates: relative dates in notes ("in two weeks", "next year") are resolved by date
# arithmetic, which overflows near year 9999; no real check-in is outside these years.
MIN_DATE = dt.date(1900, 1, 1)
MAX_DATE = dt.date(2999, 12, 31)
MAX_FOCUS_CHARS = 500  # `--focus`: a theme for one session, a sentence or two

# Program fields (characters, or items for lists). Generous for real programs, small enough
# that a pasted document in the wrong field is refused with the field's name.
MAX_PROGRAM_BYTES = 5_000_000  # a program file; 2,000 people take about 1 MB
MAX_PROGRAM_NAME_CHARS = 200
MAX_PERSON_NAME_CHARS = 120
MAX_TITLE_CHARS = 200
MAX_ITEM_CHARS = 300  # one skill, learning goal, alias or shared goal
MAX_ITEMS = 50  # skills, learning goals, aliases or shared goals of one person or pair
MAX_BIO_CHARS = 4000
MAX_PARTICIPANTS = 5000
MAX_RELATIONSHIPS = 5000
MAX_MEMBERS = 200  # members of one group


def check_notes(notes: object) -> None:
    """Reject check-in notes no engine should see: not text, empty, or over 1 MB."""
    if not isinstance(notes, str):
        raise InputError(
            f"The check-in notes must be text, got {type(notes).__name__}.", code="invalid_notes"
        )
    if not notes.strip():
        raise InputError(
            "The check-in notes are empty.",
            hint="Give the notes, a transcript or bullet points of the session.",
            code="empty_notes",
        )
    # Every character is at least one byte: a long string is over the limit without encoding.
    size = len(notes) if len(notes) > MAX_NOTES_BYTES else len(notes.encode("utf-8"))
    if size > MAX_NOTES_BYTES:
        raise InputError(
            f"The check-in notes are {size:,} bytes; the limit is 1 MB ({MAX_NOTES_BYTES:,}).",
            hint="Split the notes into one file per check-in.",
            code="notes_too_large",
        )


def check_date(date: dt.date, *, what: str = "The check-in date") -> dt.date:
    """``date`` when it lies between 1900 and 2999, else a clear InputError."""
    if not MIN_DATE <= date <= MAX_DATE:
        raise InputError(
            f"{what} {date.isoformat()} is out of range; use a date between "
            f"{MIN_DATE.isoformat()} and {MAX_DATE.isoformat()}.",
            code="invalid_date",
        )
    return date


def check_focus(focus: str | None) -> str | None:
    """A session focus without surrounding blanks; over MAX_FOCUS_CHARS is refused."""
    if focus is None:
        return None
    focus = focus.strip()
    if len(focus) > MAX_FOCUS_CHARS:
        raise InputError(
            f"The focus is {len(focus):,} characters; the limit is {MAX_FOCUS_CHARS}.",
            hint="Say in a sentence what the session should focus on.",
            code="focus_too_long",
        )
    return focus or None


def tidy_notes(notes: str) -> str:
    """Notes with one kind of line end: CR LF and lone CR (old Mac exports) become LF, and
    NUL characters (from a stray binary byte) are dropped."""
    if "\r" in notes:
        notes = notes.replace("\r\n", "\n").replace("\r", "\n")
    return notes.replace("\x00", "") if "\x00" in notes else notes


def decode_notes(raw: bytes, source: str) -> str:
    """Notes bytes (a file or standard input, read with the 1 MB bound) as text.

    Over ``MAX_NOTES_BYTES``, not UTF-8, or mostly NUL bytes (a binary or UTF-16 file) is an
    InputError naming ``source``; a few NUL bytes are dropped and line ends made LF."""
    if len(raw) > MAX_NOTES_BYTES:
        raise InputError(
            f"{source} is over {MAX_NOTES_BYTES:,} bytes; the limit is 1 MB for check-in notes.",
            hint="Split the notes into one file per check-in.",
            code="notes_too_large",
        )
    nuls = raw.count(b"\x00")
    if nuls > 8 and nuls * 100 > len(raw):  # a stray NUL or two is dropped below
        raise InputError(
            f"{source} looks binary (or UTF-16); give the notes as UTF-8 text.",
            code="invalid_notes",
        )
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"{source} is not UTF-8 text (byte {exc.start}: {raw[exc.start : exc.start + 1]!r}).",
            hint="Save the notes as UTF-8, e.g. `iconv -f latin1 -t utf-8 notes.txt`.",
            code="invalid_notes",
        ) from None
    return tidy_notes(text)
