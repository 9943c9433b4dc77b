"""The ``fake`` backend: a LangChain fake chat model that ships with Comentor.

Every prompt carries a draft in the reply's own schema (the grounded result); the fake
answers with that draft, so ``--engine fake`` gives valid results for every job with no
model at all, for tests, evals and demos. Its ``mode`` makes it misbehave in one precise way
instead, so each fallback path can be exercised (``fake:invalid-json`` on the command line).
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatResult

FAKE_MODES = {
    "valid": "answers with the draft: a valid result for every job",
    "invalid-json": "answers with text that is not JSON",
    "wrong-shape": "answers with JSON of the wrong shape",
    "unknown-participant": "names someone outside the relationship as owner, leader or asker",
    "invented-citation": "adds a citation to a passage that does not exist",
    "no-citations": "cites nothing",
    "repeat": "writes every summary entry twice (the copy in other case and spacing)",
    "names": "names a summary's people in title case ('Leo' for 'leo'), as small models do",
    "refuse": "refuses to answer",
    "slow": "takes longer than any sensible timeout (sleeps `delay` seconds)",
    "error": "fails like a server answering HTTP 500",
    "unreachable": "fails like a server that refuses the connection",
}
OUTSIDER = "mallory"
INVENTED_CITATION = "knowledge/invented.md#nothing-here"
_DRAFT = re.compile(r"<draft>\n?(.*?)\n?</draft>", re.DOTALL)
_PEOPLE_KEYS = ("owner", "asker", "answerer", "taught_by", "teacher", "learner")


class FakeServerError(Exception):
    """What the fake raises in ``error`` mode: looks like an HTTP 500 to the classifier."""

    status_code = 500


class DraftEchoChatModel(GenericFakeChatModel):
    """A fake chat model that answers with the prompt's draft, or misbehaves as told."""

    messages: Iterator[AIMessage | str] = iter(())
    mode: str = "valid"
    delay: float = 60.0
    calls: int = 0

    @property
    def _llm_type(self) -> str:
        return "comentor-fake"

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        self.calls += 1
        prompt = str(messages[-1].content) if messages else ""
        text, extra = self._reply(prompt, structured="response_format" in kwargs)
        message = AIMessage(content=text, additional_kwargs=extra)
        return ChatResult(generations=[ChatGeneration(message=message)])

    def _reply(self, prompt: str, *, structured: bool) -> tuple[str, dict[str, Any]]:
        if self.mode == "slow":
            time.sleep(self.delay)
        if self.mode == "error":
            raise FakeServerError("Internal Server Error")
        if self.mode == "unreachable":
            raise ConnectionRefusedError("[Errno 111] Connection refused")
        if self.mode == "refuse":
            return "", {"refusal": "I can't help with that request."}
        if self.mode == "invalid-json":
            return "Sure! Here is the agenda you asked for: {items: [", {}
        if self.mode == "wrong-shape":
            return json.dumps({"result": "done", "items": "none"}), {}
        found = _DRAFT.search(prompt)
        draft = found.group(1).strip() if found else ""
        if not structured or self.mode == "valid":
            return draft, {}
        data = json.loads(draft)
        _misbehave(data, self.mode)
        return json.dumps(data), {}


def _shout(value: Any) -> Any:
    if isinstance(value, str):
        return "  " + value.upper() + " "
    if isinstance(value, dict):
        return {
            k: v if k in (*_PEOPLE_KEYS, "participant") else _shout(v) for k, v in value.items()
        }
    return value


def _misbehave(data: Any, mode: str) -> None:
    """Change a draft in place the way ``mode`` says."""
    if mode == "repeat" and isinstance(data, dict):
        # Every summary entry written twice, the second time with other case and spacing.
        for key in ("learned", "action_items", "decisions", "concerns", "goal_progress"):
            entries = data.get(key)
            if isinstance(entries, list):
                data[key] = entries + [_shout(e) for e in entries]
        return
    if isinstance(data, dict):
        for key, value in data.items():
            if mode == "names" and key in (*_PEOPLE_KEYS, "participant") and value:
                data[key] = str(value).title()
            elif mode == "unknown-participant" and key in _PEOPLE_KEYS and isinstance(value, str):
                data[key] = OUTSIDER
            elif mode == "unknown-participant" and key == "led_by" and isinstance(value, list):
                data[key] = [OUTSIDER]
            elif key == "citations" and isinstance(value, list) and mode == "invented-citation":
                value.append(INVENTED_CITATION)
            elif key in ("citations", "passages") and mode == "no-citations":
                data[key] = []
            elif mode == "invented-citation" and key == "passages" and isinstance(value, list):
                value.append(99)
            else:
                _misbehave(value, mode)
    elif isinstance(data, list):
        for value in data:
            _misbehave(value, mode)
