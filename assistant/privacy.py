"""Privacy intent in free text: what people write to keep something out of a summary.

People keep things out of notes in many ways: a label ("Private:", "OTR:", "Vertraulich:",
"🔒"), a tag after the line ("(between us)", "— not something to share with program staff"),
a heading over a section ("## Private notes"), or a request ("keep this to yourself",
"no need for the coordinator to hear about it", "keep that between us please" said a turn
later). Matching a list of spellings misses most of them, so this module matches the *intent*:

* :func:`normalize` makes text comparable first: Unicode NFKC (fullwidth and mathematical
  letters become plain ones), invisible format characters (zero-width, bidi controls, soft
  hyphens, tag characters) removed, look-alike letters from other scripts inside Latin words
  folded to Latin (Unicode's confusables data, via ``confusable_homoglyphs``), lower case,
  accents stripped.
* :func:`private_intent` finds privacy labels (in many languages and as lock emoji) and
  requests not to pass something on: a negated act of telling, writing or sharing whose
  object is "this/that/what I said" or whose audience is staff, the coordinator, anyone or
  the notes; "keep … between us / to yourself / out of the notes"; "this stays in the
  room"; "not for the summary"; "nobody else needs to know".
* :func:`leads_with_label`, :func:`points_back`, :func:`private_heading` and
  :func:`closes_private` tell the summarizer how far a marker reaches: the rest of the
  paragraph, the turn before, a whole section, or until an "end private" line.
* :func:`labelled_private` is the narrow check for guidance: a line that *uses* a privacy
  label, not guidance that talks about confidentiality (quoted words are mentions, not uses).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# Format characters that change nothing visible but split words: zero-width spaces and
# joiners, bidi embeddings/overrides/isolates, soft hyphen, word joiner, variation
# selectors, BOM and the invisible tag block.
_INVISIBLE = re.compile(
    "[\u00ad\u034f\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u206f\ufe00-\ufe0f\ufeff"
    "\U000e0000-\U000e007f]"
)
_WORD = re.compile(r"\w+")


@lru_cache(maxsize=1)
def _confusable_table() -> dict[int, str]:
    """Non-Latin letters that look like a Latin letter, mapped to that letter (Cyrillic
    "с" -> "c", Greek "ο" -> "o"), from Unicode's confusables data."""
    from confusable_homoglyphs.categories import alias
    from confusable_homoglyphs.confusables import confusables_data

    table: dict[int, str] = {}
    for char, glyphs in confusables_data.items():
        if len(char) != 1 or char.isascii() or not char.isalpha():
            continue
        if alias(char) in ("LATIN", "COMMON"):
            continue
        for glyph in glyphs:
            target = glyph["c"]
            if len(target) == 1 and target.isascii() and target.isalpha():
                table[ord(char)] = target
                break
    return table


def _fold_mixed_word(match: re.Match[str]) -> str:
    word = match.group(0)
    if word.isascii() or not any("a" <= c <= "z" or "A" <= c <= "Z" for c in word):
        return word  # all Latin, or a word of another script ("Не", "内緒"): leave it
    return word.translate(_confusable_table())


_SPACES = re.compile(r"[^\S\n]+")
# Whitespace around line breaks becomes one break. `\s*\n\s*` retried the run of spaces from
# each of its characters when no break followed (quadratic on whitespace _SPACES leaves, such
# as U+2028 or \x1c-\x1f); here a match starts only where a run starts and takes it whole.
_BREAKS = re.compile(r"(?<![^\S\n])[^\S\n]*+\n\s*")
# Long runs of one punctuation mark ("......", "-----") carry no meaning for these checks;
# shortening them keeps every pattern's work proportional to the text.
_RUNS = re.compile(
    r"-{4,}|\.{4,}|_{4,}|={4,}|\*{4,}|~{4,}|#{4,}|!{4,}|\?{4,}|/{4,}|\+{4,}|,{4,}|;{4,}|:{4,}"
    r"|\({4,}|\){4,}|\[{4,}|\]{4,}|<{4,}|>{4,}|\|{4,}|`{4,}|'{4,}|\"{4,}"
)


_PUNCT_RUN = re.compile(r"[-._=*~#!?/+,;:()\[\]<>|`'\"]{4,}")


def normalize(text: str) -> str:
    """Text as the privacy and instruction checks see it: NFKC, no invisible characters,
    look-alike letters inside Latin words folded to Latin, lower case, no accents, runs of
    spaces, of line breaks and of one punctuation mark shortened."""
    # The same sentence is checked for several things; short texts are remembered.
    return _normalize_cached(text) if len(text) < 2000 else _normalize(text)


def _normalize(text: str) -> str:
    if not text.isascii():
        text = _INVISIBLE.sub("", unicodedata.normalize("NFKC", text))
        text = _WORD.sub(_fold_mixed_word, text)
        decomposed = unicodedata.normalize("NFKD", text)
        text = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    # Each substitution only when there is something to change: most sentences have nothing.
    if "  " in text or "\t" in text or "\r" in text or "\x0b" in text or "\x0c" in text:
        text = _SPACES.sub(" ", text)
    if "\n" in text:
        text = _BREAKS.sub("\n", text)
    if _PUNCT_RUN.search(text):
        text = _RUNS.sub(_three, text)
    return text.lower()


_normalize_cached = lru_cache(maxsize=8192)(_normalize)


def _three(match: re.Match[str]) -> str:
    return match.group(0)[:3]


# -- vocabulary --------------------------------------------------------------------------------

# Words and phrases that label text private wherever they stand.
_STRONG = (
    r"(?:confidential(?:ly)?|strictly\s+confidential|off[-\s]the[-\s]record|off[-\s]record"
    r"|in\s+(?:strict(?:est)?\s+)?confidence|entre\s+nous|under\s+wraps|hush[-\s]hush"
    r"|between\s+(?:us|ourselves|you\s+and\s+me|the\s+(?:two|three|four|\w+)\s+of\s+us)"
    r"(?!\s+and\b|\s+(?:two|both)\s+teams?\b)"
    r"|(?:for\s+)?(?:your|my|our|his|her|their|staff|(?<!\w)\w+'?s?)\s+eyes\s+only|eyes\s+only"
    # French, German, Spanish/Portuguese, Italian, Dutch, Polish, Russian, Japanese, Chinese
    r"|confidentiel(?:le)?s?|hors\s+(?:du\s+)?compte[-\s]rendu|a\s+ne\s+pas\s+(?:partager|diffuser)"
    r"|vertraulich\w*|unter\s+uns|nicht\s+(?:weitergeben|weitersagen|fur\s+das\s+protokoll)"
    r"|confidencial\w*|entre\s+nosotros|entre\s+nos\b|sigilos[oa]|no\s+(?:compartir|difundir)"
    r"|riservat[oaie]|confidenzial[ei]|tra\s+(?:di\s+)?noi|non\s+(?:condividere|divulgare)"
    r"|vertrouwelijk\w*|onder\s+ons|poufn[eay]|miedzy\s+nami"
    r"|конфиденциальн\w*|не\s+для\s+протокола|между\s+нами|строго\s+секретно"
    r"|内緒|ないしょ|秘密|機密|オフレコ|保密|机密|私密|不要外传"
    r"|\U0001f512|\U0001f510|\U0001f50f|\U0001f92b|\U0001f910|\U0001f64a)"
)
# Words that label text private only when used as a label ("Private:", "(personal)"),
# not as adjectives ("give the feedback in private", "personal development").
_WEAK = (
    r"(?:private(?:ly)?|personal|sensitive|secret|otr|prive[e]?|privat[eo]?|privado|prywatne"
    r"|geheim|personnel(?:le)?|persoonlijk|lichno|лично|приватно|секретно)"
)
_LABEL = rf"(?:{_STRONG}|{_WEAK})"
# Small words a label may carry before its separator ("Private note:", "Personal bit -").
_LABEL_TAIL = r"(?:\s+(?:notes?|info|matter|stuff|bit|aside|item|only|please|remark))?"
_SEP = r"\s*(?:[:\-\u2013\u2014,;)\]>}|]|\.\s|$)"

_PRONOUN = (
    r"(?:this|that|it|these|those|any\s+of\s+(?:this|that|it)|all\s+(?:of\s+)?(?:this|that)"
    r"|what\s+i\s+(?:just\s+)?(?:said|told\s+you|mentioned|shared)"
    r"|(?:the|that|this)\s+(?:last\s+|previous\s+|first\s+)?(?:bit|part|point|thing|line|one|item"
    r"|comment|remark)|(?:this|that)\s+one)"
)
# A pronoun ends the object: "repeat that mistake" is not "repeat that".
_OBJECT_END = (
    r"(?=\s*(?:[^\w\s]|$)|\s+(?:with|to|in|into|on|up|down|anywhere|outside|beyond|around|please"
    r"|pls|plz|yet|again|for|from|though|either|because|since|ok|okay|back|out|about|at\s+all)\b)"
)
_AUDIENCE = (
    r"(?:(?:the|our|my|your|any|a|other)\s+)?(?:program(?:me)?\s+|mentoring\s+)?"
    r"(?:staff|coordinators?|organi[sz]ers?|admins?|facilitators?|hr|human\s+resources"
    r"|management|managers?|boss(?:es)?|leadership|program(?:me)?|team|group|others|everyone"
    r"|everybody|anyone|anybody|outsiders?|people|rest\s+of\s+(?:the\s+)?\w+|the\s+rest)"
)
_RECORD = (
    r"(?:(?:the|our|any|a|your|my|this|staff|program)\s+)?(?:official\s+)?(?:notes?|summary"
    r"|summaries|minutes|write-?\s?up|report|record|log|recap|check-?in\s+(?:summary|notes|report))"
)
_NEG = (
    r"(?:don'?t|do\s+not|dont|never|no\s+need\s+to|shouldn'?t|should\s+not|must\s+not|mustn'?t"
    r"|not\s+to\s+be|not\s+something\s+(?:to|(?:we|i|you)\s+\w+\s+to)"
    r"|nothing\s+to|please\s+not|better\s+not|rather\s+not|let'?s\s+not|not\s+to"
    r"|(?:would|'d)\s+rather\s+you\s+didn'?t|doesn'?t|does\s+not|needn'?t)"
)
_TELL = (
    r"(?:share|shared|tell|told|mention|mentioned|repeat|repeated|spread|pass(?:ed)?(?:\s+\w+)?\s+on"
    r"|write|written|put|include|included|record|recorded|minute|minuted|note|noted|report"
    r"|reported|discuss|discussed|bring\s+up|raise|forward|circulate|quote|quoted|broadcast"
    r"|get\s+out|leave\s+(?:this|the)\s+room)"
)
# Verbs of ending up somewhere: only a record counts ("this shouldn't go in the summary").
_LAND = (
    r"(?:go|goes|end\s+up|appear|show\s+up|get\s+written\s+(?:up|down)"
    r"|be\s+(?:written|put|included))"
)
_STATE = (
    r"(?:to\s+(?:yourself|yourselves|ourselves|us|you|me)|quiet|secret|private|confidential"
    r"|off\s+the\s+record|under\s+wraps|between\s+(?:us|ourselves|you\s+and\s+me|the\s+\w+\s+of\s+us)"
    rf"|in\s+(?:this|the)\s+room|out\s+of\s+{_RECORD}|off\s+{_RECORD}|away\s+from\s+{_AUDIENCE}"
    r"|(?:just\s+)?(?:with|among)\s+us)"
)

_INTENT = re.compile(
    # a label used as a label: before the line, in brackets, after a dash, or alone
    rf"(?:^|[.!?]\s+|\n)[^\w\n]{{0,12}}{_LABEL}{_LABEL_TAIL}{_SEP}"
    rf"|[(\[<{{*_]\s*{_LABEL}{_LABEL_TAIL}\s*[)\]>}}*_:]"
    rf"|[-\u2013\u2014,;]\s*{_LABEL}{_LABEL_TAIL}\s*[.!)]*\s*$"
    rf"|{_STRONG}(?!\w)"
    # a negated act of passing it on: "don't share with staff", "no need to write this up"
    rf"|\b{_NEG}\s*(?:\w+\s+)?{_TELL}\s+(?:{_PRONOUN}{_OBJECT_END}|(?:with|to|in|into|on)\s+"
    rf"{_AUDIENCE}\b|(?:in|into|on|onto|down\s+in)\s+{_RECORD}\b|{_AUDIENCE}\b)"
    rf"|\b{_NEG}\s*{_LAND}\s+(?:in|into|on|onto)\s+{_RECORD}\b"
    rf"|(?:^|please\s+|pls\s+|plz\s+|just\s+|[,;:(\-]\s*){_NEG}\s*(?:share|repeat|tell|spread"
    r"|pass\s+(?:it\s+|this\s+|that\s+)?on|mention|minute|quote)"
    r"(?=\s*(?:[.!,;:)\]]|$|please|pls|plz|anywhere|outside|yet))"
    rf"|\b{_NEG}\s*let\s+{_AUDIENCE}\s+(?:see|know|hear|find\s+out|read)\b"
    rf"|\bno\s+need\s+for\s+{_AUDIENCE}\s+to\s+(?:know|hear|see|read|find\s+out)\b"
    rf"|\b(?:nobody|no\s+one|no-one)\s+(?:else\s+)?(?:needs?|has|have|should|must|is)\s+(?:to\s+)?"
    r"(?:know|hear|see|find\s+out)\b"
    rf"|\b{_AUDIENCE}\s+(?:(?:don'?t|doesn'?t|do\s+not|does\s+not)\s+(?:need|have)\s+to|needn'?t"
    r"|need\s+not|shouldn'?t|should\s+not|mustn'?t|must\s+not)\s+(?:know|hear|see|find\s+out|be\s+told)"
    rf"(?:\s+about)?\s*(?:{_PRONOUN}{_OBJECT_END}|[.!,;:]|$)"
    # keeping it somewhere: "keep this to yourself", "keep that last bit off the record"
    rf"|\bkeep(?:s|ing)?\s+(?:{_PRONOUN}\s+)?(?:strictly\s+|just\s+|purely\s+)?{_STATE}"
    rf"|\bkeep(?:s|ing)?\s+(?:the\s+|my\s+|our\s+)?\w+(?:\s+\w+)?\s+(?:between\s+us|to\s+yourself"
    rf"|off\s+the\s+record|out\s+of\s+{_RECORD})\b"
    rf"|\b(?:{_PRONOUN}|what\s+(?:happens|is\s+said|we\s+said)\s+here|everything)\s+(?:stays|remains"
    r"|has\s+to\s+stay|should\s+stay|must\s+stay|will\s+stay|is\s+to\s+stay|can\s+stay|goes)\s+"
    rf"(?:no\s+further|{_STATE}|here|in\s+here)"
    r"|\b(?:doesn'?t|does\s+not|won'?t|will\s+not|shouldn'?t|should\s+not)\s+leave\s+(?:this|the)\s+room"
    # leaving it out: "please leave this out of the report", "scratch that from the write-up"
    rf"|\b(?:leave|keep|take|scratch|strike|cut|drop|omit|remove|exclude|delete)\s+(?:{_PRONOUN}\s+)?"
    rf"(?:out\s+of|out\s+from|off|from)\s+{_RECORD}\b"
    rf"|\bleave\s+{_PRONOUN}\s+out(?=\s*(?:[.!,;]|$|please|pls))"
    rf"|\bnot\s+(?:meant\s+)?for\s+(?:the\s+)?(?:{_RECORD}|sharing|publication|distribution|circulation"
    r"|(?:staff|program|coordinator'?s?|anyone'?s?|public)\s+eyes|wider\s+\w+|the\s+group|staff"
    r"|the\s+coordinator|general\s+consumption)\b"
    r"|\bforget\s+(?:that\s+)?i\s+(?:said|mentioned|told\s+you)\b"
)


# Every form above needs one of these words (or a word starting so, or a contraction, or a
# character outside ASCII); most sentences have none, and this cheap test on their words
# spares them the full pattern (long notes are checked sentence by sentence).
_ANCHOR_WORDS = frozenset(
    "not never dont nothing no no-one nobody goes otr eyes hush log nous entre unter tra onder "
    "hors ne pas nicht lichno miedzy".split()
)
_ANCHOR_PREFIXES = (
    "priv", "pryw", "confiden", "note", "summar", "minute", "write", "report", "record",
    "recap", "stay", "remain", "keep", "leav", "forget", "personal", "personn", "persoon",
    "sensitive", "secret", "geheim", "vertr", "riservat", "poufn", "sigilos", "compartir",
    "difundir", "condivid", "divulg", "between", "wrap",
)  # fmt: skip
_STRIP = ".,;:!?()[]{}<>\"'*_-/|#~=+`"


def _anchored(folded: str) -> bool:
    if not folded.isascii() or "n't" in folded:
        return True
    for raw in folded.split():
        word = raw.strip(_STRIP)
        if word in _ANCHOR_WORDS or word.startswith(_ANCHOR_PREFIXES):
            return True
    return False


def private_intent(text: str) -> bool:
    """True when the text marks itself (or what it points at) as private."""
    folded = normalize(text)
    return _anchored(folded) and bool(_INTENT.search(folded))


_LEADS = re.compile(
    r"^[^\w\n]{0,12}(?:(?:just|strictly|purely|only|and|but|also|oh|btw|actually|so|ok(?:ay)?|note)[\s,]+)"
    rf"{{0,2}}(?:{_LABEL}{_LABEL_TAIL}{_SEP}|{_STRONG}\b|(?:please\s+)?{_NEG}\s*{_TELL}\b"
    rf"|keep\s+(?:this|these)\b|(?:please\s+)?leave\s+this\b|nobody\s+else\b|no\s+need\s+for\b"
    rf"|not\s+for\b|{_AUDIENCE}\s+{_NEG})"
)


def leads_with_label(text: str) -> bool:
    """True when the text opens with a privacy marker ("Confidential: …", "🔒 …",
    "Don't share with staff: …"), which then covers what follows it."""
    return bool(_LEADS.search(normalize(text)))


# A marker that points at what was said before: "keep that between us", "what I just said",
# "that last bit", "forget I said that".
_BACK = re.compile(
    r"\b(?:that|what\s+i\s+(?:just\s+)?(?:said|told\s+you|mentioned|shared)|the\s+(?:last|previous)"
    r"\s+(?:bit|part|point|thing|one)|all\s+of\s+that|everything\s+i\s+(?:just\s+)?said"
    r"|the\s+above|above)\b|\bforget\s+(?:that\s+)?i\s+(?:said|mentioned)\b"
)


def points_back(text: str) -> bool:
    """True when a private marker refers to something said earlier ("keep that between us
    please"), rather than to what it introduces."""
    folded = normalize(text)
    if len(folded.split()) > 25 or not _BACK.search(folded):
        return False
    found = _INTENT.search(folded)
    if not found:
        return False
    # The request opens the text ("Actually, keep that between us"); a marker that follows
    # content in the same sentence ("…, but keep that to yourself") is about that content.
    return len(folded[: found.start()].split()) <= 4


_CLOSE = re.compile(
    r"^[^\w\n]{0,12}(?:/\s*(?:private|confidential|otr|off[-\s]the[-\s]record)|end\s+(?:of\s+)?(?:the\s+)?"
    r"(?:private|confidential|off[-\s]the[-\s]record|otr)\b|(?:back\s+)?on\s+the\s+record\b"
    r"|(?:back\s+to|resuming)\s+(?:the\s+)?(?:notes|summary|shared\s+notes)\b)"
)


def closes_private(text: str) -> bool:
    """True for a line that ends a private section ("[/private]", "back on the record")."""
    return bool(_CLOSE.search(normalize(text)))


def private_heading(text: str) -> bool:
    """True when a heading line marks its section private ("## Private notes",
    "CONFIDENTIAL", "### 🔒 Personal", "Between us:", "## Vertraulich")."""
    if closes_private(text):
        return False
    head = normalize(text).strip().strip("#*_=~-[]<>() \t").rstrip(":").strip()
    if not head or len(head.split()) > 8:
        return False
    # A weak label word is the whole heading or comes with a separator ("Personal:",
    # "Private - HR"), not "Personal development"; strong ones count anywhere.
    first = re.match(
        rf"[^\w\n]{{0,12}}(?:{_LABEL}){_LABEL_TAIL}\s*(?:[:\-\u2013\u2014(,;]|$)", head
    )
    return bool(first or _INTENT.search(head))


# -- guidance: labels used, not mentioned -----------------------------------------------------

_QUOTED = re.compile(r"\"[^\"\n]{0,200}\"|“[^”\n]{0,200}”|‘[^’\n]{0,200}’|`[^`\n]{0,200}`")
# In guidance a label counts when it labels something: "Off the record: …", "Off the
# record, …" opening a line or sentence with text after it, or a bracketed tag such as
# "(For staff eyes only)" or "[confidential]".
_GUIDANCE_LABEL = re.compile(
    rf"(?:^|[.!?]\s+|\n)[^\w\n]{{0,12}}(?:{_LABEL}){_LABEL_TAIL}\s*[:\-\u2013\u2014,]\s*\w"
    rf"|[(\[<{{]\s*(?:{_LABEL}){_LABEL_TAIL}\s*[)\]>}}]"
    r"|\beyes\s+only\b"
)


def labelled_private(text: str) -> bool:
    """True when some line or sentence of guidance text labels itself private. Quoted words
    are mentions ("writing "off the record" next to it"), not labels."""
    folded = _QUOTED.sub(" ", normalize(text).replace("**", "").replace("__", ""))
    return bool(_GUIDANCE_LABEL.search(folded))
