"""Write an eval report: JSON results and a self-contained HTML page."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape

from evals import EVALS_DIR
from evals.runner import CaseResult, EvalReport


def write_report(report: EvalReport, html_path: Path) -> tuple[Path, Path]:
    """Write ``html_path`` and the JSON results beside it (same name, ``.json``)."""
    html_path.parent.mkdir(parents=True, exist_ok=True)
    json_path = html_path.with_suffix(".json")
    json_path.write_text(json.dumps(report.to_dict(), indent=2, default=str), encoding="utf-8")
    env = Environment(
        loader=FileSystemLoader(EVALS_DIR / "templates"),
        # Outputs can hold planted HTML from the safety cases: everything is escaped.
        autoescape=select_autoescape(default=True, default_for_string=True),
    )
    suites: dict[str, list[CaseResult]] = defaultdict(list)
    for result in report.results:
        suites[result.suite].append(result)
    html = env.get_template("report.html.j2").render(report=report, suites=list(suites.items()))
    html_path.write_text(html, encoding="utf-8")
    return html_path, json_path
