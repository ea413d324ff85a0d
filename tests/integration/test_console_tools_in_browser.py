"""The console's owner tools, its analytics pages against API.md's shapes, and its
session outliving short access tokens, in Chromium against the real server."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from bootstrap.app import create_app
from tests.conftest import make_settings
from tests.integration.console_analytics import analytics_answer
from tests.integration.console_helpers import (
    Console,
    Watch,
    check_accessibility,
    console_server,
    drop_files,
    shoot,
    sign_up,
    visit,
)
from tests.integration.knowledge_helpers import PASSWORD
from tests.integration.live_server import ApiServer
from tests.integration.test_serve_process import free_port

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def console(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Console]:
    yield from console_server(database_url, tmp_path_factory)


def test_owner_tools_snippet_rotation_members_and_plan(console: Console) -> None:
    context = console.browser.new_context(viewport={"width": 1280, "height": 900})
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=console.api)
    page = context.new_page()
    watch = Watch(page)
    sign_up(page, console, "ada@shop.test")

    visit(page, console, "embeds/new", "text=Create embed code")
    page.get_by_label("Name").fill("Shop")
    page.get_by_role("button", name="Create embed code").click()
    snippet = page.locator("pre.snippet")
    snippet.wait_for()
    first = snippet.inner_text()
    page.get_by_role("button", name="Copy snippet").click()
    assert page.evaluate("navigator.clipboard.readText()") == first
    # Rotating asks first; cancelling keeps the key.
    page.get_by_role("button", name="Rotate key").click()
    page.get_by_role("dialog").get_by_role("button", name="Cancel").click()
    assert snippet.inner_text() == first
    page.get_by_role("button", name="Rotate key").click()
    page.get_by_role("dialog").get_by_role("button", name="Rotate key").click()
    page.wait_for_function(
        "(old) => document.querySelector('pre.snippet').textContent !== old", arg=first
    )
    key = snippet.inner_text().split('data-ccgpt-key="')[1].split('"')[0]
    assert key.startswith("ccgpt_pk_") and key not in first
    assert key in (page.locator("iframe.preview").get_attribute("src") or "")

    page.get_by_label("Title").fill("Shop help")
    page.get_by_role("button", name="Save changes").click()
    page.locator("#toast", has_text="Saved.").wait_for()
    page.reload()
    assert page.get_by_label("Title").input_value() == "Shop help"

    # A file the server refuses: its reason, on the file's own line.
    visit(page, console, "knowledge", "[data-testid=dropzone]")
    drop_files(page, [("tool.exe", "application/octet-stream", b"MZ\x90\x00" + bytes(300))])
    refused = page.locator(".uploads li", has_text="tool.exe")
    refused.locator(".badge.failed").wait_for()
    assert len(refused.locator(".reason").inner_text().strip()) > 10
    shoot(page, "13-upload-refused")

    # A text document: written, reindexed, deleted after a confirmation.
    page.get_by_text("Write a text document").click()
    page.get_by_label("Title").fill("Opening hours")
    page.get_by_label("Text").fill("We are open from 9 to 5 on weekdays.")
    page.get_by_role("button", name="Add text document").click()
    row = page.locator("table tbody tr", has_text="Opening hours")
    row.locator(".badge.ready").wait_for(timeout=30_000)
    page.get_by_role("button", name="Reindex Opening hours").click()
    page.locator("#toast", has_text="Reindexing Opening hours").wait_for()
    row.locator(".badge.ready").wait_for(timeout=30_000)
    page.get_by_role("button", name="Delete Opening hours").click()
    page.get_by_role("dialog").get_by_role("button", name="Delete").click()
    row.wait_for(state="detached")

    # The free plan has one seat: the server's reason is shown, then a plan change allows it.
    visit(page, console, "workspace", "text=Usage this month")
    form = page.locator("form", has_text="Add a member")
    form.get_by_label("Email").fill("bo@shop.test")
    form.get_by_label("Name").fill("Bo Agent")
    form.get_by_label("First password").fill(PASSWORD)
    form.get_by_role("button", name="Add member").click()
    error = page.locator("section", has_text="Members").get_by_role("alert")
    error.wait_for()
    assert "seat" in error.inner_text().lower()
    shoot(page, "11-workspace-quota-error")
    page.get_by_label("Plan", exact=True).select_option("pro")
    page.locator("#toast", has_text="Plan changed to pro").wait_for()
    page.locator("tr", has_text="Seats").locator("td", has_text="10").wait_for()
    form = page.locator("form", has_text="Add a member")
    form.get_by_label("Email").fill("bo@shop.test")
    form.get_by_label("Name").fill("Bo Agent")
    form.get_by_label("First password").fill(PASSWORD)
    form.get_by_role("button", name="Add member").click()
    role = page.get_by_label("Role of Bo Agent")
    role.wait_for()
    role.select_option("admin")
    page.locator("#toast", has_text="Bo Agent is now admin").wait_for()
    form.get_by_label("Email").fill("eve@shop.test")
    form.get_by_label("Name").fill("Eve Agent")
    form.get_by_label("First password").fill(PASSWORD)
    form.get_by_role("button", name="Add member").click()
    page.get_by_label("Role of Eve Agent").wait_for()
    check_accessibility(page, "workspace with members")

    # An agent: the inbox works, embed codes are not offered, documents are read-only.
    page.get_by_role("button", name="Sign out").click()
    page.locator("form.auth").wait_for()
    page.get_by_label("Email").fill("eve@shop.test")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.locator("header.top").wait_for()
    visit(page, console, "", "text=Open the inbox")
    assert page.get_by_role("link", name="Embed codes").is_hidden()
    visit(page, console, "inbox", ".live-state")
    page.locator(".live-state", has_text="Live").wait_for()
    assert page.locator("main").get_by_role("alert").count() == 0
    check_accessibility(page, "agent inbox")
    visit(page, console, "knowledge", "text=What would the bot retrieve?")
    assert page.locator("[data-testid=dropzone]").count() == 0
    assert watch.problems == []
    context.close()


def test_analytics_against_the_contract(console: Console) -> None:
    """Every report full of data a fresh workspace lacks (gaps, a week of traffic): the
    browser answers for the analytics API, in the server's own shapes (checked in
    test_console_http.py), so every part of the page is drawn and checked."""
    context = console.browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    watch = Watch(page)
    asked: list[dict[str, list[str]]] = []

    def answer(route: Any) -> None:
        url = urlsplit(route.request.url)
        params = parse_qs(url.query)
        assert route.request.headers["authorization"].startswith("Bearer ")
        asked.append(params)
        media, body = analytics_answer(url.path, params)
        route.fulfill(status=200, content_type=media, body=body)

    page.route("**/api/v1/analytics/**", answer)
    sign_up(page, console, "cy@shop.test")
    visit(page, console, "analytics", ".stats")
    page.locator("section.report", has_text="Answer quality").locator("table").wait_for()
    assert len(asked) == 7
    assert all({"from", "to", "tz"} <= set(p) for p in asked)
    summary = page.locator("section.report").first
    assert summary.locator(".stat", has_text="Questions").locator("dd").inner_text() == "12"
    assert "Resolved by the bot: 2" in summary.inner_text()
    assert page.locator("svg.chart rect.bar").count() == 3
    assert "shipping to canada" in page.locator("section", has_text="Top questions").inner_text()
    assert (
        "do you sell gift cards" in page.locator("section", has_text="Answer quality").inner_text()
    )
    page.get_by_label("Time zone").select_option("Europe/Amsterdam")
    page.get_by_role("button", name="Show").click()
    page.wait_for_function("() => document.querySelectorAll('.report .stats').length === 1")
    page.wait_for_timeout(300)
    assert asked[-1]["tz"] == ["Europe/Amsterdam"]
    check_accessibility(page, "analytics with data")
    shoot(page, "12-analytics-with-data")

    with page.expect_download() as download:
        page.get_by_role("button", name="Download Top questions as CSV").click()
    saved = download.value.path()
    assert Path(saved).read_text() == "report,total\ntop-queries,12\n"
    assert download.value.suggested_filename.startswith("top-queries-")

    # A content gap starts a new text document, ready to be written and saved.
    page.get_by_role("button", name="Write a document for this").click()
    page.locator("[data-testid=dropzone]").wait_for()
    title = page.get_by_label("Title")
    assert title.input_value() == "Gift cards"
    text = page.get_by_label("Text")
    assert "Do you sell gift cards?" in text.input_value()
    text.fill("Q: Do you sell gift cards?\nA: Yes, from 10 to 200 euros, in every shop.")
    page.get_by_role("button", name="Add text document").click()
    page.locator("table tbody tr", has_text="Gift cards").locator(".badge.ready").wait_for(
        timeout=30_000
    )
    assert watch.problems == []
    context.close()


def test_the_inbox_outlives_its_access_token(
    console: Console, database_url: str, tmp_path: Path
) -> None:
    """Access tokens of a few seconds: the console renews them from the cookie, and the
    inbox socket is handed each new one, so it stays open and live past every expiry."""
    port = free_port()
    api = f"http://127.0.0.1:{port}"
    settings = make_settings(
        database_url=database_url,
        data_dir=str(tmp_path / "d"),
        job_poll_seconds="0.05",
        access_token_ttl_seconds="8",
        ws_recheck_seconds="1",
        own_origins=api,
    )
    with ApiServer(create_app(settings), port):
        account = httpx.post(
            f"{api}/api/v1/auth/register",
            json={
                "email": "dee@shop.test",
                "password": PASSWORD,
                "full_name": "Dee Owner",
                "workspace_name": "Dee's",
            },
        ).json()
        headers = {"Authorization": f"Bearer {account['access_token']}"}
        code = httpx.post(
            f"{api}/api/v1/embed-codes", json={"name": "Dee site"}, headers=headers
        ).json()
        context = console.browser.new_context()
        page = context.new_page()
        watch = Watch(page)
        sockets: list[Any] = []
        page.on("websocket", lambda socket: sockets.append(socket))
        page.goto(f"{api}/console")
        page.get_by_label("Email").fill("dee@shop.test")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.locator("ol.steps").wait_for()
        page.goto(f"{api}/console#/inbox")
        page.locator(".live-state", has_text="Live").wait_for(timeout=15_000)
        time.sleep(12)  # one token expired, another renewed
        widget = {"Origin": "https://dee.example", "X-Embed-Key": code["public_key"]}
        session = httpx.post(f"{api}/widget/v1/sessions", json={}, headers=widget).json()
        page.locator(f"[data-session='{session['session_id']}']").wait_for(timeout=10_000)
        assert len(sockets) == 1 and not sockets[0].is_closed()
        assert watch.problems == []
        context.close()
