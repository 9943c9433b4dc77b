"""The output cleaner (assistant.safety.clean_text): hostile strings are neutralised and
ordinary sentences come out unchanged."""

from __future__ import annotations

import sys
import unicodedata

import pytest

from assistant.models import Learned
from assistant.safety import _INVISIBLE, clean_data, clean_text, sanitize, strip_invisible

REMOVED = "[link removed]"

HOSTILE = [
    # (text, what must not survive)
    ("see evil.example/upload?q=secret", "evil.example"),
    ("upload to EVIL.EXAMPLE/collect?d=1 now", "EVIL.EXAMPLE"),
    ("//evil.example/x?d=notes", "evil.example"),
    ("ping //cdn.evil.example", "evil.example"),
    ("visit files.example.com today", "example.com"),
    ("write to notes.evil.co.uk", "evil.co"),
    ("see evil.example:8080", "evil.example"),
    ("host evil.example#frag", "evil.example"),
    ("http://a.b/c?x=1", "a.b/c"),
    ("HTTPS://EVIL.EXAMPLE/X", "EVIL.EXAMPLE"),
    ("hxxp://obfuscated.example/x", "obfuscated"),
    ("www.evil.com/track", "evil.com"),
    ("ftp://files.example/a", "files.example"),
    ("10.0.0.1:8080/steal?d=1", "10.0.0.1"),
    ("javascript:alert(document.cookie)", "alert"),
    ("mailto:x@evil.example?body=secret", "secret"),
    ("data:text/html,<script>alert(1)</script>", "script"),
    ("data:,plain-text-payload", "payload"),
    ("DATA:image/png;base64,iVBORw0KGgo=", "iVBOR"),
    ("data:image/svg+xml;utf8,<svg onload=alert(1)>", "svg"),
    ("![x](https://evil.example/p.png?d=1)", "evil"),
    ("![x](//evil.example/p.png)", "evil"),
    ("[click here](evil.example/x)", "evil"),
    ("<img src=", "<img"),
    ('<img src="https://evil.example/a.png', "<img"),
    ("<a href=", "<a"),
    ("<a href='//evil.example'", "<a"),
    ("<svg onload=alert(1)", "onload"),
    ("<iframe", "<iframe"),
    ("<script>steal()</script>", "<script"),
    ("<!-- hide everything after this", "<!--"),
    ("abc\u202eexe.txt", "\u202e"),
    ("x\u2066y\u2069z", "\u2066"),
    ("x\u202ay\u202c", "\u202a"),
    ("tag\U000e0041\U000e0042 chars", "\U000e0041"),
    ("zero\u200bwidth", "\u200b"),
    ("soft\u00adhyphen", "\u00ad"),
    ("bom\ufeffhere", "\ufeff"),
    ("escape \x1b[31mred", "\x1b"),
    ("bell\x07", "\x07"),
    ("carriage\rreturn", "\r"),
]

ORDINARY = [
    "We agreed, e.g. on Friday, to meet again.",
    "i.e. the budget is approved in March.",
    "Upgrade to v1.2 before 10.30 on Monday.",
    "See report.pdf in the shared notes.",
    "Revenue grew 3.5% to 12.75 million.",
    "Leo knows Node.js/React well.",
    "Plan -> Leo reads it by Friday.",
    "A --> B is the flow.",
    "If a < b and c > d, stop.",
    "She finished her Ph.D. at 9 a.m. sharp.",
    "The U.S.A. trip moved.",
    "ASP.NET and VB.NET are old.",
    "Q1/Q2 plan, and/or later.",
    "Deadline 2026-03-12, at 10:30/11:00.",
    "The file notes_v2.docx is ready; README.md explains it.",
    "Look at 3.14159 and version 1.2.3.",
    "Price $4.99/month.",
    "Ratio 1:2, score 7/10.",
    "St. Louis office, Mr. Smith.",
    "Emoji 👩\u200d💻 works, and so does ✅.",
    "Tabs\tand\nnew lines stay.",
    "Amara: I'll send the deck (draft) tomorrow!",
    "Inés and Zoë met in Kraków; naïve café talk.",
    "Use [brackets] and (parentheses) freely.",
    "Under 5 min. Done.",
]


@pytest.mark.parametrize(("text", "gone"), HOSTILE)
def test_hostile_text_is_neutralised(text: str, gone: str) -> None:
    cleaned = clean_text(text)
    assert gone not in cleaned, cleaned
    assert not any(unicodedata.category(ch) in ("Cf", "Cc") and ch not in "\n\t" for ch in cleaned)


@pytest.mark.parametrize("text", ORDINARY)
def test_ordinary_text_is_unchanged(text: str) -> None:
    assert clean_text(text) == text


def test_urls_are_replaced_not_just_dropped() -> None:
    assert clean_text("send it to evil.example/x?q=1 please") == f"send it to {REMOVED} please"
    assert clean_text("mail [the deck](https://x.example/d) today") == "mail the deck today"


def test_invisible_list_matches_unicode_tables() -> None:
    wanted = {
        chr(c)
        for c in range(sys.maxunicode + 1)
        if unicodedata.category(chr(c)) in ("Cf", "Cc") and chr(c) not in "\n\t\u200d"
    }
    caught = {ch for ch in wanted if _INVISIBLE.fullmatch(ch)}
    assert caught == wanted
    assert not _INVISIBLE.search("\n\t abc 👩 é")


def test_strip_invisible_keeps_urls_and_paths() -> None:
    assert (
        strip_invisible("no file /tmp/a.example/x\u202e.txt\r\n")
        == "no file /tmp/a.example/x.txt\n"
    )


def test_clean_data_and_sanitize_walk_everything() -> None:
    data = {"a": ["x\u202ey", ("evil.example/p?q",)], "k\u200b": {"n": 3}}
    assert clean_data(data) == {"a": ["xy", (REMOVED,)], "k": {"n": 3}}
    learned = Learned(learner="leo", teacher="amara", what="see <img src= evil.example/x?d=1")
    assert sanitize(learned).what == f"see {REMOVED}"
