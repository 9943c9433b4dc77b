"""The chat service: a message in, a routed job run, a Markdown reply with its result out.

    chat = ChatService.from_embedder(embedder)            # memory store by default
    reply = chat.respond("plan 30 minutes with Sam", jobs)  # jobs: ProgramJobs | WorkspaceJobs
    reply.intent, reply.reply, reply.result, reply.citations, reply.conversation_id

    for event in chat.stream("why that topic?", jobs, conversation_id=reply.conversation_id):
        ...  # ChatEvent: "intent" first (right after routing), "delta" text pieces, "final"

With ``token_stream=True`` a knowledge question answered by an LLM engine that streams is
shown as the model writes it (``live`` deltas); the checked reply then supersedes those
pieces (a ``replace`` event before ``final``), see :mod:`assistant.chat.live`.

The conversation (last intent, relationship, slots and result, bounded history) is loaded
from and saved to a :class:`~assistant.chat.conversation.ConversationStore`, so follow-ups
such as "make it 30 minutes" or "more questions for Sam" work across requests and workers.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any, Literal

from pydantic import BaseModel, Field

from assistant.answer import Answer
from assistant.chat import render
from assistant.chat.conversation import (
    MAX_TURNS,
    Conversation,
    ConversationStore,
    MemoryConversationStore,
    load_owned,
)
from assistant.chat.intents import IntentClassifier
from assistant.chat.jobs import JobResult, Jobs, Scope
from assistant.chat.live import appendix
from assistant.chat.router import JOBS, Route, pick_choice, route
from assistant.chat.slots import Choice
from assistant.errors import InputError, ProgramError

MAX_MESSAGE_CHARS = 8_000

CAPABILITIES = (
    '- **agenda**: a timed session plan ("plan 30 minutes with Sam about delegation")\n'
    "- **questions**: questions you can ask each other\n"
    "- **topics**: what a senior could learn from a junior colleague\n"
    "- **summarize**: paste your check-in notes and I will list who learned what, action items "
    "and flags\n"
    "- **ask**: any question about mentoring, answered from the guidance with sources"
)


class ChatReply(BaseModel):
    """One answer of the chat: what it understood, the reply and the job's result."""

    conversation_id: str
    intent: Literal[
        "agenda", "questions", "topics", "summarize", "ask", "help", "clarify", "decline"
    ]
    reply: str = Field(description="Markdown.")
    result: dict[str, Any] | None = Field(
        default=None, description="The structured result of the job that ran, if one did."
    )
    citations: list[dict[str, Any]] = Field(default_factory=list)


class ChatEvent(BaseModel):
    """A streamed piece: ``intent`` (once, after routing), ``delta`` (reply text),
    ``replace`` (the checked reply ``text`` supersedes the deltas shown so far; ``append``
    is what a client that can only append adds instead; ``engine`` and ``reason`` say who
    answered and why the model's text was replaced), ``final`` (the whole
    :class:`ChatReply`, whose ``reply`` is always the text to keep)."""

    type: Literal["intent", "delta", "replace", "final"]
    text: str | None = None
    intent: str | None = None
    conversation_id: str | None = None
    reply: ChatReply | None = None
    append: str | None = None
    engine: str | None = None
    reason: str | None = None
    # A delta straight from a model: send it now, more may take a while (next_events).
    live: bool = Field(default=False, exclude=True)


def check_message(message: str) -> str:
    """The message, stripped; InputError for empty or over-long messages."""
    if not isinstance(message, str) or not message.strip():
        raise InputError("The message is empty.", code="empty_message")
    if len(message) > MAX_MESSAGE_CHARS:
        raise InputError(
            f"The message is {len(message)} characters; the limit is {MAX_MESSAGE_CHARS}.",
            hint="Split long notes, or post them to the check-ins resource.",
            code="message_too_long",
        )
    return message.strip()


def next_events(events: Iterator[ChatEvent]) -> list[ChatEvent]:
    """The events ready to send: through the next ``live`` delta (a model's piece, to be
    sent at once), or all the rest. Blocks while a model writes; call it off the event loop."""
    ready: list[ChatEvent] = []
    for event in events:
        ready.append(event)
        if event.live:
            break
    return ready


def text_deltas(text: str, size: int = 48) -> Iterator[str]:
    """The reply in pieces of about ``size`` characters, split at word boundaries."""
    piece = ""
    for token in re.findall(r"\S+\s*|\s+", text):
        piece += token
        if len(piece) >= size or token.endswith("\n"):
            yield piece
            piece = ""
    if piece:
        yield piece


class ChatService:
    """Routes messages to jobs, keeps the conversation, renders replies."""

    def __init__(
        self,
        classifier: IntentClassifier,
        store: ConversationStore | None = None,
        *,
        max_turns: int = MAX_TURNS,
    ) -> None:
        self.classifier = classifier
        self.store: ConversationStore = store or MemoryConversationStore()
        self.max_turns = max_turns

    @classmethod
    def from_embedder(
        cls, embedder: Any, store: ConversationStore | None = None, **kw: Any
    ) -> ChatService:
        return cls(IntentClassifier.from_file(embedder), store, **kw)

    # -- the two entry points ---------------------------------------------------------------

    def respond(
        self,
        message: str,
        jobs: Jobs,
        *,
        conversation_id: str | None = None,
        relationship_id: str | None = None,
        program_id: str | None = None,
    ) -> ChatReply:
        """Route ``message``, run its job and return the reply (the conversation is saved)."""
        final = None
        for event in self.stream(
            message,
            jobs,
            conversation_id=conversation_id,
            relationship_id=relationship_id,
            program_id=program_id,
            deltas=False,
        ):
            if event.type == "final":
                final = event.reply
        assert final is not None
        return final

    def stream(
        self,
        message: str,
        jobs: Jobs,
        *,
        conversation_id: str | None = None,
        relationship_id: str | None = None,
        program_id: str | None = None,
        token_stream: bool = False,
        deltas: bool = True,
    ) -> Iterator[ChatEvent]:
        """Like :meth:`respond`, as events: the routed intent as soon as it is known, the
        reply in text deltas, then the final structured reply. Errors in the input raise
        before the first event.

        ``token_stream``: a knowledge question answered by an LLM engine that streams
        shows the model's own pieces as they come (then ``replace`` and ``final``); without
        it, or on the grounded engine, the finished reply is cut into deltas.
        ``deltas=False`` (a caller that only wants the final reply) skips cutting it."""
        text = check_message(message)
        scope = jobs.scope()
        conversation = self._conversation(conversation_id, scope)
        decided = route(
            text,
            conversation,
            scope,
            self.classifier,
            relationship_id=relationship_id,
            program_id=program_id,
        )
        return self._events(text, decided, conversation, scope, jobs, token_stream, deltas)

    def _events(
        self,
        text: str,
        decided: Route,
        conversation: Conversation,
        scope: Scope,
        jobs: Jobs,
        token_stream: bool = False,
        deltas: bool = True,
    ) -> Iterator[ChatEvent]:
        yield ChatEvent(type="intent", intent=decided.intent, conversation_id=conversation.id)
        live = jobs.stream_ask(text[:1000]) if token_stream and decided.intent == "ask" else None
        shown = ""
        if live is None:
            reply = self._run(text, decided, conversation, scope, jobs)
        else:
            answer = None
            for event in live.events():
                if event.kind == "delta":
                    shown += event.text
                    yield ChatEvent(type="delta", text=event.text, live=True)
                else:
                    answer = event.answer
            assert isinstance(answer, Answer)
            reply = self._answer_reply(conversation, answer)
        conversation.add("user", text, intent=reply.intent, max_turns=self.max_turns)
        conversation.add(
            "assistant",
            reply.reply,
            intent=reply.intent,
            citations=reply.citations,
            max_turns=self.max_turns,
        )
        self.store.save(conversation)
        if not shown:
            if deltas:
                for piece in text_deltas(reply.reply):
                    yield ChatEvent(type="delta", text=piece)
        elif shown != reply.reply:
            assert live is not None and answer is not None
            yield ChatEvent(
                type="replace",
                text=reply.reply,
                append=appendix(shown, reply.reply, answer, live.passages),
                engine=answer.engine,
                reason=answer.fallback_reason,
            )
        yield ChatEvent(type="final", reply=reply, conversation_id=conversation.id)

    def route(self, message: str, jobs: Jobs, *, conversation: Conversation | None = None) -> Route:
        """Only the routing decision (for the eval and the latency benchmark)."""
        return route(
            check_message(message), conversation or Conversation(), jobs.scope(), self.classifier
        )

    def pick_relationship(self, text: str, jobs: Jobs) -> Choice | None:
        """The one relationship of the user that ``text`` names (a person, a relationship
        id, a mode), or None when it names none or several."""
        scope = jobs.scope()
        picked = pick_choice(text, scope.choices, scope, allow_group=True)
        return picked if isinstance(picked, Choice) else None

    # -- internals ----------------------------------------------------------------------------

    def _conversation(self, conversation_id: str | None, scope: Scope) -> Conversation:
        if conversation_id is None:
            return Conversation(owner=scope.owner)
        return load_owned(self.store, conversation_id, scope.owner)

    def _reply(self, conversation: Conversation, intent: str, text: str, **kw: Any) -> ChatReply:
        return ChatReply(conversation_id=conversation.id, intent=intent, reply=text, **kw)

    def _run(
        self, text: str, decided: Route, conversation: Conversation, scope: Scope, jobs: Jobs
    ) -> ChatReply:
        intent = decided.intent
        if intent == "help":
            return self._reply(conversation, "help", self._help(scope))
        if intent == "decline":
            return self._reply(conversation, "decline", self._decline(decided, scope))
        if intent == "clarify":
            return self._clarify(decided, conversation, scope)
        if intent == "ask":
            return self._ask(text, conversation, jobs)
        if decided.explain:
            last = conversation.last_result or {}
            text = render.explain_markdown(intent, last, scope.first_name)
            cites = [
                {"number": n, "id": c["id"], "title": c["title"], "source": c["source"]}
                for n, c in enumerate(last.get("citations", []), start=1)
            ]
            return self._reply(conversation, intent, text, citations=cites)
        return self._job(decided, conversation, scope, jobs)

    def _job(
        self, decided: Route, conversation: Conversation, scope: Scope, jobs: Jobs
    ) -> ChatReply:
        choice = decided.choice
        assert choice is not None and decided.intent in JOBS
        name = scope.first_name
        try:
            if decided.intent == "agenda":
                done = jobs.agenda(choice, minutes=decided.minutes, focus=decided.focus)
            elif decided.intent == "questions":
                done = jobs.questions(choice, focus=decided.focus)
            elif decided.intent == "topics":
                done = jobs.topics(choice)
            else:
                assert decided.notes is not None
                done = jobs.summarize(choice, decided.notes)
        except (InputError, ProgramError) as exc:
            # The request was understood but cannot be done as asked: say why, keep going.
            text = f"I could not do that: {exc.message}" + (f"\n\n{exc.hint}" if exc.hint else "")
            return self._reply(conversation, decided.intent, text)
        text, cites = self._render(decided.intent, done, name)
        result = self._result_data(done)
        conversation.last_intent = decided.intent
        conversation.program_id = choice.program_id
        conversation.relationship_id = choice.relationship_id
        conversation.slots = {"minutes": decided.minutes, "focus": decided.focus}
        conversation.last_result = self._result_core(done)
        conversation.pending = None
        return self._reply(conversation, decided.intent, text, result=result, citations=cites)

    @staticmethod
    def _result_data(done: JobResult) -> dict[str, Any]:
        data = (
            done.result.to_dict()
            if isinstance(done.result, Answer)
            else done.result.model_dump(mode="json")
        )
        return {**done.data, **data} if done.data else data

    @staticmethod
    def _result_core(done: JobResult) -> dict[str, Any]:
        """What a follow-up needs of a result (the plan or summary itself, no raw notes)."""
        core = done.summary if done.summary is not None else done.result
        return core.to_dict() if isinstance(core, Answer) else core.model_dump(mode="json")

    @staticmethod
    def _render(intent: str, done: JobResult, name: Any) -> tuple[str, list[dict[str, Any]]]:
        from assistant.models import Agenda, QuestionSet, TopicSet

        result = done.result
        if isinstance(result, Agenda):
            return render.agenda_markdown(result, name), render.citation_list(result.citations)
        if isinstance(result, QuestionSet):
            return render.questions_markdown(result, name), render.citation_list(result.citations)
        if isinstance(result, TopicSet):
            return render.topics_markdown(result, name), render.citation_list(result.citations)
        summary = done.summary
        if summary is None:
            error = done.data.get("error") or "the summary is not ready"
            return (
                f"Your notes are stored as a check-in ({done.status}), but summarizing failed: "
                f"{error}. Ask me to summarize them again later.",
                [],
            )
        return (
            render.summary_markdown(summary, name, status=done.status),
            render.citation_list(summary.citations),
        )

    def _ask(self, text: str, conversation: Conversation, jobs: Jobs) -> ChatReply:
        answer = jobs.ask(text[:1000]).result
        assert isinstance(answer, Answer)
        return self._answer_reply(conversation, answer)

    def _answer_reply(self, conversation: Conversation, answer: Answer) -> ChatReply:
        text = render.answer_markdown(answer)
        if answer.declined:
            # The guidance does not cover it: a decline, with what it can do instead.
            text = f"{answer.answer}\n\nWhat I can do instead:\n{CAPABILITIES}"
            return self._reply(conversation, "decline", text, result=answer.to_dict())
        return self._reply(
            conversation,
            "ask",
            text,
            result=answer.to_dict(),
            citations=render.answer_citations(answer),
        )

    def _help(self, scope: Scope) -> str:
        lines = ["I am Comentor, a co-mentoring assistant. I can help with:", "", CAPABILITIES]
        if scope.choices:
            lines += ["", "Your relationships:"]
            lines += [f"- {c.label(scope.me)}" for c in scope.choices]
        return "\n".join(lines)

    def _decline(self, decided: Route, scope: Scope) -> str:
        if decided.reason == "asks for someone's records":
            head = (
                "I can't share anyone's check-in notes or private details. Staff see "
                "summaries in the program views; members see their own check-ins."
            )
        elif decided.reason in (
            "names someone the user shares no relationship with",
            "no relationship of the user has everyone named",
        ) or decided.reason.startswith("relationship "):
            mine = ", ".join(c.label(scope.me) for c in scope.choices) or "none yet"
            head = "I can only help with relationships you are part of. Yours: " + mine + "."
        elif decided.reason == "this role does not run jobs":
            head = (
                "Your role does not plan sessions or submit check-ins; I can still answer "
                "questions about mentoring from the guidance."
            )
        elif decided.reason == "the user has no relationships":
            head = "You are not in any mentoring relationship I know of yet."
        else:
            head = (
                "That is outside what I can help with: I don't give medical, legal or "
                "financial advice, write code or answer general questions."
            )
        return f"{head}\n\nWhat I can do instead:\n{CAPABILITIES}"

    def _clarify(self, decided: Route, conversation: Conversation, scope: Scope) -> ChatReply:
        if decided.choices:
            conversation.pending = {
                "intent": decided.label if decided.label in JOBS else decided.intent,
                "choices": [c.relationship_id for c in decided.choices],
                "minutes": decided.minutes,
                "focus": decided.focus,
                "notes": decided.notes,
            }
            options = "\n".join(
                f"{n}. {c.label(scope.me)}" for n, c in enumerate(decided.choices, start=1)
            )
            text = (
                f"Which relationship do you mean?\n\n{options}\n\nAnswer with a name or a number."
            )
            return self._reply(
                conversation,
                "clarify",
                text,
                result={
                    "choices": [
                        {
                            "program_id": c.program_id,
                            "relationship_id": c.relationship_id,
                            "label": c.label(scope.me),
                        }
                        for c in decided.choices
                    ]
                },
            )
        conversation.pending = None
        return self._reply(
            conversation,
            "clarify",
            "Paste the notes of your check-in (a transcript, bullets or prose) and I will "
            "summarize them.",
        )
