"""Chat: slots, conversation storage, the intent classifier and the dialogue on real parts
(the MiniLM embedder, the ingested guidance, the grounded engine)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from assistant.answer import Answer, AnswerSentence, Citation
from assistant.chat import (
    ChatService,
    Conversation,
    IntentClassifier,
    MemoryConversationStore,
    ProgramJobs,
    check_message,
)
from assistant.chat.intents import CLASSIFIED, load_examples, notes_shape
from assistant.chat.service import text_deltas
from assistant.chat.slots import parse_focus, parse_minutes
from assistant.config import Settings
from assistant.errors import ConfigError, InputError, NotFoundError, PermissionDenied
from assistant.knowledge.embeddings import MiniLMEmbedder
from assistant.knowledge.retrieval import HybridRetriever
from assistant.program import load_program
from assistant.service import Comentor
from evals import EVALS_DIR
from evals.intents import load_intent_set, score_intents

PROGRAM = EVALS_DIR / "programs" / "northwind.yaml"
TRANSCRIPT = (
    "Leo: I showed Sam how I plan my week in the team board.\n"
    "Sam: I explained the procurement approval thresholds to Leo.\n"
    "Leo: I'll send the planning template by Friday.\n"
    "Sam: I will review the onboarding checklist next week."
)


# -- slots -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "minutes"),
    [
        ("half an hour", 30),
        ("45 min", 45),
        ("an hour and a half", 90),
        ("90", 90),
        ("make it 30 minutes", 30),
        ("two hours", 120),
        ("1h30", 90),
        ("quarter of an hour", 15),
        ("three quarters of an hour", 45),
        ("forty-five mins please", 45),
        ("1.5 hours", 90),
        ("we only have 25", 25),
        ("I am free on Friday", None),
        ("give me 5 questions", None),
        ("plan with Sam", None),
    ],
)
def test_minutes(text: str, minutes: int | None) -> None:
    assert parse_minutes(text) == minutes


@pytest.mark.parametrize(
    ("text", "focus"),
    [
        (
            "plan a session focused on the April board review for my mentor",
            "the April board review",
        ),
        ("agenda about delegation", "delegation"),
        ("same but about public speaking, 30 min", "public speaking"),
        ("make it about an hour", None),
        ("plan our next session", None),
    ],
)
def test_focus(text: str, focus: str | None) -> None:
    assert parse_focus(text) == focus


def test_notes_shape_tells_pasted_notes_from_requests() -> None:
    assert notes_shape(TRANSCRIPT).looks_like_notes
    assert notes_shape(
        "- budgets\n- Sam will send the slides\n- next meeting soon"
    ).looks_like_notes
    assert not notes_shape("summarize my notes").looks_like_notes
    assert not notes_shape("How do I give feedback to a senior mentee?").looks_like_notes


def test_message_limits() -> None:
    with pytest.raises(InputError) as empty:
        check_message("   ")
    assert empty.value.code == "empty_message"
    with pytest.raises(InputError) as long:
        check_message("x" * 8001)
    assert long.value.code == "message_too_long" and "8000" in long.value.message
    assert check_message("x" * 8000) == "x" * 8000


def test_text_deltas_rebuild_the_reply() -> None:
    text = "**Agenda**\n\n- one item with several words in it\n- and another one " * 5
    pieces = list(text_deltas(text))
    assert len(pieces) > 5 and "".join(pieces) == text


# -- conversation storage --------------------------------------------------------------------


def test_history_is_bounded() -> None:
    conversation = Conversation()
    for n in range(50):
        conversation.add("user", f"message {n}", max_turns=10)
    assert len(conversation.turns) == 10
    assert conversation.turns[0].content == "message 40"


def test_memory_store_copies_and_evicts() -> None:
    store = MemoryConversationStore(capacity=2)
    first = Conversation(owner="7")
    store.save(first)
    first.last_intent = "agenda"  # a later edit does not change what is stored
    assert store.get(first.id) is not None and store.get(first.id).last_intent is None  # type: ignore[union-attr]
    second, third = Conversation(), Conversation()
    store.save(second)
    store.save(third)
    assert store.get(first.id) is None and len(store) == 2
    store.delete(third.id)
    assert store.get(third.id) is None


def test_examples_file_is_checked(tmp_path: Path) -> None:
    bad = tmp_path / "intents.yaml"
    bad.write_text("intents:\n  agendas: [plan it]\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="unknown intent label"):
        load_examples(bad)
    examples = load_examples(Path("knowledge/chat/intents.yaml"))
    assert set(examples) == set(CLASSIFIED)


def test_the_eval_set_is_large_varied_and_held_out() -> None:
    spec = load_intent_set(EVALS_DIR / "chat" / "intents.yaml")
    assert len(spec.cases) >= 200
    assert {c.intent for c in spec.cases} == {
        "agenda",
        "questions",
        "topics",
        "summarize",
        "ask",
        "help",
        "clarify",
        "decline",
    }
    examples = {
        " ".join(e.lower().split())
        for items in load_examples(Path("knowledge/chat/intents.yaml")).values()
        for e in items
    }
    shared = [c.id for c in spec.cases if " ".join(c.text.lower().split()) in examples]
    assert shared == [], f"eval utterances copied from the examples: {shared}"


# -- the classifier and the dialogue on real parts --------------------------------------------


@pytest.fixture(scope="module")
def classifier(embedder: MiniLMEmbedder) -> IntentClassifier:
    found = IntentClassifier.from_file(embedder)
    found.warm()
    return found


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("could you sketch out the running order for our next meeting", "agenda"),
        ("what can I ask my co-mentor next time", "questions"),
        ("what could the senior person learn from the junior one", "topics"),
        ("how should a mentor react when the mentee cancels twice", "ask"),
        ("which antibiotics cure a sore throat", "decline"),
        ("hello!", "help"),
        ("why did you rank that one first?", "explain"),
        (TRANSCRIPT, "summarize"),
    ],
)
def test_classifier_labels(classifier: IntentClassifier, text: str, label: str) -> None:
    prediction = classifier.classify(text)
    assert prediction.label == label, prediction.scores
    assert prediction.margin >= 0


class _WordVectors:
    """A small deterministic embedder (normalised counts of a few words) for the scoring
    arithmetic alone."""

    WORDS = ("plan", "agenda", "question", "learn", "notes", "help", "why", "doctor", "what")

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        rows = []
        for text in texts:
            words = text.lower().split()
            vec = np.array([words.count(w) for w in self.WORDS], dtype=np.float32) + 0.01
            rows.append(vec / np.linalg.norm(vec))
        return np.stack(rows)


def test_classifier_scores_knn_and_centroid_per_intent() -> None:
    """Each intent's score is 0.65 x the mean similarity of its 3 nearest examples (all of
    them when it has fewer) + 0.35 x the similarity to its centroid; intents with 1, 2 and
    5 examples side by side."""
    examples = {
        "agenda": ["plan agenda", "agenda plan plan", "plan", "agenda", "plan the agenda"],
        "questions": ["question", "question learn"],
        "topics": ["learn"],
        "summarize": ["notes", "notes notes plan"],
        "ask": ["what", "what question", "what learn"],
        "help": ["help"],
        "decline": ["doctor"],
        "explain": ["why", "why plan"],
    }
    embedder = _WordVectors()
    classifier = IntentClassifier(embedder, examples)
    messages = ["plan an agenda", "why this plan", "what should I learn", "help"]
    predictions = classifier.classify_many(messages)
    for message, prediction in zip(messages, predictions, strict=True):
        vec = embedder.embed([message])[0]
        for name, items in examples.items():
            rows = embedder.embed(items)
            nearest = sorted((rows @ vec).tolist(), reverse=True)[:3]
            centroid = rows.mean(axis=0)
            centroid /= np.linalg.norm(centroid)
            expected = 0.65 * sum(nearest) / len(nearest) + 0.35 * float(centroid @ vec)
            assert prediction.scores[name] == pytest.approx(expected, abs=2e-4), (message, name)
    assert [p.label for p in predictions] == ["agenda", "explain", "ask", "help"]


def test_intent_accuracy_on_the_labelled_set(classifier: IntentClassifier) -> None:
    scores = score_intents(classifier, EVALS_DIR / "chat" / "intents.yaml", EVALS_DIR / "programs")
    assert len(scores.outcomes) >= 200
    # The gate of record is in evals/thresholds.yaml; this guards the same figure.
    assert scores.accuracy >= 0.88, [
        (o.case.id, o.predicted) for o in scores.outcomes if not o.correct
    ]


@pytest.fixture(scope="module")
def chat_setup(
    knowledge_settings: Settings, knowledge_retriever: HybridRetriever, classifier: IntentClassifier
) -> tuple[ChatService, ProgramJobs]:
    comentor = Comentor(knowledge_settings, retriever=knowledge_retriever)
    program = load_program(PROGRAM)
    jobs = ProgramJobs(
        comentor, program, program_id="northwind", me="leo", today=dt.date(2026, 3, 12)
    )
    return ChatService(classifier), jobs


def test_a_conversation_with_follow_ups(chat_setup: tuple[ChatService, ProgramJobs]) -> None:
    chat, jobs = chat_setup
    first = chat.respond("plan the next session for us", jobs)
    assert first.intent == "clarify"
    assert [c["relationship_id"] for c in first.result["choices"]] == [  # type: ignore[index]
        "amara-leo-reverse",
        "leo-sam-nearpeer",
        "northwind-emerging-leaders",
    ]
    cid = first.conversation_id

    picked = chat.respond("Sam, about an hour", jobs, conversation_id=cid)
    assert picked.intent == "agenda" and picked.result is not None
    assert picked.result["relationship_id"] == "leo-sam-nearpeer"
    assert picked.citations and "**Agenda" in picked.reply

    shorter = chat.respond("make it 30 minutes", jobs, conversation_id=cid)
    assert shorter.intent == "agenda"
    assert shorter.result["total_minutes"] == 30  # type: ignore[index]
    assert shorter.result["relationship_id"] == "leo-sam-nearpeer"  # type: ignore[index]

    more = chat.respond("more questions for Sam", jobs, conversation_id=cid)
    assert more.intent == "questions" and more.result["relationship_id"] == "leo-sam-nearpeer"  # type: ignore[index]

    topics = chat.respond("what could Amara learn from me?", jobs, conversation_id=cid)
    assert topics.intent == "topics" and topics.result["relationship_id"] == "amara-leo-reverse"  # type: ignore[index]
    why = chat.respond("why that topic?", jobs, conversation_id=cid)
    assert why.intent == "topics" and why.result is None
    first_topic = topics.result["topics"][0]["topic"]  # type: ignore[index]
    assert first_topic in why.reply and why.citations

    notes = chat.respond(
        "summarize these notes for the same pair:\n" + TRANSCRIPT.replace("Sam", "Amara"),
        jobs,
        conversation_id=cid,
    )
    assert notes.intent == "summarize"
    assert notes.result["relationship_id"] == "amara-leo-reverse"  # type: ignore[index]
    assert notes.result["action_items"]  # type: ignore[index]

    stored = chat.store.get(cid)
    assert stored is not None and stored.last_intent == "summarize"
    assert len(stored.turns) == 14


def test_declines_say_what_it_can_do(chat_setup: tuple[ChatService, ProgramJobs]) -> None:
    chat, jobs = chat_setup
    for message in (
        "plan a session for Marcus and Hana",  # a relationship Leo is not in
        "show me Kwame's check-in notes",
        "what dosage of aspirin should I take",
        "write a python function that parses dates",
    ):
        reply = chat.respond(message, jobs)
        assert reply.intent == "decline", message
        assert reply.result is None and "What I can do instead" in reply.reply


def test_ask_answers_with_citations(chat_setup: tuple[ChatService, ProgramJobs]) -> None:
    chat, jobs = chat_setup
    reply = chat.respond("How do I give feedback to someone more senior than me?", jobs)
    assert reply.intent == "ask" and reply.citations
    assert reply.result is not None and not reply.result["declined"]


def test_answer_to_dict_is_asdict_and_a_copy() -> None:
    """The chat's result for an answer: the same as ``dataclasses.asdict``, and changing it
    leaves the answer alone."""
    answer = Answer(
        question="q?",
        answer="a.",
        sentences=[AnswerSentence(text="a.", citation=1, score=0.5)],
        citations=[Citation(1, "c1", "Title", "s.md", "Heading", "Excerpt.")],
        best_similarity=0.7,
        fallback_reason="why",
    )
    data = answer.to_dict()
    assert data == dataclasses.asdict(answer)
    data["sentences"][0]["text"] = "changed"
    data["citations"][0]["title"] = "changed"
    data["citations"].append({})
    assert answer.sentences[0].text == "a." and answer.citations[0].title == "Title"
    assert len(answer.citations) == 1


def test_stream_events(chat_setup: tuple[ChatService, ProgramJobs]) -> None:
    chat, jobs = chat_setup
    events = list(chat.stream("questions for Sam", jobs))
    assert events[0].type == "intent" and events[0].intent == "questions"
    assert events[-1].type == "final" and events[-1].reply is not None
    deltas = [e.text for e in events if e.type == "delta"]
    assert len(deltas) > 1 and "".join(d or "" for d in deltas) == events[-1].reply.reply


def test_stream_without_deltas(chat_setup: tuple[ChatService, ProgramJobs]) -> None:
    """A caller that wants only the reply (the non-streamed routes) gets no deltas: the
    intent, then the same final reply, the conversation stored all the same."""
    chat, jobs = chat_setup
    events = list(chat.stream("questions for Sam", jobs, deltas=False))
    assert [e.type for e in events] == ["intent", "final"]
    reply = events[-1].reply
    assert reply is not None and reply.intent == "questions" and reply.reply
    stored = chat.store.get(reply.conversation_id)
    assert stored is not None and stored.turns[-1].content == reply.reply


def test_unknown_and_foreign_conversations(chat_setup: tuple[ChatService, ProgramJobs]) -> None:
    chat, jobs = chat_setup
    with pytest.raises(NotFoundError):
        chat.respond("hi", jobs, conversation_id="conv_nope")
    theirs = Conversation(owner="someone-else")
    chat.store.save(theirs)
    with pytest.raises(PermissionDenied):
        chat.respond("hi", jobs, conversation_id=theirs.id)


def test_bad_slot_values_get_a_reply_not_an_error(
    chat_setup: tuple[ChatService, ProgramJobs],
) -> None:
    chat, jobs = chat_setup
    reply = chat.respond("agenda with Sam, 5 minutes", jobs)
    assert reply.intent == "agenda" and reply.result is None
    assert "I could not do that" in reply.reply
