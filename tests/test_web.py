"""The web pages in-process (httpx via TestClient): sign-in cookie flags, CSRF rejection,
the role rules on every web route, the no-JavaScript chat with citations, the guidance
passage page, and the staff review page (filters, chart, never raw notes)."""

from __future__ import annotations

import datetime as dt
import html
import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from api import create_app
from api.web import chat_pages, pages, review
from api.web.render import markdown
from assistant.knowledge.retrieval import HybridRetriever
from assistant.service import Comentor
from assistant.workspace import Workspace
from tests.api_kit import CANARY, OTHER_PROGRAM, OTHER_REL, PROGRAM, REL, World, build_world
from tests.conftest import make_settings
from tests.test_web_kit import csrf_of, sign_in

CHAT = "/programs/{p}/relationships/{r}/chat"


@pytest.fixture(scope="module")
def web(
    knowledge_retriever: HybridRetriever, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[TestClient, World]]:
    settings = make_settings(tmp_path_factory.mktemp("web"))
    workspace = Workspace(settings, comentor=Comentor(settings, retriever=knowledge_retriever))
    world = build_world(workspace)
    with TestClient(create_app(settings, workspace=workspace)) as client:
        yield client, world
    workspace.close()


def token(world: World, role: str) -> str:
    value = world.tokens[role]
    assert value
    return value


def test_sign_in_sets_an_httponly_samesite_cookie_and_signs_out(
    web: tuple[TestClient, World],
) -> None:
    client, world = web
    response = sign_in(client, token(world, "mentee"))
    assert response.status_code == 303 and response.headers["location"] == "/"
    cookie = next(
        c for c in response.headers.get_list("set-cookie") if c.startswith("comentor_session=")
    )
    flags = cookie.lower()
    assert "httponly" in flags and "samesite=strict" in flags and "path=/" in flags
    assert "secure" not in flags  # plain http on loopback; https adds Secure
    home = client.get("/")
    assert home.status_code == 200 and REL in home.text
    out = client.post("/signout", data={"csrf_token": csrf_of(home.text)}, follow_redirects=False)
    assert out.status_code == 303
    client.cookies.clear()
    assert client.get("/", follow_redirects=False).headers["location"] == "/signin"


def test_a_bad_token_is_refused_on_the_form(web: tuple[TestClient, World]) -> None:
    client, world = web
    response = sign_in(client, "not-a-token")
    assert response.status_code == 401 and "not valid" in response.text
    revoked = sign_in(client, token(world, "revoked"))
    assert revoked.status_code == 401
    assert "comentor_session" not in client.cookies


def test_csrf_is_checked_on_every_form(web: tuple[TestClient, World]) -> None:
    client, world = web
    client.cookies.clear()
    client.get("/signin")
    bad = client.post("/signin", data={"token": token(world, "mentee")})
    assert bad.status_code == 403 and "security token" in bad.text
    wrong = client.post("/signin", data={"token": token(world, "mentee"), "csrf_token": "x" * 64})
    assert wrong.status_code == 403
    assert sign_in(client, token(world, "mentee")).status_code == 303
    chat = CHAT.format(p=PROGRAM, r=REL)
    for path in (chat, chat + "/stream", "/signout"):
        for data in ({"preset": "agenda"}, {"preset": "agenda", "csrf_token": "forged"}):
            refused = client.post(path, data=data)
            assert refused.status_code == 403, path
            assert "security token" in refused.text
    # the session's token from another session does not work either
    mine = csrf_of(client.get(chat).text)
    sign_in(client, token(world, "mentor"))
    assert client.post(chat, data={"preset": "agenda", "csrf_token": mine}).status_code == 403


def test_the_api_does_not_accept_the_session_cookie(web: tuple[TestClient, World]) -> None:
    client, world = web
    sign_in(client, token(world, "admin"))
    assert client.get("/", follow_redirects=False).status_code == 200
    assert client.get(f"/api/programs/{PROGRAM}/relationships").status_code == 401
    api_chat = client.post("/chat", json={"message": "plan an agenda"})
    assert api_chat.status_code == 401


ROLE_EXPECT: dict[str, dict[str, int]] = {
    # page -> status per role; None signed-out users are sent to sign in (303)
    "mentee": {"home": 200, "own": 200, "other_rel": 403, "other_program": 404, "review": 403},
    "mentor": {"home": 200, "own": 200, "other_rel": 403, "other_program": 404, "review": 403},
    "staff": {"home": 200, "own": 403, "other_rel": 403, "other_program": 403, "review": 200},
    "admin": {"home": 200, "own": 200, "other_rel": 200, "other_program": 200, "review": 200},
}
TARGET_PATHS = {
    "own": CHAT.format(p=PROGRAM, r=REL),
    "other_rel": CHAT.format(p=PROGRAM, r=OTHER_REL),
    "other_program": CHAT.format(p=OTHER_PROGRAM, r=REL),
}


def web_routes() -> set[tuple[str, str]]:
    found = set()
    for router in (pages.router, chat_pages.router, review.router):
        for route in router.routes:
            assert isinstance(route, APIRoute)
            for method in route.methods or ():
                found.add((method, route.path))
    return found


def test_every_web_route_is_in_the_role_matrix() -> None:
    assert web_routes() == {
        ("GET", "/signin"),
        ("POST", "/signin"),
        ("POST", "/signout"),
        ("GET", "/"),
        ("GET", "/guidance/{citation_id:path}"),
        ("GET", "/programs/{program_id}/relationships/{relationship_id}/chat"),
        ("POST", "/programs/{program_id}/relationships/{relationship_id}/chat"),
        ("POST", "/programs/{program_id}/relationships/{relationship_id}/chat/stream"),
        ("GET", "/review"),
    }


@pytest.mark.parametrize("role", sorted(ROLE_EXPECT))
def test_role_rules_on_every_web_route(web: tuple[TestClient, World], role: str) -> None:
    client, world = web
    assert sign_in(client, token(world, role)).status_code == 303
    expect = ROLE_EXPECT[role]
    home = client.get("/")
    assert home.status_code == expect["home"]
    csrf = csrf_of(home.text)
    for target, path in TARGET_PATHS.items():
        got = client.get(path)
        assert got.status_code == expect[target], (role, target, "GET")
        # the posts are refused the same way, before any job runs (an empty form)
        for post in (path, path + "/stream"):
            status = client.post(post, data={"csrf_token": csrf}).status_code
            want = expect[target] if expect[target] != 200 else 422  # empty message: 422
            assert status == want, (role, target, post)
    assert client.get("/review").status_code == expect["review"]
    other = client.get("/review", params={"program": OTHER_PROGRAM})
    other_status = {"admin": 200, "staff": 404}.get(role, expect["review"])
    assert other.status_code == other_status  # staff: another program does not exist
    assert client.get("/guidance/no-such-passage").status_code == 404


def test_signed_out_visitors_are_sent_to_sign_in(web: tuple[TestClient, World]) -> None:
    client, _world = web
    client.cookies.clear()
    for path in ["/", "/review", "/guidance/x", *TARGET_PATHS.values()]:
        response = client.get(path, follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"] == "/signin"
    assert client.post(TARGET_PATHS["own"], follow_redirects=False).status_code == 303


def test_chat_without_javascript_renders_markdown_with_citation_links(
    web: tuple[TestClient, World],
) -> None:
    client, world = web
    sign_in(client, token(world, "mentee"))
    path = TARGET_PATHS["own"]
    csrf = csrf_of(client.get(path).text)
    response = client.post(path, data={"csrf_token": csrf, "preset": "agenda", "minutes": "30"})
    assert response.status_code == 200, response.text[:500]
    html = response.text
    assert "Understood as: agenda" in html and "<li>" in html and "Open a cited passage" in html
    link = html.split('href="/guidance/', 1)[1].split('"', 1)[0]
    passage = client.get("/guidance/" + link)
    assert passage.status_code == 200 and "Source:" in passage.text
    # the conversation is listed and can be reopened
    home = client.get("/")
    assert "Plan an agenda" in home.text
    conversation = html.split('name="conversation_id" id="conversation_id" value="', 1)[1][:40]
    conversation = conversation.split('"', 1)[0]
    reopened = client.get(path, params={"conversation": conversation})
    assert reopened.status_code == 200 and "Plan an agenda for our next session" in reopened.text
    # ...with the reply's citation links, not only its text
    turns = reopened.text.split('id="turns-h"', 1)[1].split("</section>", 1)[0]
    assert 'aria-label="Cited passages"' in turns and f'href="/guidance/{link}"' in turns
    # someone else cannot reopen it
    sign_in(client, token(world, "mentor"))
    assert client.get(path, params={"conversation": conversation}).status_code in (403, 404)


def test_pasted_notes_are_summarized_on_the_page(web: tuple[TestClient, World]) -> None:
    client, world = web
    sign_in(client, token(world, "mentor"))
    path = TARGET_PATHS["own"]
    csrf = csrf_of(client.get(path).text)
    notes = (
        "Amara: I showed Leo how to run the board review.\n"
        "Leo: I taught Amara prompt tricks.\n- Leo to draft the memo by Friday"
    )
    response = client.post(path, data={"csrf_token": csrf, "preset": "notes", "notes": notes})
    assert response.status_code == 200
    assert "Understood as: summarize" in response.text


def test_stream_sends_events_ending_in_rendered_html(web: tuple[TestClient, World]) -> None:
    client, world = web
    sign_in(client, token(world, "mentee"))
    path = TARGET_PATHS["own"]
    csrf = csrf_of(client.get(path).text)
    with client.stream(
        "POST", path + "/stream", data={"csrf_token": csrf, "preset": "questions"}
    ) as response:
        assert response.status_code == 200
        body = "".join(response.iter_text())
    assert body.index("event: intent") < body.index("event: delta") < body.index("event: final")
    assert "/guidance/" in body


def test_review_filters_shows_chart_and_never_raw_notes(web: tuple[TestClient, World]) -> None:
    client, world = web
    sign_in(client, token(world, "staff"))
    page = client.get("/review")
    assert page.status_code == 200
    assert "<svg" in page.text and 'role="img"' in page.text and "Chart as a table" in page.text
    assert "Open action items" in page.text and "Relationships (stalled first)" in page.text
    assert CANARY not in page.text
    assert page.text.count('class="summary"') >= 1
    flagged = client.get("/review", params={"flag": "stalled"})
    assert flagged.status_code == 200 and CANARY not in flagged.text
    one = client.get("/review", params={"relationship": REL, "since": "2000-01-01"})
    assert one.status_code == 200 and f"{OTHER_REL} ·" not in one.text
    assert client.get("/review", params={"since": "yesterday"}).status_code == 422
    assert client.get("/review", params={"flag": "nope"}).status_code == 422


def test_review_pages_through_every_summary_keeping_the_filters(
    knowledge_retriever: HybridRetriever, tmp_path_factory: pytest.TempPathFactory
) -> None:
    settings = make_settings(tmp_path_factory.mktemp("web-paging"))
    workspace = Workspace(settings, comentor=Comentor(settings, retriever=knowledge_retriever))
    world = build_world(workspace)
    notes = "Leo showed Amara how he plans a sprint. Amara will send Leo the roadmap by Friday."
    for day in range(1, 56):  # 55 more: the page holds 50
        view = workspace.submit_checkin(
            PROGRAM, REL, notes=notes, date=dt.date(2026, 1, day % 28 + 1)
        )
        assert view.status == "summarized"
    with TestClient(create_app(settings, workspace=workspace)) as client:
        sign_in(client, token(world, "staff"))
        first = client.get("/review", params={"relationship": REL})
        assert first.status_code == 200 and first.text.count('class="summary"') == 50
        assert "Newest summaries" not in first.text
        older = re.search(r'<a href="([^"]+)">Older summaries</a>', first.text)
        assert older is not None
        link = html.unescape(older.group(1))
        assert f"relationship={REL}" in link and "cursor=" in link
        second = client.get(link)
        assert second.status_code == 200 and "Newest summaries" in second.text
        assert "Older summaries" not in second.text
        assert second.text.count('class="summary"') == 56 - 50  # 55 + the world's own one
        assert CANARY not in first.text + second.text
        assert client.get("/review", params={"cursor": "not-a-cursor"}).status_code == 422
    workspace.close()


def test_markdown_escapes_raw_html() -> None:
    html = str(markdown("**hi** <script>alert(1)</script>"))
    assert "<strong>hi</strong>" in html and "<script>" not in html and "&lt;script&gt;" in html


def test_pages_are_labelled_and_fit_a_phone(web: tuple[TestClient, World]) -> None:
    client, world = web
    sign_in(client, token(world, "admin"))
    for path in ["/", TARGET_PATHS["own"], "/review"]:
        html = client.get(path).text
        assert 'name="viewport"' in html and '<main id="main">' in html
        ids = set(_attrs(html, 'id="'))
        for control in _attrs(html, '<select id="') + _attrs(html, '<textarea id="'):
            assert f'for="{control}"' in html, (path, control)
        assert ids


def _attrs(html: str, marker: str) -> list[Any]:
    return [part.split('"', 1)[0] for part in html.split(marker)[1:]]
