"""Health, family, legal and money details and criticism of colleagues stay out of staff
summaries by default, even when nobody marked them (knowledge/guides/confidentiality-and-
trust.md), while ordinary work content that shares their words stays in.

Real embedder (MiniLM): cue words pick candidate sentences and the embedder confirms them
against the categories in knowledge/data/sensitive_topics.yaml. Each sensitive line carries
a canary; with the detection switched off the canary shows (so the test can fail), with it
on the canary is in no output format and ``confidential_redacted`` is set.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import numpy as np
import pytest

from assistant.knowledge.embeddings import MiniLMEmbedder
from assistant.models import CheckinSummary
from assistant.planners.common import SemanticMatcher
from assistant.program import Program, load_program
from assistant.render import render_summary
from assistant.summary import redact, summarize_checkin
from assistant.summary.sensitive import load_topics, sensitive_sentences
from tests.conftest import EVALS

HEAD = (
    "Check-in 12 March - Amara + Leo\n- Amara walked Leo through how the Q2 budget got approved\n"
)

# Unmarked personal details, each an action-like line carrying the canary ``{c}``.
SENSITIVE = [
    ("health", "Leo: I'll ask my doctor about the {c} anxiety medication before Friday"),
    ("health", "Amara: I'll book the {c} scan at the hospital for my back surgery by March 20"),
    (
        "health",
        "Leo: I've been off on sick leave with burnout, I'll see the {c} therapist next week",
    ),
    ("health", "Leo: I'll start the {c} counselling sessions for my panic attacks on Monday"),
    ("family", "Leo: I'll sort out the {c} custody papers with my ex-wife by Friday"),
    ("family", "Amara: I'll take leave for my father's funeral in {c} next week"),
    ("family", "Leo: I'll find a {c} carer for my mum, she can't live alone any more"),
    ("family", "Amara: my husband and I are separating, I'll move into the {c} flat by April 1"),
    ("legal", "Leo: I'll call the {c} immigration lawyer about my visa before it runs out in June"),
    ("legal", "Amara: I'll prepare for the {c} disciplinary hearing on Thursday"),
    ("legal", "Leo: I'll file the {c} harassment grievance against my team lead by Friday"),
    ("legal", "Amara: we're being sued by the landlord, I'll bring the {c} court papers next time"),
    ("money", "Leo: I'll ask for a pay rise, my salary of {c} is below the new hire's"),
    ("money", "Amara: I'll talk to the bank about the {c} overdraft and my debts this week"),
    (
        "money",
        "Leo: I can't afford the rent any more, I'll apply for the {c} hardship loan by Friday",
    ),
    ("criticism", "Leo: I'll send the {c} numbers myself, Dale in finance is useless"),
    ("criticism", "Amara: my manager keeps taking credit for my work, I'll cc the {c} group"),
    ("criticism", "Leo: Priya is so toxic, I'll avoid the {c} meeting she runs"),
    ("criticism", "Amara: the director is a bully, I'll document every {c} incident from now on"),
]
# Work lines that share the categories' words and belong in a summary (written apart from
# the `ordinary` sentences in the data file, which they must not copy).
ORDINARY = [
    "Leo: I'll put each account's health rating on the {c} renewal dashboard by Friday",
    "Amara: I'll ask legal to sign off the {c} supplier terms by March 20",
    "Leo: I'll show Amara how the {c} sales bonus scheme is costed in Power BI next week",
    "Leo: I'll raise the late {c} pallet count with the night shift lead tomorrow",
    "Amara: I'll send Leo the {c} injury reports from the Dayton dock by Friday",
    "Leo: I'll pay the {c} fuel surcharge invoices before month end",
    "Leo: I'll clean up the {c} salary band export for the HR analytics team by Friday",
    "Leo: I'll draft the {c} visa support letter template for the conference speakers",
    "Leo: I'll fix the awful {c} chart colours before the ops review",
    "Leo: I'll ask my manager for the {c} quarterly volume targets by Friday",
    "Amara: I'll share our playbook for a rude carrier dispatcher on the {c} hotline",
]

NORTHWIND = EVALS / "programs" / "northwind.yaml"


@pytest.fixture(scope="module")
def northwind() -> Program:
    return load_program(NORTHWIND)


@pytest.fixture(scope="module")
def embed(embedder: MiniLMEmbedder) -> Callable[[list[str]], np.ndarray]:
    return SemanticMatcher(embedder).embed


def summarize(line: str, program: Program, embed: object) -> CheckinSummary:
    return summarize_checkin(
        HEAD + "- " + line + "\n",
        program=program,
        relationship=program.relationship("amara-leo-reverse"),
        date=dt.date(2026, 3, 12),
        embed=embed,  # type: ignore[arg-type]
    )


def shown(summary: CheckinSummary, program: Program) -> str:
    return summary.model_dump_json() + "\n" + render_summary(summary, program)


@pytest.mark.parametrize(("category", "line"), SENSITIVE, ids=[s[1][:50] for s in SENSITIVE])
def test_sensitive_details_are_left_out_by_default(
    category: str,
    line: str,
    northwind: Program,
    embed: object,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    mark = f"Kestrel-{3000 + SENSITIVE.index((category, line))}"
    text = line.replace("{c}", mark)
    with monkeypatch.context() as off:
        off.setattr(redact, "mark_sensitive", lambda notes, people, embed: 0)
        assert mark in shown(summarize(text, northwind, embed), northwind), "control"
    summary = summarize(text, northwind, embed)
    assert mark not in shown(summary, northwind)
    assert "confidential_redacted" in summary.flag_codes()
    assert "Q2 budget" in shown(summary, northwind)


@pytest.mark.parametrize("line", ORDINARY, ids=[s[:50] for s in ORDINARY])
def test_ordinary_work_content_stays(line: str, northwind: Program, embed: object) -> None:
    mark = f"Kestrel-{4000 + ORDINARY.index(line)}"
    summary = summarize(line.replace("{c}", mark), northwind, embed)
    assert mark in shown(summary, northwind)
    assert "confidential_redacted" not in summary.flag_codes()


def test_test_sentences_are_not_copies_of_the_data() -> None:
    topics = load_topics()
    data = {s.lower() for s in topics.reference_texts}
    for _category, line in SENSITIVE:
        assert line.split(": ", 1)[1].replace("{c} ", "").lower() not in data
    for line in ORDINARY:
        assert line.split(": ", 1)[1].replace("{c} ", "").lower() not in data


def test_without_an_embedder_only_unambiguous_words_decide() -> None:
    members = {"amara", "leo", "okafor", "nguyen"}
    found = sensitive_sentences(
        [
            "My father passed away last month.",  # strong cue
            "I'll ask my doctor about it.",  # needs the embedder
            "The customer health score is set by hand.",
        ],
        members=members,
        embed=None,
    )
    assert found == ["family", None, None]


def test_criticism_needs_someone_outside_the_pair(embed: object) -> None:
    members = {"amara", "leo", "okafor", "nguyen"}
    found = sensitive_sentences(
        [
            "Dale in finance is useless and lazy.",
            "The old dashboard was useless, so we rebuilt it.",
        ],
        members=members,
        embed=embed,  # type: ignore[arg-type]
    )
    assert found == ["colleague_criticism", None]


def test_embedding_cost_is_bounded_to_candidates() -> None:
    """Only sentences with a cue word are embedded, in one batch; the categories once."""
    calls: list[list[str]] = []

    def counting(texts: list[str]) -> np.ndarray:
        calls.append(list(texts))
        rng = np.random.default_rng(len(texts))
        vectors = rng.normal(size=(len(texts), 8)).astype(np.float32)
        return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)

    texts = [f"I'll send Amara the route plan number {i} by Friday." for i in range(300)]
    texts[150] = "I'll ask my doctor about the anxiety medication before Friday."
    texts[200] = "My mum is in hospital again."
    for _ in range(3):
        sensitive_sentences(texts, members={"amara", "leo"}, embed=counting)
    reference = load_topics().reference_texts
    assert calls.count(reference) == 1
    batches = [c for c in calls if c != reference]
    assert batches == [[texts[150], texts[200]]] * 3
