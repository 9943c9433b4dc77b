"""An optional LLM judge (`comentor eval --judge openai:MODEL`). Never runs unless asked.

It grades each knowledge answer for faithfulness to its cited passages and for whether it
answers the question, on a 1-5 scale, through any OpenAI-compatible server (OPENAI_API_KEY,
and OPENAI_BASE_URL for a local server). The grades are added to the report as metrics
with no gate: the offline evaluators stay the gate.
"""

from __future__ import annotations

import json
import re
import statistics
from typing import Any

from assistant.config import bundled_prompts_dir
from assistant.errors import EngineError
from evals.runner import EvalReport, Metric

PROMPT_TEMPLATE = "judge_answer.j2"


def render_prompt(question: str, guidance: str, answer: str) -> str:
    """The judge prompt from ``prompts/judge_answer.j2`` (plain text, no HTML escaping)."""
    from jinja2 import Environment, FileSystemLoader, StrictUndefined

    env = Environment(
        loader=FileSystemLoader(bundled_prompts_dir()),
        undefined=StrictUndefined,
        autoescape=False,  # a text prompt for a model, never rendered as HTML
        keep_trailing_newline=True,
    )
    template = env.get_template(PROMPT_TEMPLATE)
    return template.render(question=question, guidance=guidance, answer=answer)


def parse_spec(spec: str) -> tuple[str, str]:
    provider, _, model = spec.partition(":")
    if provider != "openai" or not model:
        raise EngineError(f"Unknown judge {spec!r}; use openai:MODEL, e.g. openai:gpt-4o-mini.")
    return provider, model


class OpenAIJudge:
    def __init__(self, model: str, client: Any | None = None) -> None:
        if client is None:
            try:
                from openai import OpenAI

                client = OpenAI()
            except Exception as exc:  # missing key, bad base URL
                raise EngineError(
                    f"Cannot start the judge: {exc}",
                    hint="Set OPENAI_API_KEY (and OPENAI_BASE_URL for a local server).",
                ) from exc
        self.model = model
        self.client = client

    def grade(self, question: str, answer: str, guidance: str) -> dict[str, Any]:
        prompt = render_prompt(question, guidance[:6000], answer)
        try:
            reply = self.client.chat.completions.create(
                model=self.model,
                messages=[{"role": "user", "content": prompt}],
                temperature=0,
            )
        except Exception as exc:
            raise EngineError(f"The judge call failed: {exc}") from exc
        text = reply.choices[0].message.content or ""
        match = re.search(r"\{.*\}", text, re.DOTALL)
        try:
            data = json.loads(match.group(0) if match else text)
            return {
                "faithful": min(5, max(1, int(data["faithful"]))),
                "helpful": min(5, max(1, int(data["helpful"]))),
                "reason": str(data.get("reason", "")),
            }
        except (ValueError, KeyError, TypeError):
            return {"faithful": None, "helpful": None, "reason": f"unparsable: {text[:200]}"}


def judge_report(report: EvalReport, spec: str, client: Any | None = None) -> None:
    """Grade the knowledge answers in ``report`` and append the judge's metrics to it."""
    _, model = parse_spec(spec)
    judge = OpenAIJudge(model, client)
    faithful: list[int] = []
    helpful: list[int] = []
    for result in report.results:
        if result.suite != "knowledge" or not isinstance(result.output, dict):
            continue
        output = result.output
        if output.get("declined"):
            continue
        guidance = "\n\n".join(c.get("excerpt", "") for c in output.get("citations", []))
        grade = judge.grade(result.input.get("question", ""), output.get("answer", ""), guidance)
        output["judge"] = grade
        if grade["faithful"] is not None:
            faithful.append(grade["faithful"])
            helpful.append(grade["helpful"])
    for name, values, desc in (
        ("judge_faithfulness", faithful, f"LLM judge ({model}): answers supported, 1-5"),
        ("judge_helpfulness", helpful, f"LLM judge ({model}): question answered, 1-5"),
    ):
        if values:
            report.metrics.append(
                Metric(name, round(statistics.mean(values), 3), desc, len(values))
            )
