"""The console in a real browser (Debian's Chromium, Playwright), against the real server
and PostgreSQL: the journey of a new owner from sign-up to answering a visitor, with a
screenshot of every page and axe-core run on each of them."""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from bootstrap.app import create_app
from tests.conftest import make_settings
from tests.integration.knowledge_helpers import PASSWORD, pdf_bytes
from tests.integration.live_server import ApiServer
from tests.integration.test_serve_process import free_port
from tests.integration.test_widget_in_browser import CHROMIUM, CHROMIUM_ARGS, HostSite

pytestmark = pytest.mark.browser

SHOTS = Path(os.environ.get("CCGPT_TEST_ARTIFACTS", "test-artifacts")) / "console"
AXE = Path(os.environ.get("CCGPT_TEST_AXE", ".venv/axe-core/axe.min.js"))
GUIDE = pdf_bytes(
    [
        ("Shipping", "Orders to Canada arrive in 5 to 8 business days. Shipping is free."),
        ("Returns", "You can return any item within 30 days for a full refund."),
    ]
)
FAQ = b"# Store hours\n\nThe shop in Utrecht is open from 9 to 18, Monday to Saturday.\n"
QUESTION = "How long does shipping to Canada take?"


@dataclass
class Console:
    url: str
    api: str
    browser: Any


@pytest.fixture(scope="module")
def console(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Console]:
    if not CHROMIUM.exists():
        pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    if not AXE.exists():
        pytest.skip(f"no axe-core at {AXE} (make install fetches it)")
    from playwright.sync_api import sync_playwright

    port = free_port()
    api = f"http://127.0.0.1:{port}"
    settings = make_settings(
        database_url=database_url,
        data_dir=str(tmp_path_factory.mktemp("console") / "d"),
        job_poll_seconds="0.05",
        answer_min_similarity="0.05",  # the hashing embedder's similarities are small
        own_origins=api,  # as `ccgpt serve` sets it: the preview frame is ours
    )
    with ApiServer(create_app(settings), port), sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        try:
            yield Console(f"{api}/console", api, browser)
        finally:
            browser.close()


class Watch:
    """Page errors and CSP violations of one page: there must be none."""

    def __init__(self, page: Any) -> None:
        self.problems: list[str] = []
        page.on("pageerror", lambda error: self.problems.append(f"error: {error}"))
        page.on("console", self._console)

    def _console(self, message: Any) -> None:
        if "Content Security Policy" in message.text or "Content-Security-Policy" in message.text:
            self.problems.append(f"csp: {message.text}")


def check_accessibility(page: Any, name: str) -> None:
    """axe-core in the page (the console's CSP stays on): no serious or critical issue."""
    if not page.evaluate("typeof window.axe === 'object'"):
        page.evaluate(AXE.read_text())
    violations = page.evaluate(
        """async () => {
            const result = await axe.run(document, {resultTypes: ["violations"]});
            return result.violations
                .filter((v) => v.impact === "serious" || v.impact === "critical")
                .map((v) => ({id: v.id, impact: v.impact, help: v.help,
                              nodes: v.nodes.map((n) => n.target.join(" ")).slice(0, 5)}));
        }"""
    )
    assert violations == [], f"{name}: {json.dumps(violations, indent=1)}"


def shoot(page: Any, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def visit(page: Any, console: Console, view: str, ready: str) -> None:
    page.goto(f"{console.url}#/{view}")
    page.locator(ready).first.wait_for(state="visible", timeout=15_000)


def drop_files(page: Any, files: list[tuple[str, str, bytes]]) -> None:
    """A real drop event on the drop zone, carrying several files."""
    payload = [(n, t, base64.b64encode(b).decode()) for n, t, b in files]
    page.evaluate(
        """(files) => {
            const data = new DataTransfer();
            for (const [name, type, b64] of files) {
                const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
                data.items.add(new File([bytes], name, {type}));
            }
            const zone = document.querySelector("[data-testid=dropzone]");
            zone.dispatchEvent(new DragEvent("drop", {dataTransfer: data, bubbles: true,
                                                       cancelable: true}));
        }""",
        payload,
    )


def test_the_journey_from_sign_up_to_answering_a_visitor(console: Console) -> None:
    context = console.browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    watch = Watch(page)

    # Sign up, and stay signed in across a reload without any token in reach of scripts.
    page.goto(console.url)
    page.locator("form.auth").wait_for()
    check_accessibility(page, "sign-in")
    shoot(page, "01-sign-in")
    page.get_by_role("link", name="Create an account").click()
    page.get_by_label("Your name").fill("Kim Owner")
    page.get_by_label("Company or workspace name").fill("Acme Outdoor")
    page.get_by_label("Email").fill("kim@acme.test")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    page.locator("ol.steps").wait_for()
    page.reload()
    page.locator("ol.steps").wait_for()
    assert page.evaluate("document.cookie") == ""
    assert page.evaluate("JSON.stringify(localStorage) + JSON.stringify(sessionStorage)") == "{}{}"
    check_accessibility(page, "start")
    shoot(page, "02-start")

    # Knowledge base: two files dropped at once, each followed until ready.
    visit(page, console, "knowledge", "[data-testid=dropzone]")
    drop_files(page, [("guide.pdf", "application/pdf", GUIDE), ("hours.md", "text/markdown", FAQ)])
    uploads = page.locator(".uploads li")
    uploads.nth(1).wait_for()
    for i in range(2):
        uploads.nth(i).locator(".badge.ready").wait_for(timeout=30_000)
    rows = page.locator("table tbody tr")
    rows.filter(has_text="guide").locator(".badge.ready").wait_for()
    page.get_by_role("button", name="Chunks of guide").click()
    dialog = page.get_by_role("dialog")
    assert "page 1" in dialog.inner_text() and "Canada" in dialog.inner_text()
    shoot(page, "03-chunks")
    page.keyboard.press("Escape")
    page.get_by_label("Question").fill("shipping to Canada")
    page.get_by_role("button", name="Search").click()
    result = page.locator(".result").first
    result.wait_for()
    assert "guide" in result.inner_text() and "score" in result.inner_text()
    check_accessibility(page, "knowledge")
    shoot(page, "04-knowledge")

    # An embed code for the customer's site, tried in the live preview.
    site_port = free_port()
    visit(page, console, "embeds", "text=New embed code")
    page.get_by_role("link", name="New embed code").click()
    page.get_by_label("Name").fill("Acme site")
    page.get_by_label("Allowed sites").fill(f"127.0.0.1:{site_port}")
    page.get_by_label("Title").fill("Acme Help")
    page.get_by_role("button", name="Create embed code").click()
    frame = page.frame_locator("iframe.preview")
    frame.locator("[data-ccgpt=panel]").wait_for(timeout=15_000)
    page.get_by_label("Title").fill("Ask Acme")  # not saved: the preview shows it at once
    frame.locator("[data-ccgpt=panel]", has_text="Ask Acme").wait_for()
    frame.locator("[data-ccgpt=input]").fill(QUESTION)
    frame.locator("[data-ccgpt=input]").press("Enter")
    answer = frame.locator("[data-ccgpt=message][data-role=assistant]").first
    answer.wait_for(timeout=20_000)
    assert "5 to 8 business days" in answer.inner_text()
    assert "guide" in frame.locator("[data-ccgpt=source]").first.inner_text()
    code_view = page.url.split("#/", 1)[1]  # embeds/<id>
    snippet = page.locator("pre.snippet").inner_text()
    assert "data-ccgpt-key=" in snippet
    check_accessibility(page, "embed code")
    shoot(page, "05-embed-code")

    # The agent watches the inbox while a visitor asks on the customer's site.
    visit(page, console, "inbox", ".live-state")
    page.locator(".live-state", has_text="Live").wait_for(timeout=15_000)
    host = HostSite(snippet, site_port)
    visitor_context = console.browser.new_context(viewport={"width": 1000, "height": 760})
    try:
        visitor = visitor_context.new_page()
        visitor_watch = Watch(visitor)
        visitor.goto(host.origin + "/")
        visitor.locator("[data-ccgpt=launcher]").click()
        visitor.locator("[data-ccgpt=input]").fill("Do you ship to Canada?")
        visitor.locator("[data-ccgpt=input]").press("Enter")
        visitor.locator("[data-ccgpt=message][data-role=assistant]").first.wait_for(timeout=20_000)
        stored = visitor.evaluate(
            "Object.entries(localStorage).find(([k]) => k.startsWith('ccgpt:session:'))[1]"
        )
        session_id = json.loads(stored)["session_id"]

        # It appears live, without a reload; the agent takes over and replies.
        conversation = page.locator(f"[data-session='{session_id}']")
        conversation.wait_for(timeout=15_000)
        conversation.click()
        thread = page.locator(".thread")
        thread.locator(".message.visitor", has_text="Do you ship to Canada?").wait_for()
        thread.locator(".message.assistant .sources").first.wait_for()
        page.get_by_role("button", name="Take over").click()
        page.get_by_role("button", name="Hand back to the bot").wait_for()
        assert page.get_by_role("button", name="Take over").is_hidden()
        page.get_by_label("Your reply").press_sequentially("Hi, ")
        visitor.locator("[data-ccgpt=typing]").wait_for(state="visible", timeout=10_000)
        page.get_by_label("Your reply").fill("Hi, this is Kim: your parcel leaves today.")
        page.get_by_role("button", name="Send reply").click()
        thread.locator(".message.agent", has_text="your parcel leaves today").wait_for()
        reply = visitor.locator("[data-ccgpt=message][data-role=agent]")
        reply.wait_for(timeout=15_000)
        assert "your parcel leaves today" in reply.inner_text()
        # And the visitor's next words reach the agent live.
        visitor.locator("[data-ccgpt=input]").fill("Thank you!")
        visitor.locator("[data-ccgpt=input]").press("Enter")
        thread.locator(".message.visitor", has_text="Thank you!").wait_for(timeout=15_000)
        # Filtered to taken-over conversations: this one only, not the preview's.
        status = page.get_by_label("Status", exact=True)
        status.select_option("handoff")
        page.wait_for_function("() => document.querySelectorAll('.conversation').length === 1")
        assert conversation.is_visible()
        status.select_option("")
        page.wait_for_function("() => document.querySelectorAll('.conversation').length === 2")
        check_accessibility(page, "inbox")
        shoot(page, "06-inbox")
        shoot(visitor, "06-visitor")
        page.get_by_role("button", name="Hand back to the bot").click()
        page.get_by_role("button", name="Take over").wait_for()
        page.locator(f"[data-session='{session_id}'] .badge.bot").wait_for()

        # The same by keyboard alone: open, take over, write, send.
        page.locator(f"[data-session='{session_id}']").focus()
        page.keyboard.press("Enter")
        page.wait_for_function("() => document.activeElement.tagName === 'H2'")
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.textContent") == "Take over"
        page.keyboard.press("Enter")
        page.wait_for_function("() => document.activeElement.name === 'reply'")
        page.keyboard.type("Anything else I can do?")
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.textContent") == "Send reply"
        page.keyboard.press("Enter")
        visitor.locator(
            "[data-ccgpt=message][data-role=agent]", has_text="Anything else"
        ).wait_for()
        assert visitor_watch.problems == []
    finally:
        visitor_context.close()
        host.close()

    # Analytics: the reports, or the server's reason for each that failed.
    visit(page, console, "analytics", "section.report")
    summary = page.locator("section.report").first
    summary.locator(".stats, .error").first.wait_for(timeout=15_000)
    if summary.locator(".error").count():
        assert summary.locator(".error").inner_text().strip() != ""
    else:
        questions = summary.locator(".stat", has_text="Questions").locator("dd").inner_text()
        assert int(questions.replace(",", "")) >= 2
    check_accessibility(page, "analytics")
    shoot(page, "07-analytics")

    # Workspace: an API key is shown once.
    visit(page, console, "workspace", "text=Usage this month")
    page.get_by_label("Key name").fill("Shop backend")
    page.get_by_role("button", name="Create key").click()
    secret = page.locator(".once code.secret")
    secret.wait_for()
    assert secret.inner_text().startswith("ccgpt_sk_")
    check_accessibility(page, "workspace")
    shoot(page, "08-workspace")

    # Every page readable at 360 px: nothing wider than the screen.
    page.set_viewport_size({"width": 360, "height": 740})
    for view, ready in (
        ("", "ol.steps"),
        ("knowledge", "[data-testid=dropzone]"),
        ("embeds", "text=New embed code"),
        (code_view, "iframe.preview"),
        ("inbox", ".live-state"),
        ("analytics", "section.report"),
        ("workspace", "text=Usage this month"),
    ):
        visit(page, console, view, ready)
        page.wait_for_timeout(300)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 360, f"#/{view} is {width}px wide at 360px"
        check_accessibility(page, f"#/{view} at 360px")
        shoot(page, f"09-narrow-{view.split('/')[0] + ('-edit' if '/' in view else '') or 'start'}")

    # Sign out: the log-in is revoked, a reload shows the sign-in form.
    page.set_viewport_size({"width": 1280, "height": 900})
    page.get_by_role("button", name="Sign out").click()
    page.locator("form.auth").wait_for()
    page.reload()
    page.locator("form.auth").wait_for()
    assert page.locator("header.top").is_hidden()
    assert watch.problems == []
    context.close()


def test_sign_in_errors_read_as_sentences_and_work_by_keyboard(console: Console) -> None:
    context = console.browser.new_context(viewport={"width": 800, "height": 700})
    page = context.new_page()
    watch = Watch(page)
    page.goto(console.url)
    page.locator("form.auth").wait_for()
    page.keyboard.type("nobody@acme.test")  # the email field has the focus
    page.keyboard.press("Tab")
    page.keyboard.type("wrong-password-1")
    page.keyboard.press("Enter")
    alert = page.get_by_role("alert")
    alert.wait_for()
    assert "Email or password is wrong." in alert.inner_text()
    check_accessibility(page, "sign-in error")
    shoot(page, "10-sign-in-error")
    assert watch.problems == []
    context.close()


def sign_up(page: Any, console: Console, email: str) -> None:
    page.goto(f"{console.url}#/signup")
    page.get_by_label("Your name").fill("Ada Owner")
    page.get_by_label("Company or workspace name").fill("Ada's Shop")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    page.locator("ol.steps").wait_for()


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


def _analytics_answer(path: str, params: dict[str, list[str]]) -> tuple[str, str]:
    """What the analytics endpoints answer, shaped exactly as API.md says."""
    at = "2026-12-02T10:00:00+00:00"
    bodies: dict[str, Any] = {
        "summary": {
            "total_queries": 12,
            "total_sessions": 5,
            "unique_visitors": 4,
            "answered_rate": 0.75,
            "avg_response_ms": 120.5,
            "p95_response_ms": 300,
            "positive_feedback_rate": 0.8,
            "handoff_rate": 0.2,
            "documents": 2,
            "chunks": 10,
            "resolved_sessions": 2,
            "pending_sessions": 1,
            "resolution_rate": 0.5,
        },
        "queries-over-time": {
            "interval": params.get("interval", ["day"])[0],
            "points": [
                {"bucket_start": f"2026-12-0{d}T00:00:00+00:00", "queries": d, "sessions": 1}
                for d in (1, 2, 3)
            ],
        },
        "top-queries": {
            "items": [
                {
                    "query": "shipping to canada",
                    "count": 5,
                    "answered_rate": 1.0,
                    "last_asked_at": at,
                }
            ]
        },
        "documents": {
            "items": [
                {
                    "document_id": "00000000-0000-0000-0000-000000000001",
                    "title": "guide",
                    "citations": 7,
                    "sessions": 4,
                    "last_cited_at": at,
                }
            ]
        },
        "embed-codes": {
            "items": [
                {
                    "embed_code_id": "00000000-0000-0000-0000-000000000002",
                    "name": "Acme site",
                    "sessions": 5,
                    "queries": 12,
                    "unique_visitors": 4,
                    "last_used_at": at,
                }
            ]
        },
        "quality": {
            "feedback": {"up": 4, "down": 1, "positive_rate": 0.8},
            "avg_confidence": 0.61,
            "low_confidence_count": 2,
            "unanswered": [{"query": "do you sell gift cards", "count": 2}],
            "handoff_rate": 0.2,
        },
        "gaps": {
            "items": [
                {
                    "label": "Gift cards",
                    "count": 3,
                    "visitors": 2,
                    "examples": ["Do you sell gift cards?", "Can I buy a voucher?"],
                    "first_asked_at": at,
                    "last_asked_at": at,
                    "nearest_documents": [
                        {
                            "document_id": "00000000-0000-0000-0000-000000000001",
                            "title": "guide",
                            "score": 0.21,
                        }
                    ],
                }
            ]
        },
    }
    report = path.rsplit("/", 1)[1]
    if params.get("format") == ["csv"]:
        return "text/csv", f"report,total\n{report},12\n"
    return "application/json", json.dumps(bodies[report])


def test_analytics_against_the_contract(console: Console) -> None:
    """The analytics API is another issue's: here the browser answers for it, in the
    shapes API.md gives, so the page is checked against the contract itself."""
    from urllib.parse import parse_qs, urlsplit

    context = console.browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    watch = Watch(page)
    asked: list[dict[str, list[str]]] = []

    def answer(route: Any) -> None:
        url = urlsplit(route.request.url)
        params = parse_qs(url.query)
        assert route.request.headers["authorization"].startswith("Bearer ")
        asked.append(params)
        media, body = _analytics_answer(url.path, params)
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
    import time

    import httpx

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
