"""The console in a real browser (Debian's Chromium, Playwright), against the real server
and PostgreSQL: the journey of a new owner from sign-up to answering a visitor, with a
screenshot of every page and axe-core run on each of them."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from tests.integration.console_helpers import (
    Console,
    Watch,
    check_accessibility,
    console_server,
    drop_files,
    shoot,
    visit,
)
from tests.integration.knowledge_helpers import PASSWORD, pdf_bytes
from tests.integration.test_serve_process import free_port
from tests.integration.test_widget_in_browser import HostSite

pytestmark = pytest.mark.browser

GUIDE = pdf_bytes(
    [
        ("Shipping", "Orders to Canada arrive in 5 to 8 business days. Shipping is free."),
        ("Returns", "You can return any item within 30 days for a full refund."),
    ]
)
FAQ = b"# Store hours\n\nThe shop in Utrecht is open from 9 to 18, Monday to Saturday.\n"
QUESTION = "How long does shipping to Canada take?"


@pytest.fixture(scope="module")
def console(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Console]:
    yield from console_server(database_url, tmp_path_factory)


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

    # Analytics, from the real API: the questions asked above are counted, and no report
    # failed.
    visit(page, console, "analytics", "section.report")
    summary = page.locator("section.report").first
    summary.locator(".stats").wait_for(timeout=15_000)
    questions = summary.locator(".stat", has_text="Questions").locator("dd").inner_text()
    assert int(questions.replace(",", "")) >= 2
    page.wait_for_function(
        """() => [...document.querySelectorAll("section.report")]
            .every((s) => !s.textContent.includes("Loading"))""",
        timeout=15_000,
    )
    errors = page.locator("section.report .error:visible")
    assert errors.count() == 0, errors.all_inner_texts()
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
