"""Comentor's offline evaluation suite: datasets (YAML beside this file) and evaluators.

``evals`` drives ``assistant`` the way a user would and scores what comes back; the
library never imports it, except the `comentor eval` command, lazily, at the edge.
"""

from pathlib import Path

EVALS_DIR = Path(__file__).resolve().parent
