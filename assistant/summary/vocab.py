"""The words of commitment: the patterns that say someone will do something.

Shared by the action-item extractors for written notes (``actions``) and transcripts
(``exchanges``). Every pattern runs on folded (lower-case, accent-free) text.
"""

from __future__ import annotations

import re

from assistant.summary.text import wordset

STRONG = (
    r"'ll|\s+(?:will|shall)|'(?:m|s|re)\s+(?:also\s+|still\s+)?(?:going\s+to|gonna)|"
    r"\s+(?:am|is|are)\s+(?:also\s+|still\s+)?(?:going\s+to|gonna)|\s+(?:gonna|going\s+to)|\s+(?:has\s+|have\s+)?(?:agreed|offered|promised|volunteered|"
    r"committed|undertook)\s+to|\s+(?:am|is|are)\s+(?:planning|aiming)\s+to|'m\s+(?:planning|"
    r"aiming)\s+to|\s+plans?\s+to"
)
WEAK = (
    r"\s+(?:needs?|has|have)\s+to|\s+(?:should|shl?d)|\s+(?:is|are)\s+to|\s+to|\s+wants?\s+to|"
    r"\s+(?:would|'d)\s+like\s+to|\s+can|\s+could"
)
ADVERBS = (
    r"(?:\s+(?:also|then|just|still|first|both|all|each|definitely|probably|quickly|personally|"
    r"now|actually|really|try\s+and|try\s+to|go\s+and|come\s+and|please|then\s+also))*"
)
PRONOUN_SUBJECTS = (
    r"i|we(?:\s+(?:both|all))?|you(?:\s+(?:both|all))?|he|she|they|everyone|everybody|"
    r"each\s+of\s+(?:you|us)|all\s+of\s+(?:you|us)|both\s+of\s+(?:you|us)|"
    r"some(?:one|body)|any(?:one|body)|one\s+of\s+(?:us|you)"
)
SKIP_VERBS = wordset(
    "see think admit bet say guess hope need know bear stop believe wonder imagine mind "
    "remember leave keep miss love hate like occur happen appear seem become remain matter "
    "depend cost mean exist belong involve um uh"
)
# Whole-group and unassigned subjects ("someone needs to ask Miriam"): no single owner.
GROUP_SUBJECTS = re.compile(
    r"^(?:we|everyone|everybody|each|all|both|you\s+(?:both|all)|some(?:one|body)|any(?:one|body)|"
    r"one\s+of)"
)
REQUEST = re.compile(
    r"\b(?:can|could|would|will)\s+(?:you|u)(?P<group>\s+(?:all|both|guys))?"
    r"(?:\s+(?:please|maybe|also|just|possibly))*\s+(?P<verb>[a-z][a-z'-]*)"
    r"|\b(?:can|could|would)\s+(?P<each>each\s+of\s+you|everyone|you\s+all)"
    r"(?:\s+(?:please|also|just))*\s+(?P<verb2>[a-z][a-z'-]*)"
)
SHOULD_I = re.compile(r"\b(?:should|shall)\s+i\s+(?P<verb>[a-z][a-z'-]*)")
OFFER = re.compile(r"\bi\s+(?:can|could)\s+(?P<verb>[a-z][a-z'-]*)")
ACCEPT = re.compile(
    r"^\W*(?:sure|yes|yeah|yep|yup|ok|okay|will\s+do|deal|of\s+course|no\s+problem|absolutely|"
    r"definitely|happy\s+to|can\s+do|i\s+can|i\s+will|i'll|sounds\s+good|fine|works\s+for\s+me|"
    r"on\s+it|noted|perfect|great|please|yes\s+please|that\s+would\s+be|that'd\s+be|thanks|"
    r"thank\s+you|consider\s+it\s+done)\b"
)
# Bare "ok" after advice is not a promise; an imperative needs a real commitment.
COMMIT = re.compile(
    r"^\W*(?:(?:ok|okay|sure|yes|yeah|right)[,.!]?\s+)?(?:will\s+do|deal|i\s+will|i'll|"
    r"on\s+it|can\s+do|i\s+can\s+do|consider\s+it\s+done)\b"
)
# Taking up an offer ("I can write one." - "Please."), stricter than a general yes.
TAKE_OFFER = re.compile(
    r"^\W*(?:(?:yes|yeah|oh|ok|okay)[,.!]?\s+)?(?:please|that\s+would\s+be\s+(?:great|helpful|"
    r"amazing|brilliant|lovely|perfect)|that'?d\s+be|thanks|thank\s+you|do\s+(?:that|it)|"
    r"go\s+ahead|please\s+do|deal|would\s+you)\b"
)
REFUSE = re.compile(r"^\W*(?:no\b|nope|i\s+can'?t|can'?t|not\s+sure|i\s+don'?t)")
FRAME = re.compile(
    r"^\W*(?:(?:so|ok|okay|and|right|then)[,.]?\s+)*(?:for\s+next\s+time|homework|next\s+steps?|"
    r"your\s+(?:task|homework|action)|action\s+items?|to\s*-?do|assignment|before\s+next\s+time|"
    r"next\s+step\s+is[^.]*)\s*[:,.!-]?\s*"
)
FRAME_ANYWHERE = re.compile(
    r"\b(?:homework|for\s+next\s+time|next\s+step|your\s+task|action\s+items?|assignment)\b"
)
RECAP = re.compile(
    r"\b(?:read\s+back|recap|to\s+sum\s+up|summing\s+up|let\s+me\s+summari[sz]e|so\s+the\s+plan|"
    r"the\s+plan\s+is|to\s+confirm|wrap(?:ping)?\s+up|action\s+items\s+(?:are|then)|"
    r"so\s+to\s+recap|who'?s\s+doing\s+what)\b|^\W*so\s*:\s"
)
NOT_TASK = re.compile(
    r"^(?:be\s+(?!at\b|there\b|in\b|on\b|back\b)|tell\s+you\s+(?:what|why|something|the|this)|"
    r"do\s+(?:that|it|this|both|so)\W*$|do\s+my\s+best|try\W*$|see\b|take\s+(?:that|it)\s+as|"
    r"keep\s+(?:that|it|this)\s+in\s+mind|let\s+you\s+(?:go|finish)|stop\s+there|"
    r"(?:meet|talk|catch\s+up|chat|speak)\s+(?:again|soon|next)|do\s+this\s+again|"
    r"(?:pick|take)\s+(?:it|this|that)\s+up\s+(?:next|later|again))"
)
IN_MEETING = re.compile(
    r"^(?:start|begin|kick\s+off|go\s+(?:first|next|on|ahead|straight|back|round|around|to\s+"
    r"(?:the|our))|go\s+(?:over|through)\s+(?:this|that|it|what|the\s+agenda)|move\s+on|proceed|"
    r"(?:open|close)\s+(?:the|our|this)\s+(?:meeting|session|call|door)|switch\s+to|"
    r"hand\s+(?:it\s+)?over|turn\s+to|wait|pause|stop|wrap\s+(?:up|this)|jump\s+in|skip|"
    r"pass\s+(?:it\s+)?(?:over|on)|talk\s+about|discuss|look\s+at\s+(?:this|that|it)\b|"
    r"come\s+(?:back\s+)?to\s+(?:that|this|it)|get\s+(?:back\s+|round\s+|around\s+)?to\s+"
    r"(?:that|this|it)|give\s+(?:you\s+)?(?:an?\s+)?(?:example|idea|overview|sense|quick|brief|"
    r"bit)|have\s+(?:a|the|three|two|our|some)\s+(?:\w+\s+)?(?:presentations?|meeting|"
    r"discussion|look|chat)|play\s+(?:the\s+)?role|(?:present|introduce)\s+myself|"
    r"take\s+(?:questions|notes|minutes)|hear\s+from|let\s+\w+\s+(?:go|start|speak)|"
    r"read\s+back|recap|summari[sz]e|write\s+(?:it|this|that)\s+up|share\s+(?:my|your|the)\s+screen)\b"
)
SCHEDULING = re.compile(
    r"^\W*(?:same\s+time|see\s+you|talk\s+(?:soon|then|next)|let'?s\s+(?:meet|talk|do\s+this|"
    r"pick\s+(?:this|it)\s+up|catch\s+up))"
)
CONDITIONAL = re.compile(r"\b(?:if|whether|unless|when(?:ever)?|once|in\s+case)\b")
CUT = re.compile(
    r",?(?<!\s)\s++and\s+(?:if|when|whenever|unless)\b|"
    r",?(?<!\s)\s++and\s+(?:we|i|you|he|she|they)(?:'ll|'d|\s+(?:will|can|could|should|might))\b"
    r"|(?<!\s)\s*+;|(?<!\s)\s++-\s+|,\s*(?:it'?s|it\s+is|that'?s|which|because|since|but|though|although|"
    r"otherwise|unless|if|i\s+think|i\s+guess|right\?|ok\b|okay\b|just\s+(?:in|on|so)|"
    r"even\s+if|nobody|honestly)\b|(?<!\s)\s++(?:because|since|but|though|although|otherwise|unless)\s|"
    r",?(?<!\s)\s++so\s+(?:that\s+)?(?:we|i|you|he|she|they|it)(?:'|\s+(?:can|could|have|know|are|am|is|"
    r"don'?t|won'?t|aren'?t)\b)|[.!?](?:\s|$)|,\s*(?:aiming|hoping|ideally|hopefully)\b|"
    r",\s*(?:and\s+)?(?:you|he|she|they|we|everyone|everybody|people|it)\s+(?!'ll|will|can\s+you)|"
    r",\s*(?:and\s+)?i(?:'m|'ve|'d|\s+(?!'ll|will))|"
    r"(?<!\s)\s++where\s+(?:you|we|everyone|people|they)\b"
)
WHEN = re.compile(r"\b(?:when\s+(?:could|can|will|would)\s+you|by\s+when|what\s+date|how\s+long)\b")
# "…, same deadline" repeats the previous item's date; "the same day it goes up" is an event.
SAME_DUE = re.compile(
    r"\b(?:(?<!the\s)same\s+(?:deadline|due\s+date|date|day|time)\b"
    r"(?!\s+(?:as|that|it|we|you|he|she|they|i|when)\b)|by\s+then\s+too\b)"
)
MASK_QUOTES = re.compile(r"\"[^\"]{1,300}\"")
FILLER = re.compile(
    r"^\W*(?:(?:so|ok|okay|and|also|then|now|right|yes|yeah|well|oh|great|good|fine|"
    r"actually|anyway|first|second|third|finally|please|just|alright)\b[,.!]?\s*)+"
)
ANAPHOR_ONLY = re.compile(r"^\W*+(?:and|so|ok|okay|yes|sure|fine|then)?\W*+$")
ANAPHOR = re.compile(
    r"^\S+(?:\s+\S+)?\s+(?:it|that|this|them|those|both|so)\b"
    r"|^\S+(?:\s+\S+)?\s+one(?=\s*(?:$|[,.;(]|(?:for|of|to|by|with|on|in|too)\b))"
)


# Requests answered on the spot ("can you explain …?", "can you try it now?").
IN_SESSION = frozenset(
    {
        "tell",
        "say",
        "see",
        "hear",
        "remind",
        "explain",
        "repeat",
        "clarify",
        "describe",
        "imagine",
        "think",
        "answer",
    }
)
RIGHT_NOW = frozenset(
    {
        "walk",
        "talk",
        "show",
        "try",
        "work",
        "calculate",
        "solve",
        "read",
        "help",
        "look",
        "check",
        "give",
        "go",
        "use",
        "do",
        "start",
    }
)
CHAT_VERBS = wordset(
    "look listen think imagine say wait hang remember trust let go see picture consider tell "
    "guess mind"
)
