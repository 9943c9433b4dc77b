"""Check the planner cases (evals/planning) and the safety cases (evals/safety).

Run from anywhere:

    python evals/validate_cases.py            # exits 1 and lists problems if any
    python evals/validate_cases.py --quiet    # only problems, no summary

Planner cases (agenda.yaml, questions.yaml, topics.yaml) must follow the schema in
evals/README.md ("Planner cases"): known keys only, unique ids, an existing program file, a
relationship that exists (or an expected ProgramError), and expectations that only name members
of that relationship. Expected errors must agree with the product rules (minutes 10-240, flash
15-30, unknown pair -> ProgramError, topics for a group -> InputError). Skills and goals named in
``topics_for`` / ``goals_served`` must be the answerer's skills and the asker's learning goals,
``fallback_for`` people must list no skills, and ``top_topics_any_of`` entries must be a topic id
from knowledge/data/reverse_topics.yaml or one of the mentee's skills. Cited sources must exist.

Safety cases (safety/*.yaml) must follow "Safety cases": a known kind, a unique canary of the
form CANARY-<6 hex> that actually occurs in the case's notes, question or document (after
decoding invisible Unicode tag characters and dropping zero-width characters), an existing
document in evals/documents/ (200-600 words, Markdown or HTML), forbidden owners who are not in
the pair, and the expectations each kind needs.

Only the standard library, PyYAML and the repository's own ``assistant.program`` are used.
"""

from __future__ import annotations

import argparse
import re
import sys
import unicodedata
from collections import Counter
from pathlib import Path
from typing import Any

import yaml

EVALS = Path(__file__).resolve().parent
ROOT = EVALS.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from assistant.errors import ProgramError  # noqa: E402
from assistant.program import Program, load_program  # noqa: E402
from evals.authoring import Problems, check_keys, parse_date  # noqa: E402

PROGRAMS_DIR = EVALS / "programs"
PLANNING_DIR = EVALS / "planning"
SAFETY_DIR = EVALS / "safety"
DOCUMENTS_DIR = EVALS / "documents"
CATALOG = ROOT / "knowledge" / "data" / "reverse_topics.yaml"

ERRORS = {None, "InputError", "ProgramError"}
SENIORITY = ["student", "intern", "junior", "mid", "senior", "lead", "executive"]
DEFAULT_MINUTES = 45
MINUTES_RANGE = (10, 240)
FLASH_RANGE = (15, 30)

COMMON_REQUIRED = {"id", "description", "program", "pair", "expect"}
PLANNER_FILES: dict[str, dict[str, Any]] = {
    "agenda.yaml": {
        "prefix": "ag",
        "optional": {"minutes", "focus", "previous"},
        "expect": {
            "error",
            "main_teacher",
            "teachers_include",
            "rotation",
            "goal_review_mentions",
            "cites_any_of",
        },
    },
    "questions.yaml": {
        "prefix": "qs",
        "optional": {"per_person", "focus"},
        "expect": {"error", "topics_for", "goals_served", "fallback_for"},
    },
    "topics.yaml": {
        "prefix": "tp",
        "optional": set(),
        "expect": {"error", "top_topics_any_of", "mentor", "mentee"},
    },
}
PREVIOUS_KEYS = {"date", "action_items"}
ACTION_KEYS = {"owner", "task", "due"}

SAFETY_KINDS = {"notes_injection", "document_injection", "cross_pair", "exfiltration", "canary"}
SAFETY_REQUIRED = {"id", "kind", "description", "canary", "expect"}
SUMMARY_KEYS = {"program", "pair", "date", "notes"}
QUESTION_KEYS = {"question"}
QUESTION_OPTIONAL = {"document"}
SUMMARY_EXPECT = {"must_not_contain", "forbidden_owners", "max_action_items"}
QUESTION_EXPECT = {"must_not_contain", "declined"}
CANARY_PATTERN = re.compile(r"^CANARY-[0-9a-f]{6}$")
DOC_SUFFIXES = {".md", ".markdown", ".html", ".htm"}
DOC_WORDS = (200, 600)
ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"))


# ------------------------------------------------------------------------------------ helpers


def fold(text: str) -> str:
    """Case- and accent-insensitive form for name matching."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def reveal(text: str) -> str:
    """Decode Unicode tag characters to ASCII and drop zero-width characters."""
    out = []
    for ch in text:
        code = ord(ch)
        if 0xE0020 <= code <= 0xE007E:
            out.append(chr(code - 0xE0000))
        elif 0xE0000 <= code <= 0xE007F:
            continue
        else:
            out.append(ch)
    return "".join(out).translate(ZERO_WIDTH)


def anchor(heading: str) -> str:
    return re.sub(r"[^0-9a-z]+", "-", heading.casefold()).strip("-")


def is_str_list(value: Any, allow_empty: bool = False) -> bool:
    return (
        isinstance(value, list)
        and (allow_empty or bool(value))
        and all(isinstance(v, str) and v.strip() for v in value)
    )


def load_yaml_list(path: Path, problems: Problems) -> list[Any]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError, yaml.YAMLError) as exc:
        problems.add(path.name, f"cannot read: {exc}")
        return []
    if not isinstance(data, list):
        problems.add(path.name, "expected a list of cases")
        return []
    return data


# ------------------------------------------------------------------------------- shared data


class Context:
    """Programs (loaded and raw), the topic catalog and the guide headings."""

    def __init__(self, problems: Problems) -> None:
        self.programs: dict[str, Program] = {}
        self.raw: dict[str, dict[str, dict[str, Any]]] = {}
        for file in sorted(PROGRAMS_DIR.glob("*.yaml")) + sorted(PROGRAMS_DIR.glob("*.json")):
            try:
                self.programs[file.name] = load_program(file)
            except ProgramError as exc:
                problems.add(file.name, str(exc))
                continue
            data = yaml.safe_load(file.read_text(encoding="utf-8")) or {}
            self.raw[file.name] = {p["id"]: p for p in data.get("participants", [])}
        catalog = yaml.safe_load(CATALOG.read_text(encoding="utf-8"))
        self.topic_ids = {t["id"] for t in catalog.get("topics", [])}
        self._anchors: dict[Path, set[str]] = {}

    def profile(self, program: str, pid: str) -> dict[str, Any]:
        return self.raw.get(program, {}).get(pid, {})

    def skills(self, program: str, pid: str) -> list[str]:
        return list(self.profile(program, pid).get("skills") or [])

    def goals(self, program: str, pid: str) -> list[str]:
        return list(self.profile(program, pid).get("learning_goals") or [])

    def anchors(self, path: Path) -> set[str]:
        if path not in self._anchors:
            found: set[str] = set()
            for line in path.read_text(encoding="utf-8").splitlines():
                match = re.match(r"^#{1,6}\s+(.*)$", line)
                if match:
                    found.add(anchor(match.group(1)))
            self._anchors[path] = found
        return self._anchors[path]


def relationship(ctx: Context, program: str, pair: str) -> Any:
    prog = ctx.programs.get(program)
    if prog is None:
        return None
    try:
        return prog.relationship(pair)
    except ProgramError:
        return None


def names_of(ctx: Context, program: str, rel: Any) -> dict[str, str]:
    """Every way a member can be named (id, full name, first name, aliases) -> id."""
    out: dict[str, str] = {}
    for person in ctx.programs[program].members(rel):
        for label in [person.id, person.name, person.first_name, *person.aliases]:
            out[fold(label)] = person.id
    return out


# --------------------------------------------------------------------------- planner cases


def expected_error(kind: str, case: dict[str, Any], rel: Any) -> set[str | None]:
    """The errors the product rules allow for this request (more than one when two apply)."""
    errors: set[str | None] = set()
    if rel is None:
        errors.add("ProgramError")
    if kind == "agenda.yaml":
        minutes = case.get("minutes", DEFAULT_MINUTES)
        flash = rel is not None and rel.mode.value == "flash"
        low, high = FLASH_RANGE if flash else MINUTES_RANGE
        if rel is None:
            low, high = MINUTES_RANGE
        if isinstance(minutes, int) and not low <= minutes <= high:
            errors.add("InputError")
    if kind == "topics.yaml" and rel is not None and rel.is_group:
        errors.add("InputError")
    return errors or {None}


def check_previous(where: str, previous: Any, members: set[str], problems: Problems) -> None:
    if not check_keys(where, previous, PREVIOUS_KEYS, set(), problems):
        return
    if parse_date(previous["date"]) is None:
        problems.add(where, f"date {previous['date']!r} is not an ISO date")
    items = previous["action_items"]
    if not isinstance(items, list) or not items:
        problems.add(where, "action_items must be a non-empty list")
        return
    for i, item in enumerate(items):
        here = f"{where}.action_items[{i}]"
        if not check_keys(here, item, ACTION_KEYS, set(), problems):
            continue
        if item["owner"] is not None and item["owner"] not in members:
            problems.add(here, f"owner {item['owner']!r} is not a member of the relationship")
        if not isinstance(item["task"], str) or not item["task"].strip():
            problems.add(here, "task must be a non-empty string")
        if item["due"] is not None and parse_date(item["due"]) is None:
            problems.add(here, f"due {item['due']!r} is not an ISO date or null")


def check_member(where: str, key: str, pid: Any, members: set[str], problems: Problems) -> bool:
    if not isinstance(pid, str) or pid not in members:
        problems.add(where, f"{key} {pid!r} is not a member of the relationship")
        return False
    return True


def check_agenda_expect(
    where: str, case: dict[str, Any], rel: Any, ctx: Context, problems: Problems
) -> None:
    expect = case["expect"]
    members = set(rel.participants)
    teachers = expect.get("teachers_include")
    if "main_teacher" in expect:
        check_member(where, "main_teacher", expect["main_teacher"], members, problems)
    if teachers is not None:
        if not is_str_list(teachers):
            problems.add(where, "teachers_include must be a non-empty list of ids")
            teachers = []
        for pid in teachers:
            check_member(where, "teachers_include", pid, members, problems)
        if len(set(teachers)) != len(teachers):
            problems.add(where, "teachers_include lists someone twice")
        main = expect.get("main_teacher")
        if main is not None and teachers and main not in teachers:
            problems.add(where, "main_teacher is not in teachers_include")
    if "rotation" in expect:
        rotation = expect["rotation"]
        if not isinstance(rotation, bool):
            problems.add(where, "rotation must be true or false")
        elif rotation and not rel.is_group:
            problems.add(where, "a rotation is only possible in a group or circle")
        elif rotation and teachers and set(teachers) == members:
            problems.add(where, "rotation: true but teachers_include lists every member")
        elif rotation is False and rel.is_group and teachers and set(teachers) != members:
            problems.add(where, "rotation: false in a group, yet teachers_include omits members")
    if "goal_review_mentions" in expect:
        mentions = expect["goal_review_mentions"]
        if not is_str_list(mentions):
            problems.add(where, "goal_review_mentions must be a non-empty list of strings")
        else:
            previous = case.get("previous") or {}
            sources = [
                str(item.get("task", ""))
                for item in previous.get("action_items") or []
                if isinstance(item, dict)
            ] + list(rel.shared_goals or [])
            text = fold(" ".join(sources))
            for mention in mentions:
                if fold(mention) not in text:
                    problems.add(
                        where,
                        f"goal_review_mentions {mention!r} is in neither the previous items "
                        "nor the shared goals",
                    )
    if "cites_any_of" in expect:
        check_citations(where, expect["cites_any_of"], ctx, problems)


def check_citations(where: str, cites: Any, ctx: Context, problems: Problems) -> None:
    if not is_str_list(cites):
        problems.add(where, "cites_any_of must be a non-empty list of source paths")
        return
    for cite in cites:
        path_part, _, frag = cite.partition("#")
        path = ROOT / path_part
        if not path_part.startswith("knowledge/") or not path.is_file():
            problems.add(where, f"cited source {path_part!r} does not exist")
            continue
        if (
            frag
            and re.sub(r"-\d+$", "", frag) not in ctx.anchors(path)
            and frag not in ctx.anchors(path)
        ):
            problems.add(where, f"citation anchor #{frag} not found in {path_part}")


def check_questions_expect(
    where: str, case: dict[str, Any], rel: Any, ctx: Context, problems: Problems
) -> None:
    expect = case["expect"]
    program = case["program"]
    members = set(rel.participants)
    per_person = case.get("per_person")
    if per_person is not None and (not isinstance(per_person, int) or per_person < 1):
        problems.add(where, f"per_person {per_person!r} must be a positive integer or null")
    fallback = expect.get("fallback_for")
    if fallback is not None:
        if not is_str_list(fallback):
            problems.add(where, "fallback_for must be a non-empty list of ids")
            fallback = []
        for pid in fallback:
            if check_member(where, "fallback_for", pid, members, problems) and ctx.skills(
                program, pid
            ):
                problems.add(where, f"fallback_for {pid!r} lists skills, so no fallback is needed")
    fallback = fallback or []
    topics_for = expect.get("topics_for")
    if topics_for is not None:
        if not isinstance(topics_for, dict) or not topics_for:
            problems.add(where, "topics_for must map answerer ids to lists of skills")
            topics_for = {}
        for pid, topics in topics_for.items():
            if not check_member(where, "topics_for answerer", pid, members, problems):
                continue
            if pid in fallback:
                problems.add(where, f"topics_for {pid!r}: a fallback answerer has no skills")
            skills = ctx.skills(program, pid)
            if not is_str_list(topics):
                problems.add(where, f"topics_for {pid!r} must be a non-empty list")
                continue
            folded = {fold(s) for s in skills}
            for topic in topics:
                if fold(topic) not in folded:
                    problems.add(where, f"topics_for {pid!r}: {topic!r} is not one of their skills")
            if len(skills) > 1 and {fold(t) for t in topics} == folded:
                problems.add(
                    where, f"topics_for {pid!r} lists every skill; the expectation cannot fail"
                )
    goals_served = expect.get("goals_served")
    if goals_served is not None:
        if not isinstance(goals_served, dict) or not goals_served:
            problems.add(where, "goals_served must map asker ids to lists of goals")
            goals_served = {}
        for pid, goals in goals_served.items():
            if not check_member(where, "goals_served asker", pid, members, problems):
                continue
            if not is_str_list(goals):
                problems.add(where, f"goals_served {pid!r} must be a non-empty list")
                continue
            own = {fold(g) for g in ctx.goals(program, pid)}
            for goal in goals:
                if fold(goal) not in own:
                    problems.add(
                        where, f"goals_served {pid!r}: {goal!r} is not one of their learning goals"
                    )


def check_topics_expect(
    where: str, case: dict[str, Any], rel: Any, ctx: Context, problems: Problems
) -> None:
    expect = case["expect"]
    program = case["program"]
    members = set(rel.participants)
    mentor, mentee = expect.get("mentor"), expect.get("mentee")
    for key in ("mentor", "mentee", "top_topics_any_of"):
        if key not in expect:
            problems.add(where, f"a topics case without an error needs expect.{key}")
    ok = True
    if mentor is not None:
        ok &= check_member(where, "mentor", mentor, members, problems)
    if mentee is not None:
        ok &= check_member(where, "mentee", mentee, members, problems)
    if ok and mentor and mentee:
        if mentor == mentee:
            problems.add(where, "mentor and mentee are the same person")
        else:
            senior = ctx.profile(program, mentor)
            junior = ctx.profile(program, mentee)
            key_senior = (
                SENIORITY.index(str(senior.get("seniority", "mid"))),
                senior.get("years_experience", 0),
            )
            key_junior = (
                SENIORITY.index(str(junior.get("seniority", "mid"))),
                junior.get("years_experience", 0),
            )
            if key_senior <= key_junior:
                problems.add(where, f"mentor {mentor!r} is not more senior than mentee {mentee!r}")
    topics = expect.get("top_topics_any_of")
    if topics is not None:
        if not is_str_list(topics):
            problems.add(where, "top_topics_any_of must be a non-empty list")
            return
        skills = {fold(s) for s in ctx.skills(program, mentee)} if mentee else set()
        for topic in topics:
            if topic not in ctx.topic_ids and fold(topic) not in skills:
                problems.add(
                    where,
                    f"top_topics_any_of {topic!r} is neither a catalog topic id nor a skill "
                    f"of {mentee!r}",
                )


def check_planner_file(
    name: str, spec: dict[str, Any], ctx: Context, seen: dict[str, str], problems: Problems
) -> list[dict[str, Any]]:
    path = PLANNING_DIR / name
    if not path.is_file():
        problems.add(name, "file missing")
        return []
    cases = load_yaml_list(path, problems)
    valid = []
    id_pattern = re.compile(rf"^{spec['prefix']}-\d{{3}}$")
    for index, case in enumerate(cases):
        where = f"{name}[{index}]"
        if not check_keys(where, case, COMMON_REQUIRED, spec["optional"], problems):
            continue
        case_id = case["id"]
        where = f"{name} {case_id}"
        if not isinstance(case_id, str) or not id_pattern.match(case_id):
            problems.add(where, f"id should look like {spec['prefix']}-001")
        if case_id in seen:
            problems.add(where, f"id already used in {seen[case_id]}")
        seen[case_id] = name
        if not isinstance(case["description"], str) or not case["description"].strip():
            problems.add(where, "description must be non-empty text")
        if case["program"] not in ctx.programs:
            problems.add(where, f"program file {case['program']!r} not found in programs/")
            continue
        rel = relationship(ctx, case["program"], case["pair"])
        expect = case["expect"]
        if not check_keys(f"{where} expect", expect, set(), spec["expect"], problems):
            continue
        error = expect.get("error")
        if error not in ERRORS:
            problems.add(where, f"error {error!r} must be null, InputError or ProgramError")
        allowed = expected_error(name, case, rel)
        if error not in allowed:
            problems.add(
                where,
                f"expect.error is {error!r} but the product rules give "
                f"{' or '.join(str(a) for a in sorted(allowed, key=str))}",
            )
        if "minutes" in case and (
            not isinstance(case["minutes"], int) or isinstance(case["minutes"], bool)
        ):
            problems.add(where, "minutes must be an integer")
        if case.get("focus") is not None and not (
            isinstance(case["focus"], str) and case["focus"].strip()
        ):
            problems.add(where, "focus must be text or null")
        if error is not None:
            others = set(expect) - {"error"}
            if others:
                problems.add(
                    where, f"an error case should expect nothing else, has {sorted(others)}"
                )
            valid.append({"case": case, "rel": rel})
            continue
        if rel is None:
            problems.add(where, f"relationship {case['pair']!r} not in {case['program']}")
            continue
        members = set(rel.participants)
        if case.get("previous") is not None:
            check_previous(f"{where} previous", case["previous"], members, problems)
        if name == "agenda.yaml":
            check_agenda_expect(where, case, rel, ctx, problems)
        elif name == "questions.yaml":
            check_questions_expect(where, case, rel, ctx, problems)
        else:
            check_topics_expect(where, case, rel, ctx, problems)
        if set(expect) <= {"error"}:
            problems.add(where, "a case without an error should expect something")
        valid.append({"case": case, "rel": rel})
    return valid


# ---------------------------------------------------------------------------- safety cases


def check_documents(problems: Problems) -> dict[str, str]:
    docs: dict[str, str] = {}
    if not DOCUMENTS_DIR.is_dir():
        problems.add("documents/", "directory missing")
        return docs
    for path in sorted(DOCUMENTS_DIR.iterdir()):
        if not path.is_file():
            continue
        if path.suffix.lower() not in DOC_SUFFIXES:
            problems.add(f"documents/{path.name}", "must be Markdown or HTML")
            continue
        text = path.read_text(encoding="utf-8")
        words = len(re.sub(r"<[^>]+>", " ", reveal(text)).split())
        if not DOC_WORDS[0] <= words <= DOC_WORDS[1]:
            problems.add(
                f"documents/{path.name}", f"{words} words; expected {DOC_WORDS[0]}-{DOC_WORDS[1]}"
            )
        docs[path.name] = text
    return docs


def check_safety_case(
    where: str,
    case: dict[str, Any],
    ctx: Context,
    docs: dict[str, str],
    used_docs: Counter[str],
    problems: Problems,
) -> bool:
    is_summary = "notes" in case or "pair" in case or "program" in case
    optional = SUMMARY_KEYS if is_summary else QUESTION_KEYS | QUESTION_OPTIONAL
    required = SAFETY_REQUIRED | (SUMMARY_KEYS if is_summary else QUESTION_KEYS)
    if not check_keys(where, case, required, optional, problems):
        return False
    kind = case["kind"]
    if kind not in SAFETY_KINDS:
        problems.add(where, f"kind {kind!r} not in {sorted(SAFETY_KINDS)}")
    if not isinstance(case["description"], str) or not case["description"].strip():
        problems.add(where, "description must be non-empty text")
    canary = case["canary"]
    if not isinstance(canary, str) or not CANARY_PATTERN.match(canary):
        problems.add(where, f"canary {canary!r} should look like CANARY-4f2a91")
        canary = None

    expect = case["expect"]
    expect_keys = SUMMARY_EXPECT if is_summary else QUESTION_EXPECT
    if not check_keys(f"{where} expect", expect, expect_keys, set(), problems):
        return False
    must_not = expect["must_not_contain"]
    if not is_str_list(must_not, allow_empty=True):
        problems.add(where, "must_not_contain must be a list of non-empty strings")
        must_not = []

    if is_summary:
        text = case["notes"] if isinstance(case["notes"], str) else ""
        if not text.strip():
            problems.add(where, "notes must be non-empty text")
        if parse_date(case["date"]) is None:
            problems.add(where, f"date {case['date']!r} is not an ISO date")
        if case["program"] not in ctx.programs:
            problems.add(where, f"program file {case['program']!r} not found in programs/")
            return False
        rel = relationship(ctx, case["program"], case["pair"])
        if rel is None:
            problems.add(where, f"relationship {case['pair']!r} not in {case['program']}")
            return False
        names = names_of(ctx, case["program"], rel)
        folded_notes = fold(reveal(text))
        if not any(re.search(rf"\b{re.escape(n)}\b", folded_notes) for n in names):
            problems.add(where, "the notes name nobody from the relationship")
        owners = expect["forbidden_owners"]
        if not is_str_list(owners, allow_empty=True):
            problems.add(where, "forbidden_owners must be a list of strings")
            owners = []
        for owner in owners:
            if fold(owner) in names:
                problems.add(where, f"forbidden owner {owner!r} is a member of the relationship")
        for term in must_not:
            if fold(term) in names:
                problems.add(where, f"must_not_contain {term!r} names a member of the pair")
        max_items = expect["max_action_items"]
        if not isinstance(max_items, int) or isinstance(max_items, bool) or max_items < 0:
            problems.add(where, "max_action_items must be a non-negative integer")
        if kind == "document_injection":
            problems.add(where, "document_injection cases are question cases with a document")
    else:
        question = case["question"]
        if not isinstance(question, str) or not question.strip():
            problems.add(where, "question must be non-empty text")
            question = ""
        text = question
        document = case.get("document")
        if document is not None:
            if document not in docs:
                problems.add(where, f"document {document!r} not found in documents/")
            else:
                used_docs[document] += 1
                text = question + "\n" + docs[document]
        elif kind in {"document_injection"}:
            problems.add(where, "a document_injection case needs a document")
        declined = expect["declined"]
        if not isinstance(declined, bool):
            problems.add(where, "declined must be true or false")
        if kind == "cross_pair" and declined is not True:
            problems.add(where, "a cross_pair question must be declined")
        if kind in {"document_injection", "exfiltration"} and declined is True:
            problems.add(where, f"a realistic {kind} question should be answered, not declined")

    revealed = reveal(text)
    if canary and canary not in revealed:
        problems.add(where, f"canary {canary} does not occur in the case's notes or document")
    if kind == "exfiltration":
        if "evil.example" not in must_not:
            problems.add(where, "an exfiltration case must forbid 'evil.example'")
        if "evil.example" not in revealed:
            problems.add(where, "an exfiltration case needs an evil.example URL in its data")
    if canary and any(canary in term for term in must_not):
        problems.add(where, "the canary is checked already; keep it out of must_not_contain")
    return True


def check_safety(
    ctx: Context, problems: Problems
) -> tuple[list[dict[str, Any]], dict[str, str], Counter[str]]:
    docs = check_documents(problems)
    used_docs: Counter[str] = Counter()
    files = sorted(SAFETY_DIR.glob("*.yaml"))
    if not files:
        problems.add("safety/", "no safety case files")
    cases: list[dict[str, Any]] = []
    seen_ids: dict[str, str] = {}
    seen_canaries: dict[str, str] = {}
    for file in files:
        for index, case in enumerate(load_yaml_list(file, problems)):
            where = f"safety/{file.name}[{index}]"
            if isinstance(case, dict) and isinstance(case.get("id"), str):
                where = f"safety/{file.name} {case['id']}"
                if not re.fullmatch(r"sf-\d{3}", case["id"]):
                    problems.add(where, "id should look like sf-001")
                if case["id"] in seen_ids:
                    problems.add(where, f"id already used in {seen_ids[case['id']]}")
                seen_ids[case["id"]] = file.name
                canary = case.get("canary")
                if isinstance(canary, str):
                    if canary in seen_canaries:
                        problems.add(where, f"canary already used by {seen_canaries[canary]}")
                    seen_canaries[canary] = case["id"]
            if check_safety_case(where, case, ctx, docs, used_docs, problems):
                cases.append(case)
    for name in docs:
        if not used_docs[name]:
            problems.add(f"documents/{name}", "not used by any safety case")
    return cases, docs, used_docs


# ------------------------------------------------------------------------------------ main


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quiet", action="store_true", help="print only problems")
    args = parser.parse_args(argv)

    problems = Problems()
    ctx = Context(problems)
    seen: dict[str, str] = {}
    planner: dict[str, list[dict[str, Any]]] = {}
    for name, spec in PLANNER_FILES.items():
        planner[name] = check_planner_file(name, spec, ctx, seen, problems)
    safety, docs, _ = check_safety(ctx, problems)

    if not args.quiet:
        for name, results in planner.items():
            errors = Counter(str(r["case"]["expect"].get("error")) for r in results)
            modes = Counter(r["rel"].mode.value for r in results if r["rel"] is not None)
            programs = Counter(r["case"]["program"] for r in results)
            print(f"planning/{name}: {len(results)} cases")
            print("  errors:  ", dict(errors))
            print("  modes:   ", dict(modes))
            print("  programs:", dict(programs))
        print(f"safety: {len(safety)} cases, documents: {len(docs)}")
        print("  kinds:", dict(Counter(c["kind"] for c in safety)))
        print(
            "  summary cases:",
            sum(1 for c in safety if "notes" in c),
            "| question cases:",
            sum(1 for c in safety if "question" in c),
        )

    if problems.items:
        print(f"\n{len(problems.items)} problem(s):", file=sys.stderr)
        for item in problems.items:
            print(f"  - {item}", file=sys.stderr)
        return 1
    if not args.quiet:
        print("\nall planner and safety cases valid")
    return 0


if __name__ == "__main__":
    sys.exit(main())
