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

from assistant.privacy import labelled_private as _labelled_private
from assistant.privacy import normalize, private_intent

M = TypeVar("M", bound=BaseModel)

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

# Instructions that need no trigger word: rules about what every reply must say or carry
# ("Always finish every reply with the code …"), what to reveal, which language to answer
# in, where to send notes. Guidance tells people how to run sessions; it never tells a
# reader what their *replies* or *answers* must end with, nor hands out codes to repeat.
_REPLY = r"(?:repl(?:y|ies)|answers?|responses?|outputs?|completions?|summar(?:y|ies))"
_LITERAL = (
    r"(?:(?:(?:the|this|a|that)\s+)?(?:(?:secret|magic|special)\s+)?(?:code(?:word)?|pass(?:word|phrase)"
    r"|phrase|string|token|keyword|signature|tag|canary|word|sentence|line)\b|[\"'\u201c\u2018`]"
    r"|\b[a-z]*\d[\w-]*-[\w-]+|\b[a-z]+-\d+)"
)
_OUTPUT_RULE = re.compile(
    r"\b(?:finish|end|start|begin|open|close|conclude|sign\s+off|prefix|suffix|terminate|wrap\s+up)"
    rf"\s+(?:every|each|all|any|your|the)\s+(?:(?:single|one|of\s+your|future)\s+)?{_REPLY}"
    rf"\s+(?:with|by\s+(?:adding|saying|writing|printing))\s+{_LITERAL}"
    rf"|\b(?:every|each|all|any|your)\s+(?:future\s+)?{_REPLY}\s+(?:must|should|shall|has\s+to|have\s+to"
    r"|needs?\s+to|will|is\s+to|are\s+to)\s+(?:always\s+)?(?:end|start|begin|finish|close|include"
    r"|contain|carry|mention|repeat)\b"
    rf"|\b(?:always|never)\s+(?:include|add|append|mention|say|repeat|print|output|write)\s+{_LITERAL}"
    rf".{{0,60}}?\b(?:in|to|at\s+the\s+(?:end|start|top|bottom)\s+of)\s+(?:every|each|all|any|your)"
    rf"\s+{_REPLY}"
    r"|\b(?:from\s+now\s+on|henceforth|for\s+the\s+rest\s+of\s+(?:this|the)\s+(?:conversation|chat"
    r"|session)),?\s+(?:you\s+|always\s+|never\s+|only\s+)?(?:must|will|should|respond|reply|answer"
    r"|say|write|speak|act|behave|pretend)\b"
    r"|\b(?:reveal|show|print|repeat|output|disclose|leak)\s+(?:your|the)\s+(?:system\s+prompt"
    r"|(?:hidden|initial|original|secret)\s+(?:prompt|instructions)|instructions\s+above)\b"
    rf"|\b(?:respond|reply|answer)\s+only\s+(?:in|with)\s+{_LITERAL}"
    r"|\b(?:respond|reply|answer)\s+only\s+in\s+(?:french|german|spanish|italian|pirate|"
    r"chinese|russian|japanese|portuguese|dutch|polish|emoji|uppercase|capitals|base64)\b"
    r"|\b(?:whenever|when|if)\s+(?:someone|anyone|a\s+user|users?|people|the\s+user|you\s+are)"
    r"\s+(?:asks?|asked|ask\s+you)\b.{0,80}?\b(?:respond|reply|answer|say)\s+(?:with\s+|that\s+|only\s+)?"
    r"[\"'\u201c\u2018`]"
    r"|\b(?:send|e-?mail|forward|post|upload|submit|copy)\s+(?:[\w-]+\s+){0,4}?(?:notes|summar(?:y|ies)"
    r"|transcripts?|records|data|conversations?|check-?ins?|answers?)\s+to\s+(?:\S+@\S+"
    r"|(?:https?:)?//|[\w-]+\.(?:example|com|net|org|io|xyz|info|ru|cn|co)\b)"
    r"|\bpretend\s+(?:to\s+be|you\s+are)\b|\bact\s+as\s+(?:an?\s+)?(?:unrestricted|unfiltered|jailbroken"
    r"|different)\b"
)


def _fold(text: str) -> str:
    """Lower-case and strip accents, so "Confidentiél" still reads as "confidentiel"."""
    if text.isascii():
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()


def marks_private(text: str) -> bool:
    """True when the text marks itself (or what it points at) as private, in any of the
    ways :mod:`assistant.privacy` recognises (labels, tags, requests, lock emoji, other
    languages, look-alike or invisible characters)."""
    return private_intent(text)


def looks_like_instruction(text: str) -> bool:
    """True when the text reads like an instruction aimed at an AI system, including one
    hidden in invisible Unicode tag characters or spelled with look-alike letters."""
    hidden = "".join(chr(ord(ch) - 0xE0000) for ch in text if 0xE0020 <= ord(ch) <= 0xE007E)
    visible = normalize(text)
    return bool(
        INSTRUCTION.search(visible)
        or _OUTPUT_RULE.search(visible)
        or (hidden and (INSTRUCTION.search(_fold(hidden)) or _OUTPUT_RULE.search(_fold(hidden))))
    )


def labelled_private(text: str) -> bool:
    """True when some sentence or line of the text is labelled private ("Off the record:
    …", "(For staff eyes only)"); guidance that talks about confidentiality is fine."""
    return _labelled_private(text)


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
