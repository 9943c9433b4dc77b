"""Print the README's scores table (Markdown) from an eval report's JSON results.

.venv/bin/python scripts/scores_table.py [reports/eval.json]
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


def main() -> None:
    path = Path(sys.argv[1] if len(sys.argv) > 1 else "reports/eval.json")
    report = json.loads(path.read_text(encoding="utf-8"))
    print(
        f"{report['cases']} cases, engine `{report['engine']}`, "
        f"{report['duration_s']} s, gate {'passed' if report['passed'] else 'FAILED'}."
    )
    print()
    print("| metric | value | gate | n |")
    print("| --- | --- | --- | --- |")
    for m in report["metrics"]:
        if m["name"].startswith("latency"):
            continue
        rule = ""
        if m["minimum"] is not None:
            rule = f">= {m['minimum']}"
        if m["maximum"] is not None:
            rule = f"<= {m['maximum']}"
        print(f"| {m['name']} | {m['value']:.3f} | {rule or 'reported'} | {m['n']} |")


if __name__ == "__main__":
    main()
