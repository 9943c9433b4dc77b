"""LLM engines behind the engine seam.

* :mod:`~assistant.llm.backends`: engine specs (``openai:MODEL``, ``local[:PATH]``, ``fake``,
  ``grounded``) and the LangChain chat model each one builds;
* :mod:`~assistant.llm.structured`: the JSON schemas an LLM must answer in, generated from
  the pydantic result models, and the parsing of its replies;
* :mod:`~assistant.llm.breaker`: per-call timeout, retries and a circuit breaker;
* :mod:`~assistant.llm.prompts`: the jinja2 templates in ``prompts/``;
* :mod:`~assistant.llm.engine`: :class:`LLMEngine`, every job through an LLM, checked by the
  same validators as the grounded engine, which stands in whenever the LLM falls short.
"""

from __future__ import annotations

from assistant.llm.backends import LLMSpec, parse_spec

__all__ = ["LLMSpec", "parse_spec"]
