"""Check the evaluation fixtures in evals/programs and evals/checkins.

Run from anywhere:

    python evals/validate_fixtures.py            # exits 1 and lists problems if any
    python evals/validate_fixtures.py --quiet    # only problems, no summary table

Every program must load with ``assistant.program.load_program``. Every check-in case must follow
the schema in evals/README.md: known keys only, an existing program file and relationship, owners,
learners and teachers that are null or members of that relationship, ISO dates, flags from the
allowed set, and unique ids. It also checks that the gold flags agree with the README definitions
where that can be computed (action items, previous items, learned entries, transcript word shares,
redacted terms), so a new case cannot quietly contradict the conventions.

Only the standard library, PyYAML and the repository's own ``assistant.program`` are used.
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import yaml

EVALS = Path(__file__).resolve().parent
ROOT = EVALS.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from assistant.errors import ProgramError  # noqa: E402
from assistant.program import Program, Relationship, load_program  # noqa: E402
from evals.authoring import Problems, check_keys, parse_date  # noqa: E402

PROGRAMS_DIR = EVALS / "programs"
CHECKINS_DIR = EVALS / "checkins"

CASE_REQUIRED = {"id", "description", "program", "pair", "date", "style", "notes", "expected"}
CASE_OPTIONAL = {"previous"}
PREVIOUS_KEYS = {"date", "action_items"}
EXPECTED_KEYS = {"action_items", "learned", "flags", "redacted_terms"}
ACTION_KEYS = {"owner", "task", "due"}
LEARNED_KEYS = {"learner", "teacher", "what"}
STYLES = {"bullets", "transcript", "prose", "messy"}
FLAGS = {"one_sided", "no_action_items", "stalled", "confidential_redacted"}
ID_PATTERN = re.compile(r"^ci-\d{3}-[a-z0-9-]+$")
ONE_SIDED_SHARE = 0.70

# "[00:03:12] Maya: text" or "Maya Chen: text"; the label is matched against the members' names.
SPEAKER_LINE = re.compile(r"^\s*(?:\[\d{1,2}:\d{2}(?::\d{2})?\]\s*)?([^:\[\]]{1,60}?):\s+(.*)$")
TIMESTAMP_ONLY = re.compile(r"^\s*\[\d{1,2}:\d{2}(?::\d{2})?\]\s*")


def load_programs(problems: Problems) -> dict[str, Program]:
    programs: dict[str, Program] = {}
    files = sorted(PROGRAMS_DIR.glob("*.yaml")) + sorted(PROGRAMS_DIR.glob("*.json"))
    if not files:
        problems.add(str(PROGRAMS_DIR), "no program files")
    for file in files:
        try:
            programs[file.name] = load_program(file)
        except ProgramError as exc:
            problems.add(file.name, str(exc))
    return programs


def speaker_aliases(program: Program, rel: Relationship) -> dict[str, str]:
    aliases: dict[str, str] = {}
    for person in program.members(rel):
        aliases[person.name.casefold()] = person.id
        aliases[person.first_name.casefold()] = person.id
        aliases[person.id.casefold()] = person.id
        for nick in person.aliases:
            aliases[nick.casefold()] = person.id
    return aliases


def word_shares(notes: str, aliases: dict[str, str]) -> tuple[dict[str, float], list[str]]:
    """Share of words per participant id; lines without a label continue the last speaker."""
    counts: Counter[str] = Counter()
    unknown: list[str] = []
    current: str | None = None
    for line in notes.splitlines():
        if not line.strip():
            continue
        match = SPEAKER_LINE.match(line)
        if match:
            label = match.group(1).strip().casefold()
            if label in aliases:
                current = aliases[label]
                counts[current] += len(match.group(2).split())
                continue
            if TIMESTAMP_ONLY.match(line) or current is None:
                unknown.append(match.group(1).strip())
                continue
        if current is None:
            unknown.append(line.strip()[:40])
            continue
        counts[current] += len(TIMESTAMP_ONLY.sub("", line).split())
    total = sum(counts.values())
    shares = {pid: n / total for pid, n in counts.items()} if total else {}
    return shares, unknown


def check_action_items(
    where: str, items: Any, members: set[str], problems: Problems, not_before: dt.date | None
) -> None:
    if not isinstance(items, list):
        problems.add(where, "action_items must be a list")
        return
    for i, item in enumerate(items):
        here = f"{where}[{i}]"
        if not check_keys(here, item, ACTION_KEYS, set(), problems):
            continue
        owner = item["owner"]
        if owner is not None and owner not in members:
            problems.add(here, f"owner {owner!r} is not a member of the relationship")
        if not isinstance(item["task"], str) or not item["task"].strip():
            problems.add(here, "task must be a non-empty string")
        if item["due"] is not None:
            due = parse_date(item["due"])
            if due is None:
                problems.add(here, f"due {item['due']!r} is not an ISO date (YYYY-MM-DD) or null")
            elif not_before and due < not_before:
                problems.add(here, f"due {due} is before the check-in date {not_before}")


def check_case(
    file: Path, programs: dict[str, Program], seen_ids: dict[str, str], problems: Problems
) -> dict[str, Any] | None:
    where = file.name
    try:
        case = yaml.safe_load(file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        problems.add(where, f"cannot read: {exc}")
        return None
    if not check_keys(where, case, CASE_REQUIRED, CASE_OPTIONAL, problems):
        return None

    case_id = case["id"]
    if not isinstance(case_id, str) or not ID_PATTERN.match(case_id):
        problems.add(where, f"id {case_id!r} should look like ci-001-some-words")
    elif case_id != file.stem:
        problems.add(where, f"id {case_id!r} does not match the file name")
    if case_id in seen_ids:
        problems.add(where, f"id {case_id!r} already used by {seen_ids[case_id]}")
    seen_ids[case_id] = file.name

    for key in ("description", "notes"):
        if not isinstance(case[key], str) or not case[key].strip():
            problems.add(where, f"{key} must be non-empty text")
    if case["style"] not in STYLES:
        problems.add(where, f"style {case['style']!r} not in {sorted(STYLES)}")
    date = parse_date(case["date"])
    if date is None:
        problems.add(where, f"date {case['date']!r} is not an ISO date")

    program = programs.get(case["program"])
    if program is None:
        problems.add(where, f"program file {case['program']!r} not found in {PROGRAMS_DIR.name}/")
        return None
    try:
        rel = program.relationship(case["pair"])
    except ProgramError:
        problems.add(where, f"relationship {case['pair']!r} not in {case['program']}")
        return None
    members = set(rel.participants)

    previous = case.get("previous")
    prev_where = f"{where} previous"
    if previous is not None and check_keys(prev_where, previous, PREVIOUS_KEYS, set(), problems):
        prev_date = parse_date(previous["date"])
        if prev_date is None:
            problems.add(prev_where, f"date {previous['date']!r} is not an ISO date")
        elif date and prev_date >= date:
            problems.add(prev_where, "previous date must be before the check-in date")
        check_action_items(
            f"{prev_where}.action_items", previous["action_items"], members, problems, None
        )
        if isinstance(previous["action_items"], list) and not previous["action_items"]:
            problems.add(prev_where, "action_items is empty; drop 'previous' instead")

    expected = case["expected"]
    if not check_keys(f"{where} expected", expected, EXPECTED_KEYS, set(), problems):
        return None
    actions = expected["action_items"]
    check_action_items(f"{where} expected.action_items", actions, members, problems, date)

    learned = expected["learned"]
    teachers: list[str | None] = []
    if not isinstance(learned, list):
        problems.add(where, "expected.learned must be a list")
        learned = []
    for i, entry in enumerate(learned):
        here = f"{where} expected.learned[{i}]"
        if not check_keys(here, entry, LEARNED_KEYS, set(), problems):
            continue
        for role in ("learner", "teacher"):
            pid = entry[role]
            if pid is not None and pid not in members:
                problems.add(here, f"{role} {pid!r} is not a member of the relationship")
        if entry["learner"] is not None and entry["learner"] == entry["teacher"]:
            problems.add(here, "learner and teacher are the same person")
        if not isinstance(entry["what"], str) or not entry["what"].strip():
            problems.add(here, "what must be a non-empty string")
        teachers.append(entry["teacher"])

    flags = expected["flags"]
    if not isinstance(flags, list):
        problems.add(where, "expected.flags must be a list")
        flags = []
    unknown_flags = set(flags) - FLAGS
    if unknown_flags:
        problems.add(where, f"unknown flags {sorted(unknown_flags)}; allowed: {sorted(FLAGS)}")
    if len(set(flags)) != len(flags):
        problems.add(where, "a flag is listed twice")
    flags_set = set(flags)

    redacted = expected["redacted_terms"]
    if not isinstance(redacted, list) or not all(
        isinstance(t, str) and t.strip() for t in redacted
    ):
        problems.add(where, "expected.redacted_terms must be a list of non-empty strings")
        redacted = []

    # Flags must agree with what the README says they mean.
    if isinstance(actions, list) and (not actions) != ("no_action_items" in flags_set):
        problems.add(where, "no_action_items must be set exactly when action_items is empty")
    if "stalled" in flags_set and not previous:
        problems.add(where, "stalled needs previous action items")
    if bool(redacted) != ("confidential_redacted" in flags_set):
        problems.add(where, "confidential_redacted must be set exactly when redacted_terms is set")
    notes_lower = case["notes"].casefold() if isinstance(case["notes"], str) else ""
    gold_text = " ".join(
        [str(a.get("task", "")) for a in actions if isinstance(a, dict)]
        + [str(e.get("what", "")) for e in learned if isinstance(e, dict)]
    ).casefold()
    for term in redacted:
        if term.casefold() not in notes_lower:
            problems.add(where, f"redacted term {term!r} does not occur in the notes")
        if term.casefold() in gold_text:
            problems.add(where, f"redacted term {term!r} occurs in the expected items")

    one_way = bool(teachers) and len(set(teachers)) == 1
    shares: dict[str, float] = {}
    if case["style"] == "transcript":
        shares, unknown = word_shares(case["notes"], speaker_aliases(program, rel))
        for label in unknown:
            problems.add(where, f"transcript line without a known speaker: {label!r}")
    dominant = bool(shares) and max(shares.values()) > ONE_SIDED_SHARE
    if (one_way or dominant) != ("one_sided" in flags_set):
        reason = (
            f"word shares {fmt_shares(shares)}; teachers {sorted(str(t) for t in set(teachers))}"
        )
        problems.add(where, f"one_sided flag disagrees with the definition ({reason})")

    return {"case": case, "rel": rel, "shares": shares, "words": len(case["notes"].split())}


def fmt_shares(shares: dict[str, float]) -> str:
    ranked = sorted(shares.items(), key=lambda item: -item[1])
    return ", ".join(f"{pid} {share:.0%}" for pid, share in ranked)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quiet", action="store_true", help="print only problems")
    args = parser.parse_args(argv)

    problems = Problems()
    programs = load_programs(problems)
    seen: dict[str, str] = {}
    results = []
    files = sorted(CHECKINS_DIR.glob("*.yaml"))
    if not files:
        problems.add(str(CHECKINS_DIR), "no check-in cases")
    for file in files:
        result = check_case(file, programs, seen, problems)
        if result:
            results.append(result)

    if not args.quiet:
        relationships = [r for p in programs.values() for r in p.relationships]
        people = sum(len(p.participants) for p in programs.values())
        print(
            f"programs: {len(programs)}, participants: {people}, "
            f"relationships: {len(relationships)}"
        )
        print("relationship modes:", dict(Counter(r.mode.value for r in relationships)))
        print(f"check-in cases: {len(results)}")
        print("  styles:", dict(Counter(r["case"]["style"] for r in results)))
        print("  modes: ", dict(Counter(r["rel"].mode.value for r in results)))
        flag_counts = Counter(f for r in results for f in r["case"]["expected"]["flags"])
        print(
            "  flags: ",
            dict(flag_counts),
            "| no flags:",
            sum(1 for r in results if not r["case"]["expected"]["flags"]),
        )
        print(
            "  with previous:",
            sum(1 for r in results if r["case"].get("previous")),
            "| groups/circles:",
            sum(1 for r in results if r["rel"].is_group),
        )
        words = [r["words"] for r in results]
        if words:
            print(f"  note length in words: {min(words)} to {max(words)}")

    if problems.items:
        print(f"\n{len(problems.items)} problem(s):", file=sys.stderr)
        for item in problems.items:
            print(f"  - {item}", file=sys.stderr)
        return 1
    if not args.quiet:
        print("\nall fixtures valid")
    return 0


if __name__ == "__main__":
    sys.exit(main())
