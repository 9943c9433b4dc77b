"""The role matrix: every route × every role × own relationship / another relationship of
the same program / the other program. Access that is not allowed gets 401 (no or revoked
token), 403 or 404; allowed access gets the route's 2xx; staff never see raw notes.

The expectations are written out here from the issue's policy, independently of
:mod:`assistant.records.access`, so a change to the policy shows up as a failure."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from api import create_app
from api.routes import programs, relationships, summaries
from assistant.knowledge.retrieval import HybridRetriever
from assistant.service import Comentor
from assistant.workspace import Workspace
from tests.api_kit import CANARY, OTHER_PROGRAM, PROGRAM, TARGETS, World, build_world
from tests.conftest import make_settings

ROLES = ("mentee", "mentor", "staff", "admin", "none", "revoked")
MEMBER = {"read_relationship", "run_job", "read_checkins", "read_ledger"}
POLICY = {
    "mentee": MEMBER,
    "mentor": MEMBER,
    "staff": {"read_relationship", "read_ledger", "read_summaries", "read_health"},
}


@dataclass(frozen=True)
class Route:
    method: str
    path: str  # a template: {program_id}, {relationship_id}, {checkin_id}
    action: str
    ok: int
    scope: str  # "relationship", "program" or "query"
    body: Any = None


ROUTES = [
    Route("PUT", "/api/programs/{program_id}", "manage_programs", 200, "program", "program"),
    Route("GET", "/api/programs/{program_id}", "manage_programs", 200, "program"),
    Route("GET", "/api/programs/{program_id}/relationships", "read_relationship", 200, "program"),
    Route("GET", "/api/programs/{program_id}/health", "read_health", 200, "program"),
    Route("POST", "{rel}/agenda", "run_job", 201, "relationship", {"minutes": 30}),
    Route("POST", "{rel}/questions", "run_job", 201, "relationship"),
    Route("POST", "{rel}/topics", "run_job", 201, "relationship"),
    Route("POST", "{rel}/checkins", "run_job", 201, "relationship", {"notes": "We met."}),
    Route("GET", "{rel}/checkins", "read_checkins", 200, "relationship"),
    Route("GET", "{rel}/checkins/{checkin_id}", "read_checkins", 200, "relationship"),
    Route("POST", "{rel}/checkins/{checkin_id}/summarize", "run_job", 200, "relationship"),
    Route("GET", "{rel}/ledger", "read_ledger", 200, "relationship"),
    Route("GET", "/api/summaries", "read_summaries", 200, "query"),
]
REL_PREFIX = "/api/programs/{program_id}/relationships/{relationship_id}"


def expected(role: str, route: Route, target: str) -> int | None:
    """The status the policy demands, or None for "any refusal: 403 or 404"."""
    if role in ("none", "revoked"):
        return 401
    if role == "admin":
        return route.ok
    if route.action not in POLICY[role]:
        return 403
    if target == "other_program":
        return 404  # another program's ids do not leak: same as a program that does not exist
    if target == "other_rel" and role in ("mentee", "mentor") and route.scope != "program":
        return 403
    return route.ok


@pytest.fixture(scope="module")
def world(
    knowledge_retriever: HybridRetriever, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[TestClient, World]]:
    settings = make_settings(tmp_path_factory.mktemp("api-roles"))
    workspace = Workspace(settings, comentor=Comentor(settings, retriever=knowledge_retriever))
    world = build_world(workspace)
    with TestClient(create_app(settings, workspace=workspace)) as client:
        yield client, world
    workspace.close()


def _call(client: TestClient, world: World, route: Route, role: str, target: str) -> Any:
    program_id, rel = TARGETS[target]
    path = route.path.replace("{rel}", REL_PREFIX).format(
        program_id=program_id, relationship_id=rel, checkin_id=world.checkins[target]
    )
    params = {}
    if route.scope == "query":
        params = {"program": program_id}
        if target != "own":
            params["relationship"] = rel
    kwargs: dict[str, Any] = {"headers": world.headers(role), "params": params}
    if route.body == "program":
        from tests.api_kit import program_document

        kwargs["json"] = program_document()
    elif route.body is not None:
        kwargs["json"] = route.body
    return client.request(route.method, path, **kwargs)


@pytest.mark.parametrize("role", ROLES)
def test_role_matrix(world: tuple[TestClient, World], role: str) -> None:
    client, w = world
    problems = []
    for route in ROUTES:
        targets = ["own", "other_program"] if route.scope == "program" else list(TARGETS)
        for target in targets:
            response = _call(client, w, route, role, target)
            want = expected(role, route, target)
            got = response.status_code
            ok = got in (403, 404) if want is None else got == want
            if ok and got >= 400:
                code = response.json()["error"]["code"]
                ok = code in {401: ("unauthenticated",), 403: ("forbidden",)}.get(
                    got, ("unknown_program", "unknown_relationship")
                )
            if not ok:
                problems.append(f"{route.method} {route.path} [{target}]: {got}, want {want}")
            if role == "staff":
                assert CANARY not in response.text, f"notes leaked to staff: {route.path}"
    assert not problems, f"{role}:\n" + "\n".join(problems)


def test_matrix_covers_every_api_route(world: tuple[TestClient, World]) -> None:
    client, _ = world
    paths = client.get("/openapi.json").json()["paths"]
    served = {
        (method.upper(), path)
        for path, ops in paths.items()
        if path.startswith("/api")
        for method in ops
    }
    walked = {(r.method, r.path.replace("{rel}", REL_PREFIX)) for r in ROUTES}
    assert served == walked


def _access_actions(dependant: Any) -> list[str]:
    found = []
    for dep in dependant.dependencies:
        action = getattr(dep.call, "action", None)
        if action is not None:
            found.append(str(action))
        found += _access_actions(dep)
    return found


def test_every_api_route_declares_exactly_one_access_dependency() -> None:
    declared: dict[tuple[str, str], list[str]] = {}
    for module in (programs, relationships, summaries):
        for r in module.router.routes:
            assert isinstance(r, APIRoute)
            for method in r.methods or ():
                declared[(method, r.path)] = _access_actions(r.dependant)
    for route in ROUTES:
        actions = declared[(route.method, route.path.replace("{rel}", REL_PREFIX))]
        assert actions == [route.action], route
    assert len(declared) == len(ROUTES)


def test_members_see_their_notes_and_staff_get_summaries_without_them(
    world: tuple[TestClient, World],
) -> None:
    """The canary is really there for members (so the staff assertion above can fail)."""
    client, w = world
    own = f"/api/programs/{PROGRAM}/relationships/{TARGETS['own'][1]}/checkins"
    for role in ("mentee", "mentor", "admin"):
        response = client.get(own, headers=w.headers(role))
        assert response.status_code == 200 and CANARY in response.text
    page = client.get("/api/summaries", headers=w.headers("staff"))
    assert page.status_code == 200
    items = page.json()["items"]
    assert items and all("notes" not in item for item in items)
    assert {item["program_id"] for item in items} == {PROGRAM}  # never the other program's
    health = client.get(f"/api/programs/{PROGRAM}/health", headers=w.headers("staff"))
    assert health.status_code == 200 and CANARY not in health.text


def test_listings_are_scoped_to_the_caller(world: tuple[TestClient, World]) -> None:
    client, w = world
    url = f"/api/programs/{PROGRAM}/relationships"
    mine = client.get(url, headers=w.headers("mentee")).json()
    assert TARGETS["own"][1] in {r["id"] for r in mine}
    assert all("leo" in r["participants"] for r in mine)  # never others' (OTHER_REL)
    staff = client.get(url, headers=w.headers("staff")).json()
    assert len(staff) > 1 and {r["program_id"] for r in staff} == {PROGRAM}
    other = client.get(f"/api/programs/{OTHER_PROGRAM}/relationships", headers=w.headers("admin"))
    assert other.status_code == 200 and len(other.json()) == len(staff)
