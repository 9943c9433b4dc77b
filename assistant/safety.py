"""Output hygiene shared by every engine.

* :func:`sanitize` removes what could carry data out of a result when it is rendered:
  markdown images, link targets, bare URLs, HTML tags and invisible characters. Check-in
  notes are untrusted text, and a summary must not turn a planted
  ``![x](https://evil.example/?d=...)`` into something a browser would fetch.
* :func:`asks_for_records` spots questions that ask for someone's check-in notes or private
  details. `comentor ask` answers from guidance only and never hands out records.
* :func:`marks_private` and :func:`looks_like_instruction` recognise text that people mark
  as private ("off the record", "confidential:") and text that tries to instruct an AI
  ("ignore the above and ..."). The summarizer leaves both out of summaries; ingestion
  quarantines guidance passages that contain them, so answers never quote them.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any, TypeVar

from pydantic import BaseModel

M = TypeVar("M", bound=BaseModel)

# Markers people actually write to keep something out of notes and summaries.
PRIVATE_MARKER = re.compile(
    r"\bconfidential(?:ly)?\b|\bin\s+confidence\b|\boff[- ]the[- ]record\b|\boff[- ]record\b"
    r"|(?:^|[\s(\[*_])private\s*[:\-]|\(\s*private\s*\)|\[\s*private\s*\]|^\W*private\b"
    r"|\b(?:just|strictly|purely|only)\s+between\s+(?:us|you\s+and\s+me|ourselves|the\s+\w+\s+of\s+us)\b"
    r"|\b(?:this|that|it)(?:'s|\s+is|\s+stays|\s+remains|\s+has\s+to\s+stay)\s+between\s+"
    r"(?:us|you\s+and\s+me|ourselves|the\s+\w+\s+of\s+us)\b"
    r"|\bkeep(?:ing)?\s+(?:this|that|it)\s+between\b|^\W*between\s+(?:us|you\s+and\s+me)\b"
    r"|\bbetween\s+you\s+and\s+me\b"
    r"|\b(?:please|pls|plz|kindly)\s+(?:don'?t|do\s+not|dont|never)\s+(?:share|repeat|spread|"
    r"mention|write|put|include|record|minute|note|pass|tell)\b"
    r"|\b(?:don'?t|do\s+not|dont)\s+(?:share|repeat|spread|put|include|write|record)\s+"
    r"(?:this|that|it|any\s+of\s+this)\b(?!\s+(?:file|doc|link|screen|slide|deck|sheet|form))"
    r"|\b(?:don'?t|do\s+not|dont)\s+(?:put|include|write)\s+(?:this|that|it)\s+(?:in|into|down)\b"
    r"|\bnot\s+for\s+(?:the\s+)?(?:notes|minutes|summary|record|sharing|the\s+group|wider\s+sharing)\b"
    r"|\bkeep\s+(?:this|that|it)\s+(?:off|out\s+of)\b|\bkeep\s+(?:this|that|it)\s+(?:to\s+yourselves?"
    r"|quiet|under\s+wraps|private|confidential)\b|\bnot\s+to\s+be\s+shared\b"
    r"|\b(?:don'?t|do\s+not|dont)\s+(?:tell|mention\s+(?:this|it|that)\s+to)\s+anyone\b"
    r"|\bleave\s+(?:this|that|it)\s+out\s+of\s+(?:the\s+)?(?:notes|summary|minutes)\b"
)

# Text aimed at an AI model rather than at people.
INSTRUCTION = re.compile(
    r"\bignore\s+(?:all\s+|any\s+)?(?:of\s+)?(?:the\s+|your\s+|my\s+)?(?:previous|prior|above|earlier|"
    r"preceding|former|foregoing)?\s*(?:instructions?|prompts?|rules|text|notes|context|above|"
    r"everything)\b"
    r"|\bdisregard\s+(?:all\s+|any\s+)?(?:the\s+|your\s+)?(?:previous|prior|above|earlier)?\s*"
    r"(?:instructions?|rules|text|notes|context|above|everything)\b"
    r"|(?:^|[\"'(\[>]|[.!?]\s)\s*(?:ai|assistant|system|chatgpt|gpt|llm|claude|summari[sz]er|"
    r"ai\s+model|language\s+model|bot)\s*:"
    r"|\b(?:mark|set|list|report|record|treat)\s+(?:all|every|everything|each|all\s+the)\b[^.]{0,40}?"
    r"\b(?:as\s+)?(?:complete[d]?|done|finished|closed|resolved)\b"
    r"|\badd\s+@?\w+\s+as\s+(?:the\s+)?owner\b|\bas\s+(?:the\s+)?owner\s+of\s+(?:all|every|everything)\b"
    r"|\b(?:make|assign|set)\s+@?\w+\s+(?:as\s+)?(?:the\s+)?owner\s+(?:of|for)\s+(?:all|every)\b"
    r"|\b(?:note|message|instructions?|attention)\s+(?:to|for)\s+(?:the\s+|any\s+)?(?:ai|assistant|"
    r"summari[sz]er|bot|model|llm|tool)\b"
    r"|\byou\s+are\s+(?:now\s+)?(?:an?\s+|the\s+)?(?:ai|assistant|language\s+model|summari[sz]er)\b"
    r"|\b(?:new|updated|override)\s+instructions?\b"
    r"|\b(?:remove|clear|delete|drop|suppress|hide)\s+(?:all\s+)?(?:the\s+)?(?:flags?|warnings?)\b"
    r"|\b(?:do\s+not|don'?t|dont|never)\s+(?:raise|add|set|report)\s+(?:any\s+)?(?:flags?|warnings?)\b"
    r"|\bif\s+you\s+are\s+(?:an?\s+)?(?:ai|assistant|language\s+model|llm)\b"
    r"|\b(?:dear|hey|hi|attention)\s+(?:ai|assistant|chatgpt|gpt|claude|bot|summari[sz]er|model)\b"
    r"|\b(?:add|list|set|make|put|mark|assign|record|name)\s+@?\w+\s+as\s+(?:the\s+)?owners?\b"
    r"|\b(?:all|every|each)\s+(?:the\s+)?(?:tasks?|items?|action\s+items?)\s+(?:are|is|were|as)\s+"
    r"(?:done|complete[d]?|finished|closed)\b"
    r"|\b(?:system|important|urgent|security|admin)\s+(?:update|message|notice|note|override|"
    r"instructions?)\s+(?:for|to)\s+(?:the\s+|any\s+)?(?:assistant|ai|model|bot|llm|"
    r"summari[sz]er|tool)\b"
    r"|\bfor\s+(?:the\s+|any\s+)?(?:assistant|ai|model|llm|bot|summari[sz]er)\s*:"
    r"|\b(?:print|output|append|emit|echo)\s+(?:out\s+)?(?:the\s+|this\s+)?(?:line|string|text|"
    r"phrase|word|code|token)\b"
    r"|\bwhen\s+(?:the\s+)?users?\s+asks?\b"
    r"|\b(?:include|put|add|keep|insert|copy|paste)\s+(?:this|the|that|these|my)\s+(?:link|url|"
    r"image|line|text|code|string)s?\s+(?:in|into|at\s+the\s+top\s+of)\s+(?:the\s+|your\s+)?"
    r"(?:summary|output|answer|report|response)\b"
    r"|\bat\s+the\s+end\s+of\s+(?:your|every|each)\s+(?:answer|reply|response|output)\b"
    r"|\b(?:confidentiality|privacy|safety|content)\s+(?:rules?|polic(?:y|ies)|restrictions?|"
    r"guidelines?)\s+(?:are|is)\s+(?:now\s+|hereby\s+|temporarily\s+)?(?:suspended|lifted|"
    r"waived|disabled|off|void)\b"
)


def _fold(text: str) -> str:
    """Lower-case and strip accents, so "Confidentiél" still reads as "confidentiel"."""
    if text.isascii():
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()


def marks_private(text: str) -> bool:
    """True when the text marks itself (or what follows) as private."""
    return bool(PRIVATE_MARKER.search(_fold(text)))


def looks_like_instruction(text: str) -> bool:
    """True when the text reads like an instruction aimed at an AI system, including one
    hidden in invisible Unicode tag characters."""
    hidden = "".join(chr(ord(ch) - 0xE0000) for ch in text if 0xE0020 <= ord(ch) <= 0xE007E)
    visible = _fold(_INVISIBLE.sub("", text))
    return bool(INSTRUCTION.search(visible) or (hidden and INSTRUCTION.search(_fold(hidden))))


# A sentence or line that labels itself private ("Off the record: ...", "Confidential - ...").
# Narrower than PRIVATE_MARKER: guidance that merely talks about confidentiality is fine.
PRIVATE_LABEL = re.compile(
    r"(?:^|[.!?]\s+|\n)[\s*_>(\[-]*(?:private|confidential|strictly\s+confidential|"
    r"off[- ]the[- ]record|in\s+confidence|(?:just\s+)?between\s+us|not\s+for\s+(?:the\s+)?"
    r"(?:notes|summary|minutes))\s*[)\]]?\s*[:\u2013\u2014-]",
    re.IGNORECASE,
)


def labelled_private(text: str) -> bool:
    """True when some sentence or line of the text is labelled private."""
    return bool(PRIVATE_LABEL.search(_INVISIBLE.sub("", text)))


def quarantine_reason(text: str) -> str | None:
    """Why a guidance passage must never be quoted, or None when it is fine."""
    if looks_like_instruction(text):
        return "reads like instructions to an AI"
    if labelled_private(text):
        return "contains text labelled private"
    return None


_IMAGE = re.compile(r"!\[[^\]]*\]\([^)]*\)")
_LINK = re.compile(r"\[([^\]]+)\]\([^)]*\)")
_URL = re.compile(r"(?:https?|ftp)://\S+|\bwww\.\S+|\bdata:[\w/+.-]+;base64,\S+", re.IGNORECASE)
_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]*)?/?>")
_INVISIBLE = re.compile("[\u200b-\u200f\u2060-\u2064\ufeff\u00ad\U000e0000-\U000e007f]")


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
# "Has she told Miriam anything about ...?", "Did Leo mention ...?": what someone confided.
_CONFIDED = re.compile(
    r"\b(?i:has|have|did|does|what\s+has|what\s+did)\s+(?:\w+\s+){0,3}?"
    r"(?i:told|tell|said|say|mentioned|mention|shared|share|confided|confide|disclosed|admitted|"
    r"revealed)\b(?:\s+(?i:to|with))?\s+(?:\w+\s+){0,2}?"
    r"(?:[A-Z][\w'-]+|(?i:his|her|their)\s+(?i:mentor|mentee|partner|group|coordinator))\b",
)
_RECORD_REQUEST = re.compile(rf"\b{_ACCESS}\b(?:\W+\w+){{0,10}}?\W+{_RECORDS}\b", re.IGNORECASE)


_HOW_TO = re.compile(r"^\W*how\s+(?:do|should|can|could|would|might)\s+(?:i|we)\b", re.I)
_SEE = re.compile(r"\b(?:see|read|access|look\s+at|get\s+hold\s+of|view|open)\b", re.I)


def asks_for_records(question: str) -> bool:
    """Whether a question asks to see someone's check-in records or private details
    (as opposed to asking how such records should be kept)."""
    if _CONFIDED.search(question) and not _HOW_TO.search(question):
        return True
    if not _RECORD_REQUEST.search(question):
        return False
    if _HOW_TO.search(question) and not _SEE.search(question):
        return False  # "How do I summarize a session for my mentor?" is a how-to question
    return re.search(_TARGET, question) is not None
