"""The patterns of lesson cues in written notes, one per way of saying who taught what.

"Amara walked me through …" (``show``), "Leo explained …" (``explain``), "Kwame's tip: …"
(``label``), "his rule that …" (``rule``), "how she reads a pipeline: …" (``how``), "He says
email them first" (``says``), "I told him that …" (``told``), "learned X from Mateo"
(``learned``), "I didn't know that …" (``uptake``), "lena -> dmitri: …" (``arrow``) and the
rest. ``cues`` tries them in this order on each clause and keeps the first that fits; the
named groups say who taught (``t``), who learned (``l``) and where the lesson starts
(``rest``).
"""

from __future__ import annotations

import re

_OBJ = (
    r"(?:me|him|her|them|us|everyone|everybody|the\s+(?:group|team|circle|others|rest\s+of\s+us)|"
    r"the\s+rest\s+of\s+the\s+(?:group|team|circle)|all\s+of\s+us|{names})"
)
_SUBJ = r"(?:i|we|he|she|they|{names})"
# "Destiny, who does this for a living on camera, gave the group …"
_ASIDE = r"(?:\s*,[^,;:]{{1,60}},)?"
# Objects that are the whole group ("showed us", "gave the team").
GROUP_OBJ = re.compile(r"^(?:us|everyone|everybody|the\s+|all\s+of\s+us|them)")
_LESSON_NOUNS = (
    r"(?:topic|segment|tip|tips|advice|rule|trick|point|suggestion|lesson|talk|session|"
    r"walkthrough|demo|recommendation|take|approach|method|framework|structure|template|"
    r"checklist|system|idea|rule\s+of\s+thumb)"
)
# What someone's advice is called when the notes report it ("his rule that …", "Mei-Lin's
# fix: …", "His answer: …").
_SAID_NOUNS = (
    r"rule|tip|trick|advice|fix|answer|lesson|suggestion|recommendation|mantra|hack|"
    r"takeaway|secret|rule\s+of\s+thumb"
)

# Where a clause may start without a subject: its start, after "->", ":" or ";", or after
# "and" ("Tunde drew a design and explained that …" takes the clause's subject).
OPEN = r"(?:^\W*|(?:->|→|=>|[:;])\s*|\band\s+(?:also\s+|then\s+)?)"


def patterns(names: str) -> list[tuple[str, re.Pattern[str]]]:
    """(kind, pattern) for each cue, in the order they are tried; ``names`` is the members'
    name alternation."""
    obj = _OBJ.format(names=names)
    subj = _SUBJ.format(names=names)
    lists = rf"{obj}(?:(?:\s*,\s*|\s+and\s+|\s*[&+/]\s*){obj})*"
    return [
        (
            "arrow",  # "lena -> dmitri: disclosure buttons need aria-expanded"
            re.compile(rf"^\W*(?P<t>{names})\s*(?:->|→|=>)\s*(?P<l>{names})\s*:\s*(?P<rest>.+)"),
        ),
        (
            "show",
            re.compile(
                rf"(?:{OPEN}|\b(?P<t>{subj})\s+)(?:also\s+|then\s+)?(?:showed|shows|show|taught|"
                rf"teaches|walked|walks|took|takes|talked)\s+(?P<l>{lists})\b(?P<rest>.*)"
            ),
        ),
        (
            "explain",
            re.compile(
                rf"(?:{OPEN}|\b(?P<t>{subj})\s+)(?:also\s+|then\s+)?(?:explained|explains|demoed|"
                rf"demonstrated|went\s+(?:over|through|thru)|ran\s+through|(?:walked|talked)\s+"
                rf"(?:thru|through)|did\s+an?\s+(?:[\w-]+\s+){{0,2}}?(?:demo|run|walkthrough|"
                rf"run-through))\b(?P<rest>.*)"
            ),
        ),
        (
            "share",
            re.compile(
                rf"\b(?P<t>{subj}){_ASIDE.format()}\s+(?:also\s+)?(?:shared|gave\s+(?:[\w-]+\s+){{0,3}}?(?:a|an|some|"
                rf"her|his|their|my|the|our))\s+(?:[\w-]+\s+){{0,3}}?(?P<noun>{_LESSON_NOUNS}|"
                rf"rundown|overview|primer|crash\s+course|intro)\b(?P<rest>.*)"
            ),
        ),
        (
            "share",  # "Tomás shared how he calms things down: …"
            re.compile(
                rf"\b(?P<t>{subj})\s+(?:also\s+)?shared\s+(?P<rest>(?:how|what|why|when)\b.*)"
            ),
        ),
        (
            "gave",  # "gave her the order abstract -> figures -> discussion"
            re.compile(
                rf"(?:{OPEN}|\b(?P<t>{subj})\s+)(?:also\s+)?gave\s+(?P<l>{lists})\s+(?P<rest>(?:the|a|"
                rf"an|some|my)\s+(?:[\w-]+\s+){{0,2}}?(?:{_LESSON_NOUNS}|order|steps|sequence|formula|"
                rf"recipe|shortcut|shortcuts)\b.*)"
            ),
        ),
        (
            "colon",  # "I added the one thing I have learned from twenty years: one number …"
            re.compile(
                rf"\b(?P<t>{subj}){_ASIDE.format()}\s+(?:also\s+)?(?:added|offered|shared|gave|passed\s+on)\b[^:]"
                rf"{{0,80}}\b(?:thing|tip|lesson|rule|advice|trick)s?\b[^:]*:\s*(?P<rest>.+)"
            ),
        ),
        (
            "label",
            re.compile(
                rf"^\W*(?P<t>{names})'s\s+(?:\w+\s+)?{_LESSON_NOUNS}\s*[:\-]\s*(?P<rest>.+)"
            ),
        ),
        (
            "rule",  # "his rule that a release candidate sits …", "D's rule = never …"
            re.compile(
                rf"\b(?P<t>{names}|his|her)(?:'s)?\s+(?:\w+\s+)?(?:{_SAID_NOUNS})s?"
                rf"(?:\s*[:=]|\s+-\s|\s+(?:is|was)\b|\s+that\b)\s*(?P<rest>.+)"
            ),
        ),
        (
            "how",  # "how she reads a pipeline: stage age > deal size"
            re.compile(rf"{OPEN}how\s+(?P<t>he|she|{names})\s+(?P<rest>[a-z]+s\b.+)"),
        ),
        (
            "on",  # "Lena on review tone: prefix optional comments with nit"
            re.compile(rf"^\W*(?P<t>{names})\s+on\s+[^:]{{3,60}}:\s*(?P<rest>.+)"),
        ),
        (
            "said",
            re.compile(
                rf"\b(?P<t>{subj}|her|his|their)(?:'s|\s+also)?\s+(?:point\s+was|said\s+to|"
                rf"suggested|recommended|advised|told\s+(?:me|him|her|us)\s+to)\b(?P<rest>.*)"
            ),
        ),
        (
            "says",  # "He says email potential supervisors before applying"
            re.compile(rf"\b(?P<t>he|she|{names})\s+(?:says|said)\s*,?\s+(?:that\s+)?(?P<rest>.+)"),
        ),
        (
            "told",  # "I told him that …", "Told him it's mileage or hours", "told him to …"
            re.compile(
                rf"(?:{OPEN}|\b(?P<t>{subj})\s+)(?:also\s+)?told\s+(?P<l>{lists})\s+"
                rf"(?P<rest>(?:that|what|how|why|to\s+[a-z]+|it'?s|it\s+is|there'?s|you)\b.*)"
            ),
        ),
        (
            "mine",  # "my usual line: don't change anything big in the first month"
            re.compile(
                r"(?P<t>\bmy)\s+(?:usual\s+|one\s+|golden\s+)?(?:line|rule|advice|tip|mantra)"
                r"(?:\s+is)?\s*[:\-]\s*(?P<rest>.+)"
            ),
        ),
        (
            "reference",
            re.compile(
                rf"\b(?:with|using|from|per|following)\s+(?P<t>{names})'s\s+(?:\w+\s+)?"
                rf"{_LESSON_NOUNS}\b(?P<rest>.*)"
            ),
        ),
        (
            "learned",  # "Leo learned X from Amara", "learned u can … (from mateo)"
            re.compile(
                rf"(?:{OPEN}|\b(?P<l>{subj})\s+)(?:also\s+)?(?:learned|learnt|picked\s+up\s+(?:a|the|"
                rf"this|that|one)\s+(?:[\w-]+\s+)?(?:trick|tip|idea|habit)|(?:what\s+)?stuck\s+with\s+"
                rf"me(?:\s+most)?|took\s+away)\b(?P<rest>.*?)\(?"
                rf"\bfrom\s+(?P<t>{names}|him|her)\b\)?(?P<after>.*)"
            ),
        ),
        (
            "wanted",  # "he wanted to get accrual vs cash, drew it on the whiteboard"
            re.compile(
                rf"\b(?P<l>he|she|{names})\s+wanted\s+to\s+(?:get|understand|learn|know|see)\s+"
                rf"(?P<rest>[^,;.]+)[,;]\s*(?:so\s+)?(?:i\s+)?(?:drew|explained|showed|walked|"
                rf"went\s+(?:through|over)|talked\s+(?:through|thru))\b"
            ),
        ),
        (
            "stuck",  # "She got stuck on the pipe, we went through it slowly"
            re.compile(
                rf"\b(?P<l>he|she|{names})\s+(?:got|was|were)\s+stuck\s+on\s+(?P<rest>[^,;.]+)[,;]"
                rf"\s*(?:so\s+)?(?:we|i)\s+(?:went\s+(?:through|over)|worked\s+through|explained|"
                rf"walked)\b"
            ),
        ),
        (
            "uptake",  # "I didn't know that most screen reader users …", "he had no idea u …"
            re.compile(
                rf"(?:{OPEN}|\b(?P<l>i|he|she|{names})\s+)(?:honestly\s+|genuinely\s+|really\s+)?"
                rf"(?:(?:didn'?t|did\s+not)\s+know|had\s+no\s+idea|never\s+knew|learn(?:ed|t)(?=\s+that))"
                rf"\s+(?!(?:how|what|where|why|when|whether|which|who)\b)(?:that\s+)?(?P<rest>.+)"
            ),
        ),
    ]


# Every cue has one of these words; a clause without any is skipped without trying each.
ANY_CUE = re.compile(
    r"\b(?:show|taught|teach|walk|took|take|talk|explain|demo|went|ran|did|shared|gave|added|"
    r"offered|passed|point|said|says|suggest|recommend|advis|told|my|learn|picked|wanted|stuck|"
    r"rule|tip|trick|fix|answer|lesson|mantra|hack|how|know|idea|knew)|'s\b|\son\s|->|→|=>"
)
