from __future__ import annotations

from pathlib import Path

import pytest

from assistant.knowledge.chunking import chunk_document, slugify
from assistant.knowledge.loaders import UnreadableFile, decode_text, load_document
from tests.builders import GUIDE, make_pdf


def load(path: Path, source: str | None = None):  # type: ignore[no-untyped-def]
    return load_document(path, source or path.name, path.read_bytes())


def test_slugify_matches_the_documented_rule() -> None:
    assert slugify("Handling senior resistance") == "handling-senior-resistance"
    assert slugify("Relationship check: feedback & power balance") == (
        "relationship-check-feedback-power-balance"
    )
    assert slugify("Signs it isn't working") == "signs-it-isn-t-working"
    assert slugify("  --  ") == "section"


def test_markdown_front_matter_and_heading_chunks(tmp_path: Path) -> None:
    file = tmp_path / "pairing.md"
    file.write_text(GUIDE, encoding="utf-8")
    doc = load(file, "handbook/pairing.md")
    assert doc.title == "Pairing basics"
    assert doc.doc_id == "pairing-basics"
    assert doc.modes == ["peer", "lateral"]
    assert doc.audiences == ["coordinator"]
    chunks = chunk_document(doc)
    ids = [c.id for c in chunks]
    assert ids == [
        "handbook/pairing.md#pairing-basics",
        "handbook/pairing.md#matching-people",
        "handbook/pairing.md#matching-people-2",
        "handbook/pairing.md#checking-in-after-a-month",
    ]
    assert chunks[1].heading == "Matching people"
    assert "Ask both sides" in chunks[1].text
    assert "##" not in chunks[1].text
    assert chunks[1].embed_text.startswith("Pairing basics: Matching people\n")


def test_long_section_is_split_with_numbered_anchors(tmp_path: Path) -> None:
    body = " ".join(f"Sentence {i} about regular check-ins and follow-up." for i in range(200))
    file = tmp_path / "long.md"
    file.write_text(f"# Long\n\n## Check-ins\n\n{body}\n", encoding="utf-8")
    chunks = chunk_document(load(file), chunk_size=500, chunk_overlap=50)
    assert len(chunks) > 5
    assert chunks[0].anchor == "check-ins"
    assert [c.anchor for c in chunks[1:3]] == ["check-ins-2", "check-ins-3"]
    assert all(len(c.text) <= 500 for c in chunks)
    assert len({c.id for c in chunks}) == len(chunks)


def test_chunk_ids_are_stable_across_runs(tmp_path: Path) -> None:
    file = tmp_path / "pairing.md"
    file.write_text(GUIDE, encoding="utf-8")
    first = [(c.id, c.digest) for c in chunk_document(load(file))]
    second = [(c.id, c.digest) for c in chunk_document(load(file))]
    assert first == second


def test_markdown_template_noise_links_and_images_are_removed(tmp_path: Path) -> None:
    file = tmp_path / "noisy.md"
    file.write_text(
        "---\nlayout: page\ntitle: Open programme\n---\n"
        "{% include _includes/cohort-loop.html %}\n"
        '<div class="columns" markdown="1">\n\n'
        "![diagram](/images/x.png)\n\n"
        "Mentors meet their mentee every two weeks, see [the schedule]({% link s.md %}) "
        "or https://example.org/track?u=1 for details. {{ site.title }}\n</div>\n",
        encoding="utf-8",
    )
    doc = load(file)
    assert doc.title == "Open programme"
    assert "every two weeks, see the schedule" in doc.text
    for noise in ("{%", "{{", "<div", "](", "images/x.png", "https://", "example.org"):
        assert noise not in doc.text


def test_html_with_django_template_tags(tmp_path: Path) -> None:
    file = tmp_path / "guide.html"
    file.write_text(
        '{% extends "base.html" %}{% load static %}\n'
        "{% block title %}Mentor guide{% endblock %}\n{% block content %}\n"
        "<nav><a href='/'>Home</a> | <a href='/docs'>Docs</a></nav>\n"
        "<h1>Mentor guide</h1>\n<p>Welcome, mentors.</p>\n"
        "<h2>Weekly meetings</h2>\n<p>Meet your intern every week and review "
        "<a href='https://x.example/p'>the plan</a> together.</p>\n"
        "<script>track()</script>{% comment %}<p>hidden FIXME</p>{% endcomment %}\n"
        "<h2>Feedback</h2><ul><li>Give feedback early.</li><li>Ask for it too.</li></ul>\n"
        "{% endblock %}",
        encoding="utf-8",
    )
    doc = load(file)
    assert doc.kind == "html"
    for noise in ("{%", "track()", "FIXME", "Home | Docs", "x.example"):
        assert noise not in doc.text
    chunks = chunk_document(doc)
    anchors = [c.anchor for c in chunks]
    assert "weekly-meetings" in anchors and "feedback" in anchors
    weekly = next(c for c in chunks if c.anchor == "weekly-meetings")
    assert "review the plan together" in " ".join(weekly.text.split())


def test_pdf_pages_become_page_anchors_and_repeats_are_dropped(tmp_path: Path) -> None:
    intro = "Welcome to the contributor orientation.\nMentors pair with newcomers for a month."
    file = tmp_path / "deck [2026].pdf"
    file.write_bytes(
        make_pdf(
            [
                intro,
                "Agenda: intros, tooling, first issue, questions and answers.",
                intro,  # slide decks repeat slides
                "Find a good first issue and ask your mentor to review it.",
            ],
            title="Orientation deck",
        )
    )
    doc = load(file)
    assert doc.kind == "pdf" and doc.title == "Orientation deck"
    chunks = chunk_document(doc)
    assert [c.anchor for c in chunks] == ["page-1", "page-2", "page-4"]
    assert chunks[0].page == 1 and "Mentors pair with newcomers" in chunks[0].text


def test_pdf_ligatures_are_normalised(tmp_path: Path) -> None:
    from assistant.knowledge.loaders import _clean_pdf_text

    assert _clean_pdf_text("ﬁrst oﬃce ﬂow, conﬁ-\ndence") == "first office flow, confidence"


def test_plain_text_is_split_into_parts(tmp_path: Path) -> None:
    file = tmp_path / "notes.txt"
    file.write_text("\n\n".join(["A paragraph about mentoring circles. " * 20] * 4))
    chunks = chunk_document(load(file), chunk_size=600, chunk_overlap=0)
    assert [c.anchor for c in chunks[:3]] == ["part-1", "part-2", "part-3"]


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("bin.md", b"\x00\x01\x02binary\x00", "binary"),
        ("blank.txt", b"   \n\n  \t", "empty"),
        ("broken.pdf", b"%PDF-1.4\nthis is not really a pdf", "PDF"),
        ("fake.pdf", b"hello", "not a PDF"),
        ("only-front-matter.md", b"---\ntitle: x\n---\n", "no text"),
        ("controls.txt", bytes(range(1, 9)) * 200, "binary"),
    ],
)
def test_unreadable_files_raise_with_reason(
    tmp_path: Path, name: str, data: bytes, reason: str
) -> None:
    file = tmp_path / name
    file.write_bytes(data)
    with pytest.raises(UnreadableFile, match=reason):
        load(file)


def test_unsupported_suffix(tmp_path: Path) -> None:
    file = tmp_path / "sheet.xlsx"
    file.write_bytes(b"PK\x03\x04")
    with pytest.raises(UnreadableFile, match="unsupported"):
        load(file)


def test_decode_text_accepts_utf16_and_cp1252() -> None:
    assert decode_text("Café mentoring".encode("utf-16")) == "Café mentoring"
    assert decode_text("Caf\xe9 notes".encode("cp1252")) == "Café notes"


def test_page_without_headings_is_named_after_its_title(tmp_path: Path) -> None:
    file = tmp_path / "bonding.md"
    body = " ".join(
        f"Plan weekly activities for week {i} of the bonding period." for i in range(60)
    )
    file.write_text(f"---\ntitle: Community Bonding Period\n---\n\n{body}\n", encoding="utf-8")
    chunks = chunk_document(load(file), chunk_size=600, chunk_overlap=0)
    assert [c.anchor for c in chunks[:2]] == [
        "community-bonding-period",
        "community-bonding-period-2",
    ]
