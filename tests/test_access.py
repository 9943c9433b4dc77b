"""The role policy, walked as a whole matrix: each role × each action × own relationship,
another relationship of the same program, a relationship of another program, programs
and unknown ids. The expectations are written out here independently of the policy's own
tables, so a change to either shows up as a failure."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from assistant.errors import AuthError, NotFoundError, PermissionDenied
from assistant.records import Role, User
from assistant.records.access import Action, authorize
from assistant.workspace import Workspace
from tests.conftest import make_settings

REPO = Path(__file__).resolve().parents[1]

TARGETS: dict[str, tuple[str | None, str | None]] = {
    "own_relationship": ("nw", "amara-leo-reverse"),
    "other_relationship": ("nw", "marcus-hana-comentoring"),
    "other_program_relationship": ("other", "amara-leo-reverse"),
    "own_program": ("nw", None),
    "other_program": ("other", None),
    "unknown_program": ("ghost", None),
    "unknown_relationship": ("nw", "ghost"),
    "no_program": (None, None),
}
MEMBER = {"read_relationship", "run_job", "read_checkins", "read_ledger"}
STAFF = {"read_relationship", "read_ledger", "read_summaries", "read_health"}

# What each kind of user gets for an action they may take, per target.
MEMBER_OUTCOME = {
    "own_relationship": "ok",
    "other_relationship": 403,
    "other_program_relationship": 404,
    "own_program": "ok",
    "other_program": 404,
    "unknown_program": 404,
    "unknown_relationship": 404,
    "no_program": "ok",
}
STAFF_OUTCOME = {**MEMBER_OUTCOME, "other_relationship": "ok"}
ADMIN_OUTCOME = {
    **{target: "ok" for target in TARGETS},
    "unknown_program": 404,
    "unknown_relationship": 404,
}


def expected(role: str, action: str, target: str) -> object:
    if role in ("mentee", "mentor"):
        return MEMBER_OUTCOME[target] if action in MEMBER else 403
    if role == "staff":
        return STAFF_OUTCOME[target] if action in STAFF else 403
    return ADMIN_OUTCOME[target]


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Workspace, dict[str, User]]]:
    ws = Workspace(make_settings(tmp_path_factory.mktemp("access")))
    document = yaml.safe_load((REPO / "evals" / "programs" / "northwind.yaml").read_text())
    ws.put_program("nw", document)
    ws.put_program("other", document)
    add = ws.records.add_user
    users = {
        "mentee": add("amara", Role.MENTEE, participant_id="amara", program_id="nw")[0],
        "mentor": add("leo", Role.MENTOR, participant_id="leo", program_id="nw")[0],
        "staff": add("sam", Role.STAFF, program_id="nw")[0],
        "admin": add("root", Role.ADMIN)[0],
    }
    yield ws, users
    ws.close()


def outcome(ws: Workspace, user: User, action: str, target: str) -> object:
    program_id, relationship_id = TARGETS[target]
    try:
        authorize(
            user, action, program_id=program_id, relationship_id=relationship_id, workspace=ws
        )
    except PermissionDenied as exc:
        assert exc.http_status == 403 and exc.code == "forbidden"
        return 403
    except NotFoundError as exc:
        assert exc.http_status == 404
        assert exc.code in ("unknown_program", "unknown_relationship")
        return 404
    return "ok"


@pytest.mark.parametrize("target", list(TARGETS))
@pytest.mark.parametrize("action", [a.value for a in Action])
@pytest.mark.parametrize("role", ["mentee", "mentor", "staff", "admin"])
def test_role_matrix(
    setup: tuple[Workspace, dict[str, User]], role: str, action: str, target: str
) -> None:
    ws, users = setup
    assert outcome(ws, users[role], action, target) == expected(role, action, target)


def test_staff_never_reads_raw_notes_nor_runs_jobs(
    setup: tuple[Workspace, dict[str, User]],
) -> None:
    ws, users = setup
    for action in (Action.READ_CHECKINS, Action.RUN_JOB):
        with pytest.raises(PermissionDenied):
            authorize(
                users["staff"],
                action,
                program_id="nw",
                relationship_id="amara-leo-reverse",
                workspace=ws,
            )


def test_other_programs_do_not_leak(setup: tuple[Workspace, dict[str, User]]) -> None:
    """A real program of someone else answers exactly like one that does not exist."""
    ws, users = setup
    answers = []
    for program_id in ("other", "ghost"):
        with pytest.raises(NotFoundError) as raised:
            authorize(users["staff"], Action.READ_HEALTH, program_id=program_id, workspace=ws)
        answers.append((raised.value.code, raised.value.message.replace(program_id, "X")))
    assert answers[0] == answers[1]


def test_revoked_users_are_refused_everything(
    setup: tuple[Workspace, dict[str, User]],
) -> None:
    ws, users = setup
    revoked = users["admin"].model_copy(update={"revoked": True})
    for action in Action:
        with pytest.raises(AuthError):
            authorize(revoked, action, program_id="nw", workspace=ws)


def test_a_relationship_needs_its_program(setup: tuple[Workspace, dict[str, User]]) -> None:
    ws, users = setup
    with pytest.raises(NotFoundError):
        authorize(users["admin"], Action.RUN_JOB, relationship_id="amara-leo-reverse", workspace=ws)
