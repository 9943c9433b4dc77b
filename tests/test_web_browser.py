"""The web pages in headless Chromium (Debian's ``chromium`` driven by Playwright; no
browser download) against a live ``comentor serve`` on loopback: sign in, an agenda
streamed and rendered with citations, pasted notes summarized, the staff review filtered
by flag with its chart, and a mentee refused another pair's page. Each page's screenshot
is saved under ``reports/screenshots/``."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from assistant.config import Settings
from assistant.records import Role
from assistant.workspace import Workspace
from tests.api_kit import (
    CANARY,
    OTHER_REL,
    PROGRAM,
    REL,
    REPO,
    LiveServer,
    checkin_notes,
    copy_index,
    live_server,
    program_document,
)
from tests.conftest import make_settings

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SHOTS = REPO / "reports" / "screenshots"
CHAT = f"/programs/{PROGRAM}/relationships/{REL}/chat"


@pytest.fixture(scope="module")
def site(
    knowledge_settings: Settings,
    knowledge_retriever: object,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[LiveServer, dict[str, str]]]:
    if not Path(CHROMIUM).exists():
        pytest.fail(
            "chromium is missing: run scripts/ensure_system_deps.sh (apt-get install chromium)"
        )
    data = tmp_path_factory.mktemp("web-browser")
    copy_index(knowledge_settings.data_dir, data)
    workspace = Workspace(make_settings(data))
    workspace.put_program(PROGRAM, program_document())
    records = workspace.records
    tokens = {
        "mentee": records.add_user("Leo", Role.MENTEE, participant_id="leo", program_id=PROGRAM)[1],
        "staff": records.add_user("Sam", Role.STAFF, program_id=PROGRAM)[1],
    }
    view = workspace.submit_checkin(PROGRAM, REL, notes=checkin_notes(f"\nRoom {CANARY}.\n"))
    assert view.status == "summarized"
    # a thin check-in in the other pair: the summarizer flags it (no action items)
    thin = "Diane: We caught up about the weather and the holidays.\nKwame: Nice to chat."
    flagged = workspace.submit_checkin(PROGRAM, OTHER_REL, notes=thin)
    assert flagged.status == "summarized" and flagged.summary
    assert "no_action_items" in flagged.summary.flag_codes()
    workspace.close()
    SHOTS.mkdir(parents=True, exist_ok=True)
    with live_server(data) as server:
        yield server, tokens


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield chromium
        chromium.close()


def _sign_in(browser: Browser, server: LiveServer, token: str, width: int = 1000) -> Page:
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    page.goto(server.url + "/signin")
    page.screenshot(path=str(SHOTS / "signin.png"), full_page=True)
    page.get_by_label("Service token").fill(token)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(server.url + "/")
    return page


def test_mentee_gets_a_streamed_agenda_with_citations_and_a_summary(
    site: tuple[LiveServer, dict[str, str]], browser: Browser
) -> None:
    server, tokens = site
    page = _sign_in(browser, server, tokens["mentee"])
    page.get_by_role("link", name="amara & leo").click()
    page.wait_for_url(server.url + CHAT)
    page.get_by_label("Minutes (agenda)").fill("30")
    page.get_by_role("button", name="Plan an agenda").click()
    answer = page.locator("#answer .answer")
    answer.wait_for(timeout=120_000)
    assert "agenda" in answer.inner_text()
    sources = page.locator("#answer ol.citations a")
    assert sources.count() >= 1
    page.screenshot(path=str(SHOTS / "chat-agenda.png"), full_page=True)
    href = sources.first.get_attribute("href")
    assert href and href.startswith("/guidance/")
    sources.first.click()
    page.wait_for_url("**/guidance/**")
    assert "Source:" in page.locator("main").inner_text()
    page.screenshot(path=str(SHOTS / "guidance.png"), full_page=True)

    page.goto(server.url + CHAT)
    page.get_by_label("Paste check-in notes to summarize").fill(checkin_notes())
    page.get_by_role("button", name="Summarize notes").click()
    page.locator("#answer .answer").wait_for(timeout=120_000)
    assert "summarize" in page.locator("#answer").inner_text()
    page.screenshot(path=str(SHOTS / "chat-summary.png"), full_page=True)

    # another pair's page is refused, and says so
    response = page.goto(server.url + f"/programs/{PROGRAM}/relationships/{OTHER_REL}/chat")
    assert response is not None and response.status == 403
    assert "Not allowed" in page.locator("h1").inner_text()
    page.screenshot(path=str(SHOTS / "forbidden.png"), full_page=True)


def test_staff_filter_summaries_by_flag_and_see_the_chart(
    site: tuple[LiveServer, dict[str, str]], browser: Browser
) -> None:
    server, tokens = site
    page = _sign_in(browser, server, tokens["staff"], width=390)  # phone width
    page.get_by_role("link", name="Review").first.click()
    page.wait_for_url(server.url + "/review")
    assert page.locator("svg.chart").count() >= 1
    assert CANARY not in page.content()
    page.screenshot(path=str(SHOTS / "review-all.png"), full_page=True)
    page.get_by_label("Flag", exact=True).select_option("no_action_items")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url("**/review?**flag=no_action_items**")
    shown = page.locator("article.summary")
    assert shown.count() == 1 and OTHER_REL in shown.first.inner_text()
    assert "no action items" in shown.first.locator("strong.flag").first.inner_text()
    page.get_by_label("Flag", exact=True).select_option("")
    page.get_by_label("Relationship", exact=True).select_option(REL)
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url(f"**relationship={REL}**")
    assert page.locator("article.summary").count() == 1
    assert page.locator("svg.chart title").count() >= 1
    page.screenshot(path=str(SHOTS / "review.png"), full_page=True)
    assert CANARY not in page.content()


def test_chat_works_with_javascript_off(
    site: tuple[LiveServer, dict[str, str]], browser: Browser
) -> None:
    server, tokens = site
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(server.url + "/signin")
    page.get_by_label("Service token").fill(tokens["mentee"])
    page.keyboard.press("Enter")  # keyboard only: submit from the field
    page.wait_for_url(server.url + "/")
    page.goto(server.url + CHAT)
    page.get_by_role("button", name="Suggest questions").click()
    page.wait_for_load_state()
    answer = page.locator("#answer .answer")
    assert "questions" in answer.inner_text()
    assert page.locator("#answer ol.citations a").count() >= 1
    page.screenshot(path=str(SHOTS / "chat-no-js.png"), full_page=True)
    context.close()
