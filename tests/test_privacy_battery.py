"""Private content never reaches a summary, whichever way the notes mark it.

A battery of phrasings people use to keep something out of a summary (labels before a
line, tags after it, markers around it, headings, lock emoji, other languages, invisible or
look-alike characters, a later turn that marks an earlier one, requests without a label
word). Each case puts a canary ("Kestrel-1xxx") inside the marked content, which reads like
an action item: a summary that ignores the marker shows the canary. Every case has a control
(the same notes without the marker) whose summary must show the canary, so the battery can
fail. The canary must not appear in the summary JSON, the rendered text, or the output of
``comentor summarize`` (text and ``--json``).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistant.config import Settings
from assistant.models import CheckinSummary
from assistant.program import Program, load_program
from assistant.render import render_summary
from assistant.summary import summarize_checkin
from tests.conftest import EVALS

ZW = "\u200b"  # zero-width space
CYR_C, CYR_O, CYR_A, CYR_E = "\u0421", "\u043e", "\u0430", "\u0435"  # С о а е
GRK_O = "\u03bf"  # Greek small omicron

HEAD = "Check-in 12 March - Amara + Leo (notes: Leo)\n"
BEFORE = "- Amara walked me through how the Q2 budget got approved\n"
AFTER = "- Amara: try the source-row prompt on the March pack by April 2\n"
TASK = "send Amara the {c} forecast by Friday"  # an action item for Leo, carrying the canary


def written(line: str) -> str:
    """Bullet notes with one marked line (``{c}`` is the canary) between two ordinary ones."""
    return HEAD + BEFORE + line + "\n" + AFTER


def turns(*lines: str) -> str:
    """A transcript of Amara and Leo from "Name: text" lines."""
    opening = "Amara: Thanks for making time. How did the prompts go?\n"
    closing = "Amara: Good. I will try the source-row prompt on the March pack by April 2.\n"
    return opening + "\n".join(lines) + "\n" + closing


@dataclass(frozen=True)
class Case:
    """One phrasing: its class, a short name, the notes (``{c}`` marks the canary) and the
    marker, which the control replaces by ``neutral`` so the canary shows there."""

    cls: str
    name: str
    notes: str
    marker: str
    neutral: str = ""

    @property
    def control(self) -> str:
        """The same notes without the marker: the canary content is an ordinary item."""
        return self.notes.replace(self.marker, self.neutral)


def _cases() -> list[Case]:
    t = TASK
    out: list[Case] = []

    def add(cls: str, name: str, notes: str, marker: str, neutral: str = "") -> None:
        assert marker in notes, (name, marker)
        out.append(Case(cls, name, notes, marker, neutral))

    # -- a label before the line ------------------------------------------------------------
    for label in (
        "Private:",
        "Confidential:",
        "Off the record:",
        "OTR:",
        "Keep this to yourself:",
        "For your eyes only:",
        "Between ourselves,",
        "Don't share with staff:",
        "Not for the summary:",
        "Strictly confidential -",
        "In confidence:",
        "Just between us:",
        "Personal, not for the notes:",
        "Do not minute:",
        "Nobody else needs to know this:",
        "Staff don't need to know this one:",
        "Not for staff eyes:",
        "Please leave this out of the report:",
        "Sensitive:",
    ):
        add("label before", label, written(f"- {label} Leo to {t}"), f"{label} ")
    # -- a marker after the line -------------------------------------------------------------
    for tail in (
        " (private)",
        " [confidential]",
        " \u2014 not something to share with program staff.",
        ", but keep that to yourself",
        " - off the record",
        " (between us)",
        " \u2014 please don't pass this on",
        " (not for the write-up)",
        " - don't put this in the summary",
        ". This stays between the two of us.",
        " (OTR)",
        " (for your eyes only)",
    ):
        add("marker after", tail.strip(), written(f"- Leo to {t}{tail}"), tail)
    # -- markers around lines ----------------------------------------------------------------
    add(
        "around",
        "[private] ... [/private]",
        written(f"[private]\n- Leo to {t}\n[/private]"),
        "[private]\n",
    )
    add(
        "around",
        "--- off the record --- ... --- back on the record ---",
        written(f"--- off the record ---\n- Leo to {t}\n--- back on the record ---"),
        "--- off the record ---\n",
    )
    add(
        "around",
        "\U0001f512 ... \U0001f512",
        written(f"- \U0001f512 Leo to {t} \U0001f512"),
        "\U0001f512",
    )
    add(
        "around",
        "<private> ... </private>",
        written(f"<private>Leo to {t}</private>"),
        "<private>",
    )
    # -- headings ----------------------------------------------------------------------------
    for heading in (
        "## Private notes",
        "CONFIDENTIAL",
        "**Off the record**",
        "### \U0001f512 Personal",
        "Between us:",
        "## Vertraulich",
        "# Not for the summary",
    ):
        add(
            "heading",
            heading,
            HEAD + BEFORE + f"\n{heading}\n- Leo to {t}\n- also told Amara about it\n",
            heading,
            "## Notes",
        )
    add(
        "heading",
        "## Confidential > ### Details",
        HEAD + f"## Session\n{BEFORE}\n## Confidential\n### Details\n- Leo to {t}\n",
        "## Confidential",
        "## Other",
    )
    # -- emoji locks -------------------------------------------------------------------------
    for emoji in ("\U0001f512", "\U0001f510", "\U0001f92b", "\U0001f910", "\U0001f64a"):
        add("emoji", emoji, written(f"- Leo to {t} {emoji}"), f" {emoji}")
        add("emoji", emoji + " before", written(f"{emoji} Leo to {t}"), f"{emoji} ", "- ")
    # -- other languages ---------------------------------------------------------------------
    for label in (
        "Confidentiel :",
        "Vertraulich:",
        "Priv\u00e9 :",
        "Entre nous,",
        "Unter uns:",
        "Confidencial:",
        "Entre nosotros:",
        "Riservato:",
        "Tra noi:",
        "Vertrouwelijk:",
        "Privat:",
        "Poufne:",
        "\u041a\u043e\u043d\u0444\u0438\u0434\u0435\u043d\u0446\u0438\u0430\u043b\u044c\u043d\u043e:",
        "\u041d\u0435 \u0434\u043b\u044f \u043f\u0440\u043e\u0442\u043e\u043a\u043e\u043b\u0430:",
        "\u5185\u7dd2:",
        "\u4fdd\u5bc6\uff1a",
    ):
        add("other language", label, written(f"- {label} Leo to {t}"), f"{label} ")
    # -- hidden or look-alike spellings ------------------------------------------------------
    for name, label in (
        ("zero-width space", f"Conf{ZW}idential:"),
        ("Cyrillic \u0421", f"{CYR_C}onfidential:"),
        ("Cyrillic \u043e/\u0435 in off the record", f"{CYR_O}ff th{CYR_E} record:"),
        ("Greek omicron", f"C{GRK_O}nfidential:"),
        ("fullwidth", "\uff30\uff52\uff49\uff56\uff41\uff54\uff45:"),
        (
            "mathematical bold",
            "\U0001d40f\U0001d42b\U0001d422\U0001d42f\U0001d41a\U0001d42d\U0001d41e:",
        ),
        ("soft hyphen", "Confi\u00addential:"),
        ("bidi isolate", "\u2066Private\u2069:"),
        ("odd case", "cOnFiDeNtIaL:"),
        ("Cyrillic \u0430 in private", f"Priv{CYR_A}te:"),
        ("zero-width joiner in OTR", "O\u200dT\u200dR:"),
    ):
        add("obfuscated", name, written(f"- {label} Leo to {t}"), f"{label} ")
    # -- a later turn marks an earlier one ---------------------------------------------------
    for later in (
        "Leo: Actually, keep that between us please.",
        "Leo: Oh, and can we keep that last bit off the record?",
        "Leo: Please don't put what I just said in the notes.",
        "Leo: Forget I said that, it's not for the summary.",
        "Leo: Scratch that from the write-up, by the way.",
    ):
        add(
            "later turn",
            later.removeprefix("Leo: "),
            turns(
                "Leo: Good. I will send you the {c} forecast by Friday.",
                "Amara: Okay.",
                later,
                "Amara: Of course.",
            ),
            later,
            "Leo: Right.",
        )
    add(
        "later turn",
        "keep that between us, two turns later",
        turns(
            "Leo: I will send you the {c} forecast by Friday.",
            "Amara: That would help with the board pack, the numbers are tight this quarter.",
            "Leo: Keep that between us please, it is not signed off yet.",
        ),
        "Leo: Keep that between us please, it is not signed off yet.",
        "Leo: Right.",
    )
    # -- directives without a label word -----------------------------------------------------
    for line, marker in (
        (f"Please don't tell the coordinator: Leo to {t}", "Please don't tell the coordinator: "),
        (
            f"Leo to {t}. Don't mention this to anyone in the program.",
            " Don't mention this to anyone in the program.",
        ),
        (f"This shouldn't go in the summary - Leo to {t}", "This shouldn't go in the summary - "),
        (f"No need to write this up: Leo to {t}", "No need to write this up: "),
        (f"Leo to {t} (don't let HR see this)", " (don't let HR see this)"),
        (f"Leo to {t}; we agreed this stays in the room", "; we agreed this stays in the room"),
        (
            f"Leo to {t} - no need for the coordinator to hear about it",
            " - no need for the coordinator to hear about it",
        ),
    ):
        add("directive", marker.strip(" -:;."), written("- " + line), marker)
    return out


CASES = _cases()


NORTHWIND = EVALS / "programs" / "northwind.yaml"
DATE = dt.date(2026, 3, 12)


def canary(case: Case) -> str:
    return f"Kestrel-{1000 + CASES.index(case)}"


@pytest.fixture(scope="module")
def northwind() -> Program:
    return load_program(NORTHWIND)


def summarize(notes: str, program: Program) -> CheckinSummary:
    relationship = program.relationship("amara-leo-reverse")
    return summarize_checkin(notes, program=program, relationship=relationship, date=DATE)


def outputs(summary: CheckinSummary, program: Program) -> str:
    """Every format a summary is shown in: its JSON and the rendered text."""
    return summary.model_dump_json() + "\n" + render_summary(summary, program)


def test_the_battery_is_broad() -> None:
    assert len(CASES) >= 60
    assert len({c.cls for c in CASES}) >= 9
    assert len({c.notes for c in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[f"{c.cls}: {c.name}" for c in CASES])
def test_marked_content_never_reaches_the_summary(case: Case, northwind: Program) -> None:
    mark = canary(case)
    control = summarize(case.control.replace("{c}", mark), northwind)
    assert mark in outputs(control, northwind), "the control must show the canary"
    summary = summarize(case.notes.replace("{c}", mark), northwind)
    assert mark.lower() not in outputs(summary, northwind).lower()
    assert "confidential_redacted" in summary.flag_codes()
    # What the notes did not mark is still summarized.
    kept = "source-row prompt" if case.cls == "later turn" else "Q2 budget"
    assert kept in outputs(summary, northwind)


# -- the CLI, both formats ---------------------------------------------------------------------

runner = CliRunner()


@pytest.fixture(scope="module")
def cli_env(
    knowledge_settings: Settings,
    knowledge_retriever: object,
    tmp_path_factory: pytest.TempPathFactory,
) -> Path:
    """A copy of the session's ingested index for the CLI."""
    import shutil

    import assistant.cli.plan  # noqa: F401  (registers the commands on the app)

    data = tmp_path_factory.mktemp("privacy-cli") / "data"
    shutil.copytree(knowledge_settings.data_dir, data)
    return data


def cli(notes: str, data: Path, tmp: Path, *extra: str) -> str:
    from assistant.cli import app

    path = tmp / "notes.txt"
    path.write_text(notes, encoding="utf-8")
    args = ["summarize", str(path), "--program", str(NORTHWIND), "--pair", "amara-leo-reverse"]
    args += ["--date", DATE.isoformat(), *extra]
    result = runner.invoke(app, args, env={"COMENTOR_DATA_DIR": str(data)})
    assert result.exit_code == 0, result.stdout
    return result.stdout


def test_cli_shows_unmarked_content_and_hides_marked(cli_env: Path, tmp_path: Path) -> None:
    """End to end through a fresh CLI process state: the control shows the canary, the
    marked notes do not, in both formats."""
    case = next(c for c in CASES if c.name == "Don't share with staff:")
    mark = canary(case)
    assert mark in cli(case.control.replace("{c}", mark), cli_env, tmp_path)
    assert mark in cli(case.control.replace("{c}", mark), cli_env, tmp_path, "--json")
    assert mark not in cli(case.notes.replace("{c}", mark), cli_env, tmp_path)
    assert mark not in cli(case.notes.replace("{c}", mark), cli_env, tmp_path, "--json")


def test_cli_never_shows_marked_content(
    cli_env: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every case through the CLI, text and --json. One service serves all the runs (the
    CLI builds a new one per command, which takes a second), the rest is the CLI's own path."""
    import assistant.cli.plan as plan
    from assistant.service import Comentor
    from tests.conftest import make_settings

    service = Comentor(make_settings(cli_env))
    monkeypatch.setattr(plan, "_service", lambda engine: service)
    leaked = []
    for case in CASES:
        mark = canary(case)
        notes = case.notes.replace("{c}", mark)
        text = cli(notes, cli_env, tmp_path)
        data = json.loads(cli(notes, cli_env, tmp_path, "--json"))
        if mark.lower() in (text + json.dumps(data, ensure_ascii=False)).lower():
            leaked.append(f"{case.cls}: {case.name}")
        assert "confidential_redacted" in {f["code"] for f in data["flags"]}, case.name
    assert not leaked
