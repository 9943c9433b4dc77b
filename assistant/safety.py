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


# -- the output cleaner ----------------------------------------------------------------------
#
# Every pattern below is linear: character classes exclude their own delimiters (so a scan
# from one opener stops at the next), repeats are bounded, and no quantified group can split
# the same text two ways. tests/test_hardening_regex.py feeds them 1 MB adversarial lines.

# Invisible characters: every Cc/Cf code point of Unicode 14 (Python 3.11's tables) except
# tab and newline (and the emoji joiner, below): C0/C1 controls, soft hyphen, zero-width
# characters, bidi marks, embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069),
# interlinear annotations and the tag block (U+E0000-U+E007F) that can hide text.
# tests/test_hardening_cleaner.py checks this list against unicodedata.
_INVISIBLE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u00ad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2"
    "\u180e\u200b\u200c\u200e\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb"
    "\U000110bd\U000110cd\U00013430-\U00013438\U0001bca0-\U0001bca3\U0001d173-\U0001d17a"
    "\U000e0000-\U000e007f]"
)
# A zero-width joiner stays only between two symbols (it builds emoji such as 👩‍💻).
_JOINER = re.compile(r"(?<![^\w\s])\u200d|\u200d(?![^\w\s\u200d])")
_NEWLINES = re.compile(r"\r\n?|[\u2028\u2029\x85]")
_IMAGE = re.compile(r"!\[[^\[\]\n]*\]\([^()\n]*\)")
_LINK = re.compile(r"\[([^\[\]\n]+)\]\([^()\n]*\)")
# Anything with a scheme and "//", scheme-only kinds that run code or carry data, data: URIs
# (any media type, with or without base64), and "www." names.
_URL = re.compile(
    r"\b[a-z][a-z0-9+.-]{1,30}://\S*"
    r"|\b(?:javascript|vbscript|livescript|mailto|file|blob|cid|mid):\S+"
    r"|\bdata:(?:[\w.+-]{1,80}/[\w.+-]{1,80})?(?:;[\w.+=-]{1,80}){0,8},\S*"
    r"|\bdata:[\w.+-]{1,80}/[\w.+-]{1,80}\S*"
    r"|(?<![\w@.-])www\.[^\s.]\S*",
    re.IGNORECASE,
)
# "//evil.example/x": a scheme-relative URL (a host with a dot right after two slashes).
_SCHEMELESS = re.compile(r"(?<![\w:/])//[a-z0-9-]{1,63}(?:\.[a-z0-9-]{1,63})+\S*", re.IGNORECASE)
# A bare host name ("evil.example/upload?q=…", "files.example.com"); _bare_url decides.
_HOST = re.compile(
    r"(?<![\w@.-])(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.){1,8}(?P<tld>[a-z]{2,24})"
    r"(?![\w-])(?P<rest>(?:[/?#]|:\d{1,5}(?!\d))\S*)?",
    re.IGNORECASE,
)
_IPV4 = re.compile(r"(?<![\w.])\d{1,3}(?:\.\d{1,3}){3}(?::\d{1,5})?[/?#]\S*")
# Top-level domains that mark a bare name as a link even without a path: the common generic
# ones, reserved ones used in attacks and examples, and country codes often used for links.
_LINK_TLDS = frozenset(
    "com net org edu gov mil int info biz xyz top site online store shop app dev page io ai co "
    "me tv cc ws ly gl gg to sh tk ml ga cf gq ru cn su uk de fr nl eu us ca au in jp br pl "
    "example test invalid localhost onion local lan internal click link zip mov".split()
)
# File extensions that look like top-level domains: "report.pdf", "Node.js/React" are text.
_FILE_EXTENSIONS = frozenset(
    "js ts jsx tsx py rb go rs md txt pdf doc docx xls xlsx ppt pptx csv json yaml yml toml "
    "ini cfg xml html htm css scss png jpg jpeg gif svg webp mp3 mp4 wav zip gz tar exe sh "
    "bat ps1 java kt swift cpp hpp h c cs php pl sql ipynb log key pem".split()
)
_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9-]{0,30}(?:[\s/][^<>]*)?>")
# What is left of a tag cut short ("<img src=", '<a href="x'): an HTML element name and the
# attributes that follow it, up to the next "<" or line end.
_TAG_FRAGMENT = re.compile(
    r"</?(?:a|abbr|area|audio|b|base|body|button|canvas|div|embed|font|form|frame|frameset|"
    r"head|html|i|iframe|img|image|input|link|math|meta|object|p|picture|script|select|source|"
    r"span|style|svg|table|td|textarea|title|tr|track|u|use|video)(?=[\s/]|$)"
    r"(?:\s*+[\w:-]{1,40}\s*=(?:\s*[\"'](?:(?<=\")[^\"<>\n]*\"?|(?<=')[^'<>\n]*'?)|[^\s<>\"'\[]*))*/?",
    re.IGNORECASE,
)
# Openers that hide what follows when rendered: comments, CDATA, doctype, processing
# instructions ("-->" alone hides nothing, and "A --> B" is an arrow).
_COMMENT = re.compile(r"<!--|<!\[CDATA\[|<![A-Za-z][^<>\n]{0,200}>|<\?[^<>\n]{0,200}\?>")
_LINK_REMOVED = "[link removed]"


def _bare_url(match: re.Match[str]) -> str:
    """A bare host is a link when a path, query, fragment or port follows it and its last
    label is not a file extension, or when its lower-case last label is a well-known TLD.
    "e.g.", "v1.2", "10.30", "report.pdf" and "Node.js/React" stay text."""
    tld = match["tld"]
    if match["rest"] and tld.lower() not in _FILE_EXTENSIONS:
        return _LINK_REMOVED
    if tld.islower() and tld in _LINK_TLDS:
        return _LINK_REMOVED
    return match[0]


def strip_invisible(text: str) -> str:
    """``text`` without invisible and control characters (newlines and tabs stay, line ends
    become LF): for messages that echo input verbatim, such as file names in errors."""
    if not text:
        return text
    cleaned = _INVISIBLE.sub("", _NEWLINES.sub("\n", text))
    return _JOINER.sub("", cleaned) if "\u200d" in cleaned else cleaned


def clean_text(text: str) -> str:
    """Text safe to show or render: no images, link targets, URLs (with a scheme, ``//host``,
    bare host names, ``data:``), HTML tags or tag fragments, and no invisible or control
    characters (bidi controls, zero-width and tag characters); tabs and newlines stay."""
    if not text:
        return text
    cleaned = _NEWLINES.sub("\n", text)
    cleaned = _INVISIBLE.sub("", cleaned)
    if "\u200d" in cleaned:
        cleaned = _JOINER.sub("", cleaned)
    cleaned = _IMAGE.sub("", cleaned)
    cleaned = _LINK.sub(r"\1", cleaned)
    cleaned = _URL.sub(_LINK_REMOVED, cleaned)
    cleaned = _SCHEMELESS.sub(_LINK_REMOVED, cleaned)
    cleaned = _IPV4.sub(_LINK_REMOVED, cleaned)
    if "." in cleaned:
        cleaned = _HOST.sub(_bare_url, cleaned)
    if "<" in cleaned:
        cleaned = _COMMENT.sub("", cleaned)
        cleaned = _TAG.sub("", cleaned)
        cleaned = _TAG_FRAGMENT.sub("", cleaned)
    if cleaned == text:
        return text
    return re.sub(r"[ \t]{2,}", " ", cleaned).strip()


def _walk(value: Any) -> Any:
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, list):
        return [_walk(v) for v in value]
    if isinstance(value, tuple):
        return tuple(_walk(v) for v in value)
    if isinstance(value, dict):
        return {_walk(k) if isinstance(k, str) else k: _walk(v) for k, v in value.items()}
    return value


def clean_data(value: Any) -> Any:
    """``value`` (strings, lists, tuples and dicts of them, keys included) with every string
    cleaned by :func:`clean_text`; other values are returned as they are."""
    return _walk(value)


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
