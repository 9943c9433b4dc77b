"""`comentor eval`: the offline evaluation suite and its gate.

The only place the library reaches into the ``evals`` package, lazily, at the edge.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from assistant.cli.core import (
    JsonOption,
    _progress,
    app,
    emit_json,
    err,
    handle_errors,
    out,
    settings_from_env,
)
from assistant.errors import InputError


@app.command("eval")
def eval_command(
    engine: Annotated[
        str,
        typer.Option(
            "--engine",
            help="Engine spec to evaluate: grounded, openai:MODEL, local[:PATH] or fake.",
        ),
    ] = "grounded",
    cases: Annotated[
        Path | None,
        typer.Option(
            "--cases",
            help="A directory of cases laid out like evals/ (default: the bundled cases).",
            show_default=False,
        ),
    ] = None,
    report: Annotated[
        Path,
        typer.Option(
            "--report", help="Where to write the HTML report; the JSON results go beside it."
        ),
    ] = (Path("reports/eval.html")),
    thresholds: Annotated[
        Path | None,
        typer.Option(
            "--thresholds", help="Gate rules (default: evals/thresholds.yaml).", show_default=False
        ),
    ] = None,
    judge: Annotated[
        str | None,
        typer.Option(
            "--judge",
            help="Also grade answers with an LLM judge, e.g. openai:gpt-4o-mini "
            "(needs OPENAI_API_KEY; never used unless asked).",
            show_default=False,
        ),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Run the offline evaluation suite and gate on evals/thresholds.yaml.

    Scores retrieval, grounded answers, declines, citations, agendas, questions, topics,
    check-in summaries and safety cases. Writes an HTML report and JSON results; exits
    non-zero when a metric breaks its threshold.
    """
    with handle_errors(as_json):
        from evals import EVALS_DIR
        from evals.report import write_report
        from evals.runner import load_thresholds, run_eval

        # Everything that can be wrong with the arguments is found before minutes of cases.
        _check_report_path(report)
        load_thresholds(thresholds or (EVALS_DIR / "thresholds.yaml"))
        if cases is not None and not cases.is_dir():
            raise InputError(f"--cases {cases} is not a folder of cases.")
        settings = settings_from_env()
        with _progress(enabled=not as_json) as progress:
            result = run_eval(
                settings,
                cases_dir=cases or EVALS_DIR,
                engine=engine,
                thresholds=thresholds,
                progress=progress,
            )
        if judge:
            from evals.judge import judge_report

            judge_report(result, judge)
        html, json_path = write_report(result, report)
        if as_json:
            emit_json(result.to_dict())
        else:
            for metric in result.metrics:
                rule = ""
                if metric.minimum is not None:
                    rule = f">= {metric.minimum}"
                if metric.maximum is not None:
                    rule = f"<= {metric.maximum}"
                mark = "" if not metric.gated else ("ok  " if metric.passed else "FAIL")
                out.print(
                    f"{mark:4} {metric.name:32} {metric.value:10.3f}  {rule}", highlight=False
                )
            failed = sum(not r.passed for r in result.results)
            out.print(
                f"{result.cases} cases in {result.duration_s} s; {failed} case(s) with "
                f"failures; report: {html} (JSON: {json_path})",
                highlight=False,
            )
        if not result.passed:
            names = ", ".join(m.name for m in result.failed_metrics)
            err.print(f"[bold red]Eval gate failed:[/] {names}", highlight=False)
            raise typer.Exit(10)


def _check_report_path(report: Path) -> None:
    """The report and its JSON twin must be writable files, not folders."""
    for path in (report, report.with_suffix(".json")):
        if path.is_dir():
            raise InputError(
                f"--report {path} is a folder; give a file name such as {path / 'eval.html'}."
            )
    parent = report.parent
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    if not parent.is_dir():
        raise InputError(f"--report {report}: {parent} is a file, not a folder.")
