"""Input limits every entry point and every engine shares."""

from __future__ import annotations

from assistant.errors import InputError

MAX_NOTES_BYTES = 1_000_000
MAX_QUESTION_CHARS = 4000


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
