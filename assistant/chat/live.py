"""Knowledge answers streamed from an LLM engine, piece by piece, for the chat.

The grounded engine's answer is rendered whole and then cut into deltas; an LLM engine
that streams (``LLMEngine.stream_answer``) shows its text as it is written instead. What it
writes is a draft until it has been checked: the final answer (validated, citations
resolved, or the grounded answer when the model failed) supersedes it. The chat tells the
client so with a ``replace`` event (see docs/chat.md).
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from assistant.answer import Answer
from assistant.knowledge.retrieval import Passage
from assistant.safety import clean_text

if TYPE_CHECKING:
    from assistant.service import Comentor

_MARK = re.compile(r"\[(\d{1,3})\]")


class LiveAnswer:
    """One question's answer as it streams: iterate :meth:`events` (``delta`` pieces, then
    one ``final`` with the checked :class:`~assistant.answer.Answer`); afterwards
    :attr:`passages` holds the passages the model was shown, numbered from 1 in order."""

    def __init__(self, comentor: Comentor, engine: Any, question: str) -> None:
        self.comentor = comentor
        self.engine = engine
        self.question = question
        self.passages: list[Passage] = []

    def events(self) -> Iterator[Any]:
        from assistant.llm.engine import AnswerEvent

        # The grounded draft exactly as ``Comentor.ask`` makes it on the grounded engine
        # (same input checks, same retrieval): a shallow copy shares everything but the
        # engine, so nothing of the shared service changes under other threads.
        grounded = copy.copy(self.comentor)
        grounded.engine = self.comentor.grounded
        draft = grounded.ask(self.question)
        if not draft.declined:
            self.passages = self.comentor.retriever.search(
                self.question.strip(), self.comentor.settings.top_k
            )
        if draft.declined or not self.passages:
            # Nothing for a model to answer from: the grounded decline, as Comentor.ask.
            yield AnswerEvent("final", answer=draft)
            return
        yield from cleaned(self.engine.stream_answer(self.question.strip(), self.passages, draft))


# A draft is shown a word at a time, each piece through the same cleaner as every reply:
# a URL, a data: URI or a tag's attribute never contains whitespace, so none is ever split
# across two pieces (a word is held back until the whitespace after it arrives).


def _clean_piece(text: str) -> str:
    """``text`` cleaned, its surrounding whitespace kept (it joins the pieces)."""
    core = text.strip()
    if not core:
        return text
    start = len(text) - len(text.lstrip())
    return text[:start] + clean_text(core) + text[start + len(core) :]


def _last_space_end(text: str) -> int:
    """Where the last whitespace run of ``text`` ends (0 when it has none)."""
    for i in range(len(text) - 1, -1, -1):
        if text[i].isspace():
            return i + 1
    return 0


def cleaned(events: Iterator[Any]) -> Iterator[Any]:
    """The engine's events with each ``delta`` cleaned (:func:`assistant.safety.clean_text`)
    a word at a time, so the draft a client shows before the checked answer
    arrives carries no link, image, markup or control character the reply would not."""
    from assistant.llm.engine import AnswerEvent

    held = ""
    for event in events:
        if event.kind != "delta":
            if held:
                yield AnswerEvent("delta", _clean_piece(held))
                held = ""
            yield event
            continue
        held += event.text
        cut = _last_space_end(held)
        if cut:
            yield AnswerEvent("delta", _clean_piece(held[:cut]))
            held = held[cut:]
    if held:
        yield AnswerEvent("delta", _clean_piece(held))


def live_answer(comentor: Comentor, question: str) -> LiveAnswer | None:
    """A streamed answer when ``comentor``'s engine streams (an LLM engine), else None."""
    engine = comentor.engine
    if not callable(getattr(engine, "stream_answer", None)):
        return None
    return LiveAnswer(comentor, engine, question)


def replaced(answer: Answer) -> bool:
    """Whether ``answer`` stands in for the model's (a fallback, or the model's decline)."""
    return answer.fallback_reason is not None or answer.declined


def appendix(shown: str, reply: str, answer: Answer, passages: list[Passage]) -> str:
    """What a client that can only append (an OpenAI-style stream) adds after the model's
    streamed text ``shown`` so that the whole reads right: the sources the model cited,
    numbered as it cited them, when its answer passed the checks; otherwise a rule, why the
    text above was replaced, and the reply that replaces it."""
    if replaced(answer):
        why = (
            f"*The model's answer above did not pass the checks ({answer.fallback_reason}); "
            "this is the grounded answer instead.*\n\n"
            if answer.fallback_reason
            else ""
        )
        return f"\n\n---\n\n{why}{reply}"
    cited = sorted({int(n) for n in _MARK.findall(shown) if 1 <= int(n) <= len(passages)})
    if not cited:
        return ""
    lines = ["", "", "**Sources**", ""]
    lines += [f"{n}. {clean_text(passages[n - 1].title)} (`{passages[n - 1].id}`)" for n in cited]
    return "\n".join(lines)
