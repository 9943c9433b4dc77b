"""The LLM engine: every job through a chat model, checked like the grounded engine's.

Each job starts from the grounded result. For the planners the grounded structure stands
(minutes, kinds, who leads or asks whom, citations) and the LLM rewrites the wording of the
items it improves, keyed by item number; summaries and answers it writes whole, from the
grounded one as a draft. Replies come back as JSON-schema structured output; citations that
do not resolve are dropped and logged, and the service's validators then decide. Anything
short of a valid result raises :class:`~assistant.errors.LLMError` (or fails validation),
and the service answers with the grounded result, recording why.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage
from pydantic import BaseModel

from assistant.answer import Answer, AnswerSentence, cite, excerpt
from assistant.config import Settings
from assistant.engine import (
    AgendaRequest,
    GroundedEngine,
    QuestionsRequest,
    SummaryRequest,
    TopicsRequest,
)
from assistant.errors import LLMError
from assistant.knowledge.retrieval import Passage
from assistant.llm.backends import LLMSpec, build_chat_model, parse_spec
from assistant.llm.breaker import CircuitBreaker, Guard
from assistant.llm.notes import notes_for_llm
from assistant.llm.prompts import Prompts
from assistant.llm.structured import (
    MAX_POINTS,
    AgendaEdit,
    AgendaReply,
    AnswerReply,
    QuestionEdit,
    QuestionsReply,
    SummaryReply,
    TopicEdit,
    TopicsReply,
    parse_reply,
    response_format,
)
from assistant.models import Agenda, CheckinSummary, FlagCode, QuestionSet, TopicSet
from assistant.planners.common import PlanContext, junior_and_senior
from assistant.safety import clean_text
from assistant.summary.people import People

log = logging.getLogger("comentor.llm")
R = TypeVar("R", bound=BaseModel)
Item = TypeVar("Item", bound=BaseModel)
T = TypeVar("T")

# Prompt size is time: a small local model reads ~1,000 prompt tokens in about a second on
# two quiet cores, several times that on a busy machine. Planners get the few passages their
# draft cites, briefly (the wording is the LLM's job there, not the substance); answers get
# more of each retrieved passage, since they must say what the passages say.
PASSAGE_CHARS = 450
PLAN_PASSAGE_CHARS = 300
MAX_PASSAGES = 3
NOT_COVERED = (
    "The guidance I have does not cover this question, so I won't guess. I can help with "
    "mentoring questions: preparing sessions, reciprocal and reverse mentoring, group formats, "
    "goals, check-ins, feedback and confidentiality."
)
_MARKERS = re.compile(r"(.+?)((?:\s*\[\d+\])+)\s*", re.DOTALL)
_NUMBER = re.compile(r"\[(\d+)\]")
_REJECTED = re.compile(r"HTTP (?:400|422)\b|HTTP \d+ .*response_format")
_NOT_COVERED = re.compile(
    r"\b(?:do(?:es)?\s*n[o']t|not)\s+(?:cover|answer|address|say|mention)", re.IGNORECASE
)


@dataclass
class AnswerEvent:
    """A streamed answer: ``delta`` events carry text as it comes; the one ``final`` event
    carries the checked :class:`~assistant.answer.Answer` (the grounded one on fallback,
    in which case the deltas already shown should be replaced by it)."""

    kind: str
    text: str = ""
    answer: Answer | None = None


class LLMEngine:
    """An :class:`~assistant.engine.Engine` backed by a LangChain chat model."""

    def __init__(
        self,
        spec: LLMSpec,
        model: BaseChatModel,
        *,
        guard: Guard | None = None,
        prompts: Prompts | None = None,
        style: str | None = None,
        max_tokens: int | None = None,
    ) -> None:
        self.spec = spec
        self.name = spec.label
        self.model = model
        self.guard = guard or Guard()
        self.prompts = prompts or Prompts()
        # llama-cpp-python in-process takes its own form of the schema; servers take OpenAI's.
        self.style = style or ("json_object" if spec.kind == "local" else "json_schema")
        self.grounded = GroundedEngine()
        self.max_tokens = max_tokens

    @classmethod
    def from_settings(cls, spec: str | LLMSpec, settings: Settings) -> LLMEngine:
        parsed = parse_spec(spec) if isinstance(spec, str) else spec
        breaker = CircuitBreaker(settings.llm_breaker_threshold, settings.llm_breaker_cooldown)
        guard = Guard(timeout=settings.llm_timeout, retries=settings.llm_retries, breaker=breaker)
        return cls(
            parsed,
            build_chat_model(parsed, settings),
            guard=guard,
            max_tokens=settings.llm_max_tokens,
        )

    # -- the model call ----------------------------------------------------------------------

    def messages(self, task: str, *, json: bool = True, **variables: Any) -> list[BaseMessage]:
        return [
            SystemMessage(self.prompts.render("system", json=json)),
            HumanMessage(self.prompts.render(task, **variables)),
        ]

    def complete(self, task: str, reply: type[R], **variables: Any) -> R:
        """One structured call: the reply parsed into ``reply``, or ``LLMError``."""
        messages = self.messages(task, **variables)
        budget = reply_budget(str(variables.get("draft", "")), self.max_tokens)
        try:
            message = self._call(messages, reply, budget)
        except LLMError as exc:
            # Some OpenAI-compatible servers (llama-cpp-python's) take the schema only in
            # their own form: switch once, and keep that form from then on.
            if self.style != "json_schema" or not _REJECTED.search(exc.message):
                raise
            log.info("%s rejected a json_schema response_format; using json_object", self.name)
            self.style = "json_object"
            message = self._call(messages, reply, budget)
        assert isinstance(message, AIMessage)
        refusal = message.additional_kwargs.get("refusal")
        if refusal:
            raise LLMError(f"the LLM refused: {str(refusal)[:200]}", kind="refused")
        finish = message.response_metadata.get("finish_reason")
        return parse_reply(_text(message), reply, truncated=finish == "length")

    def _call(
        self, messages: list[BaseMessage], reply: type[BaseModel], budget: int | None
    ) -> BaseMessage:
        fmt = response_format(reply, self.style)
        extra: dict[str, Any] = {"max_tokens": budget} if budget else {}

        def invoke() -> BaseMessage:
            try:
                return self.model.invoke(messages, response_format=fmt, **extra)
            except Exception as exc:
                cut = _cut_off(exc)
                if cut is None:
                    raise
                return cut

        return self.guard.call(invoke)

    # -- planners ------------------------------------------------------------------------------

    def agenda(self, ctx: PlanContext, request: AgendaRequest) -> Agenda:
        draft = self.grounded.agenda(ctx, request)
        teachers = draft.rotation.teaching_now if draft.rotation else [p.id for p in ctx.members]
        junior = (
            junior_and_senior(ctx)[0].id if ctx.mode == "reverse" and len(teachers) == 2 else ""
        )
        edits = AgendaReply.model_construct(
            items=[
                AgendaEdit.model_construct(item=n, title=i.title, notes=i.notes)
                for n, i in enumerate(draft.items, 1)
            ]
        )
        reply = self.complete(
            "agenda",
            AgendaReply,
            draft=edits.model_dump_json(),
            plan=[
                f"{n}. {i.kind.value}, {i.minutes} min, led by {', '.join(i.led_by) or '-'}"
                + (f", for {', '.join(i.learners)}" if i.learners else "")
                for n, i in enumerate(draft.items, 1)
            ],
            minutes=draft.total_minutes,
            focus=request.focus or "",
            teachers=teachers,
            reverse_junior=junior,
            **self._common(ctx, [c for i in draft.items for c in i.citations]),
        )
        items = _merge(
            draft.items,
            reply.items,
            lambda e: {"title": e.title, "notes": e.notes},
            self.name,
        )
        return draft.model_copy(update={"items": items, "engine": self.name})

    def questions(self, ctx: PlanContext, request: QuestionsRequest) -> QuestionSet:
        draft = self.grounded.questions(ctx, request)
        edits = QuestionsReply.model_construct(
            questions=[
                QuestionEdit.model_construct(item=n, text=q.text)
                for n, q in enumerate(draft.questions, 1)
            ]
        )
        reply = self.complete(
            "questions",
            QuestionsReply,
            draft=edits.model_dump_json(),
            plan=[
                f"{n}. {q.asker} asks {q.answerer} about {q.topic}"
                + (f" (for the goal: {q.goal})" if q.goal else "")
                for n, q in enumerate(draft.questions, 1)
            ],
            focus=request.focus or "",
            **self._common(ctx, [c for q in draft.questions for c in q.citations]),
        )
        found = _merge(draft.questions, reply.questions, lambda e: {"text": e.text}, self.name)
        return draft.model_copy(update={"questions": found, "engine": self.name})

    def topics(self, ctx: PlanContext, request: TopicsRequest) -> TopicSet:
        draft = self.grounded.topics(ctx, request)
        edits = TopicsReply.model_construct(
            topics=[
                TopicEdit.model_construct(item=n, why=t.why, starter_questions=t.starter_questions)
                for n, t in enumerate(draft.topics, 1)
            ]
        )
        reply = self.complete(
            "topics",
            TopicsReply,
            draft=edits.model_dump_json(),
            plan=[f"{n}. {t.topic}" for n, t in enumerate(draft.topics, 1)],
            mentor=draft.mentor,
            mentee=draft.mentee,
            **self._common(ctx, [c for t in draft.topics for c in t.citations]),
        )
        found = _merge(
            draft.topics,
            reply.topics,
            lambda e: {"why": e.why, "starter_questions": e.starter_questions},
            self.name,
        )
        return draft.model_copy(update={"topics": found, "engine": self.name})

    def summarize(self, ctx: PlanContext, request: SummaryRequest) -> CheckinSummary:
        draft = self.grounded.summarize(ctx, request)
        notes, private_terms, _ = notes_for_llm(
            request.notes, ctx.program, ctx.relationship, ctx.matcher.embed
        )
        previous = request.previous.action_items if request.previous else []
        body = draft.model_dump(
            mode="json",
            include={"overview", "learned", "action_items", "decisions", "concerns"}
            | {"goal_progress", "flags"},
        )
        body["flags"] = [f for f in body["flags"] if f["code"] != FlagCode.CONFIDENTIAL_REDACTED]
        reply = self.complete(
            "summary",
            SummaryReply,
            # The grounded summary as JSON in the reply's shape (not validated against the
            # reply's bounds: a long meeting's draft may exceed them; the reply may not).
            draft=json.dumps(body, ensure_ascii=False, separators=(",", ":")),
            date=request.date.isoformat(),
            notes=notes,
            previous=[
                f"{a.task} (owner: {a.owner or 'none'}; due: {a.due or 'none'})" for a in previous
            ],
            **self._common(ctx, []),
        )
        clean = _scrubber(private_terms)
        dropped: list[str] = []
        # Whether private text was left out is known for certain, not the model's call.
        flags = [
            f.model_copy(update={"citations": self._keep(ctx, f.citations, dropped)})
            for f in reply.flags
            if f.code != FlagCode.CONFIDENTIAL_REDACTED
        ] + [f for f in draft.flags if f.code == FlagCode.CONFIDENTIAL_REDACTED]
        ids = list(dict.fromkeys(c for f in flags for c in f.citations))
        # A member named as the model wrote them ("Kei", "kei tanaka") is that member; any
        # other name stays as written, and the validator refuses it.
        people = People(ctx.program, ctx.relationship)

        def member(name: str | None) -> str | None:
            return name and (people.resolve(name, strict=True) or name)

        learned = [
            e.model_copy(update={"learner": member(e.learner), "teacher": member(e.teacher)})
            for e in reply.learned
            if clean([e.what])
        ]
        actions = [
            a.model_copy(update={"owner": member(a.owner)})
            for a in reply.action_items
            if clean([a.task])
        ]
        progress = [
            g.model_copy(update={"participant": member(g.participant)})
            for g in reply.goal_progress
            if clean([g.evidence, g.goal])
        ]
        # A small model may write an entry twice; the copy says nothing more (it would count
        # as a second action item).
        return draft.model_copy(
            update={
                "overview": reply.overview if clean([reply.overview]) else draft.overview,
                "learned": _unique(learned, lambda e: (e.learner, e.teacher, _same(e.what))),
                "action_items": _unique(actions, lambda a: (a.owner, _same(a.task))),
                "decisions": _unique([d for d in reply.decisions if clean([d])], _same),
                "concerns": _unique([c for c in reply.concerns if clean([c])], _same),
                "goal_progress": _unique(
                    progress, lambda g: (g.participant, _same(g.goal), _same(g.evidence))
                ),
                "flags": flags,
                "citations": ctx.guidance.citation_refs(ids),
                "engine": self.name,
            }
        )

    # -- knowledge answers --------------------------------------------------------------------

    def answer(self, question: str, passages: list[Passage], draft: Answer) -> Answer:
        """An answer from ``passages`` only, citing them; ``LLMError`` when unusable."""
        reply = self.complete(
            "answer", AnswerReply, **self._answer_vars(question, passages, draft, True)
        )
        points = [(p.text, p.passages) for p in reply.points]
        return self._answer(question, passages, draft, reply.covered, points)

    def stream_answer(
        self, question: str, passages: list[Passage], draft: Answer
    ) -> Iterator[AnswerEvent]:
        """The answer token by token, then the checked answer (or the grounded one)."""
        messages = self.messages(
            "answer", json=False, **self._answer_vars(question, passages, draft, False)
        )
        text = ""
        try:
            for piece in self.guard.stream(lambda: _pieces(self.model.stream(messages))):
                text += piece
                yield AnswerEvent("delta", piece)
            found = [
                (m.group(1).strip(), [int(n) for n in _NUMBER.findall(m.group(2))])
                for m in _MARKERS.finditer(text)
            ]
            covered = bool(found) or not _NOT_COVERED.search(text)
            final = self._answer(question, passages, draft, covered, found)
        except LLMError as exc:
            final = fallback_answer(draft, self.name, exc.message)
        yield AnswerEvent("final", answer=final)

    def _answer_vars(
        self, question: str, passages: list[Passage], draft: Answer, structured: bool
    ) -> dict[str, Any]:
        number = {p.id: n for n, p in enumerate(passages, start=1)}
        by_citation = {c.number: number.get(c.id) for c in draft.citations}
        points = [
            {"text": s.text, "passages": [n] if (n := by_citation.get(s.citation)) else []}
            for s in draft.sentences
        ][:MAX_POINTS]  # the draft within the reply's limits, so a copy of it is valid
        if structured:
            # The draft as the reply would be: json.dumps, since a draft need not fit the
            # reply's limits (a model copying it past them fails, and falls back).
            shown = json.dumps(
                {"covered": not draft.declined, "points": points},
                ensure_ascii=False,
                separators=(",", ":"),
            )
        else:
            shown = " ".join(f"{p['text']} [{p['passages'][0]}]" for p in points if p["passages"])
        return {
            "question": question,
            "passages": [_shown(p) for p in passages],
            "draft": shown,
            "structured": structured,
            "max_points": MAX_POINTS,
        }

    def _answer(
        self,
        question: str,
        passages: list[Passage],
        draft: Answer,
        covered: bool,
        points: Iterable[tuple[str, list[int]]],
    ) -> Answer:
        if not covered:
            return Answer(
                question=question,
                answer=NOT_COVERED,
                declined=True,
                best_similarity=draft.best_similarity,
                engine=self.name,
            )
        numbers: dict[int, int] = {}  # passage index -> citation number, by first use
        sentences: list[AnswerSentence] = []
        problems: list[str] = []
        for text, cited in points:
            good = [n for n in dict.fromkeys(cited) if 1 <= n <= len(passages)]
            if len(good) < len(set(cited)):
                log.warning("%s answer: dropped citations of missing passages %s", self.name, cited)
            sentence = clean_text(" ".join(text.split()))
            if not sentence:
                continue
            if not good:
                problems.append(f"{sentence[:60]!r} cites no retrieved passage")
                continue
            mark = numbers.setdefault(good[0] - 1, len(numbers) + 1)
            sentences.append(AnswerSentence(sentence, mark, 0.0))
        if not sentences:
            problems.append("the answer has no cited sentence")
        if problems:
            raise LLMError(
                "the LLM answer failed validation (" + "; ".join(problems[:3]) + ")",
                kind="invalid",
            )
        citations = [cite(n, passages[i]) for i, n in numbers.items()]
        text = " ".join(f"{s.text} [{s.citation}]" for s in sentences)
        return Answer(
            question=question,
            answer=text,
            sentences=sentences,
            citations=citations,
            best_similarity=draft.best_similarity,
            engine=self.name,
        )

    # -- helpers -------------------------------------------------------------------------------

    def _common(self, ctx: PlanContext, cited: list[str]) -> dict[str, Any]:
        found = ctx.guidance.resolve(list(dict.fromkeys(cited))[:MAX_PASSAGES])
        return {
            "relationship_id": ctx.relationship.id,
            "mode": ctx.mode,
            "ids": [p.id for p in ctx.members],
            "people": [_profile(ctx, p.id) for p in ctx.members],
            "passages": [_shown(p, PLAN_PASSAGE_CHARS) for p in found.values()],
        }

    def _keep(self, ctx: PlanContext, ids: list[str], dropped: list[str]) -> list[str]:
        """The citations that resolve; the others are dropped and logged."""
        unique = list(dict.fromkeys(ids))
        known = ctx.guidance.resolve(unique)
        bad = [i for i in unique if i not in known]
        if bad:
            log.warning("%s: dropped citations that do not resolve: %s", self.name, bad)
            dropped.extend(bad)
        return [i for i in unique if i in known]


def reply_budget(draft: str, cap: int | None) -> int | None:
    """Most tokens a structured reply may take: room for a reply as long as the draft (JSON
    runs about 3-4 characters a token) plus some to spare, never more than ``cap``. A reply
    far longer than its draft is a model repeating itself, and it would only cost time."""
    if not draft or cap is None:
        return cap
    return min(cap, len(draft) // 3 + 192)


def fallback_answer(draft: Answer, engine: str, reason: str) -> Answer:
    """The grounded answer standing in for an LLM's, with the reason recorded."""
    log.warning("%s engine: answer replaced by the grounded one: %s", engine, reason)
    return dataclasses.replace(
        draft, engine=f"grounded (fallback from {engine})", fallback_reason=reason
    )


def answer_with(engine: Any, question: str, passages: list[Passage], draft: Answer) -> Answer:
    """``engine``'s answer when it has one and can give it; else the grounded ``draft``."""
    if draft.declined or not passages or not hasattr(engine, "answer"):
        return draft
    try:
        return engine.answer(question, passages, draft)
    except LLMError as exc:
        return fallback_answer(draft, engine.name, exc.message)


def _same(text: str) -> str:
    """``text`` as compared for repeats: case and spacing do not count."""
    return " ".join(text.casefold().split())


def _unique(values: list[T], key: Callable[[T], Any]) -> list[T]:
    """``values`` without the later ones whose ``key`` was seen before (counted in the log,
    not quoted: it is notes' content)."""
    seen: set[Any] = set()
    kept = []
    for value in values:
        k = key(value)
        if k not in seen:
            seen.add(k)
            kept.append(value)
    if len(kept) < len(values):
        log.info("dropped %d repeated summary entries", len(values) - len(kept))
    return kept


def _cut_off(exc: Exception) -> AIMessage | None:
    """The reply of a call the ``openai`` SDK failed because the model reached the token
    limit (``LengthFinishReasonError``), as the cut-off message other backends return: the
    server worked (no strike for the breaker), and the fallback reason says "cut off"."""
    completion = getattr(exc, "completion", None)
    if type(exc).__name__ != "LengthFinishReasonError" or completion is None:
        return None
    choices = getattr(completion, "choices", None) or []
    text = (choices[0].message.content or "") if choices else ""
    return AIMessage(content=text, response_metadata={"finish_reason": "length"})


def _text(message: BaseMessage) -> str:
    content = message.content
    if isinstance(content, str):
        return content
    return "".join(c if isinstance(c, str) else str(c.get("text", "")) for c in content)


def _pieces(chunks: Iterator[Any]) -> Iterator[str]:
    for chunk in chunks:
        piece = _text(chunk)
        if piece:
            yield piece


def _shown(p: Passage, chars: int = PASSAGE_CHARS) -> dict[str, str]:
    return {"id": p.id, "title": p.title, "text": excerpt(p.text, chars)}


def _profile(ctx: PlanContext, pid: str) -> dict[str, Any]:
    person = ctx.person(pid)
    role = ctx.role(pid)
    return {
        "id": pid,
        "name": person.name,
        "title": person.title or "-",
        "seniority": person.seniority.value,
        "years": person.years_experience,
        "role": role.value if role else "member",
        "skills": person.skills or ["(none listed)"],
        "goals": person.learning_goals or ["(none listed)"],
    }


def _merge(
    items: list[Item], edits: Iterable[Any], words: Callable[[Any], dict[str, Any]], engine: str
) -> list[Item]:
    """The draft's items with the reply's wording put in by item number. Items the reply
    leaves out keep the draft's words; an edit of an item that does not exist is dropped
    and logged; blank text never replaces words."""
    merged = list(items)
    for edit in edits:
        if not 1 <= edit.item <= len(items):
            log.warning(
                "%s: dropped the edit of item %d, which is not in the draft", engine, edit.item
            )
            continue
        update = {}
        for key, value in words(edit).items():
            if isinstance(value, list):
                value = [v.strip() for v in value if v.strip()]
            elif isinstance(value, str):
                value = value.strip()
            if value or key == "notes":
                update[key] = value
        merged[edit.item - 1] = merged[edit.item - 1].model_copy(update=update)
    return merged


def _scrubber(terms: list[str]) -> Callable[[list[str]], bool]:
    from assistant.summary.redact import scrub

    return lambda texts: all(scrub(texts, terms))
