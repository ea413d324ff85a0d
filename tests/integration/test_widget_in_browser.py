"""The widget in a real browser: Debian's Chromium, driven by Playwright, on a host page
served from another origin than the API, against the real server and PostgreSQL."""

from __future__ import annotations

import json
import os
import re
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest

from bootstrap.app import create_app
from domain.conversations import MAX_MESSAGE_CHARS, VISITOR_ID_PATTERN
from tests.conftest import make_settings
from tests.integration.knowledge_helpers import PASSWORD
from tests.integration.live_server import ApiServer
from tests.integration.test_serve_process import free_port

pytestmark = pytest.mark.browser

CHROMIUM = Path(os.environ.get("CCGPT_TEST_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(os.environ.get("CCGPT_TEST_ARTIFACTS", "test-artifacts"))
SHIPPING = "# Shipping\n\nOrders to Canada arrive in 5 to 8 business days.\n"
RETURNS = "# Returns\n\nYou can return any item within 30 days for a full refund.\n"


class HostSite:
    """A customer's web page on its own origin, with the snippet pasted in."""

    def __init__(self, snippet: str, port: int = 0) -> None:
        page = (
            "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
            "<meta name='viewport' content='width=device-width, initial-scale=1'>"
            "<title>Acme Outdoor</title></head><body style='font-family:sans-serif;margin:2rem'>"
            "<h1>Acme Outdoor</h1><p>Tents, packs and boots for every trail.</p>"
            f"{snippet}</body></html>"
        ).encode()

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(page)))
                self.end_headers()
                self.wfile.write(page)

            def log_message(self, *args: object) -> None:
                pass

        self._httpd = ThreadingHTTPServer(("127.0.0.1", port or free_port()), Handler)
        self.origin = f"http://127.0.0.1:{self._httpd.server_address[1]}"
        threading.Thread(target=self._httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()


@dataclass
class World:
    api: ApiServer
    allowed: HostSite
    refused: HostSite
    browser: Any
    owner: dict[str, str]  # the workspace owner's Authorization header


def _seed(api_url: str, allowed_port: int) -> tuple[str, dict[str, str]]:
    """A workspace with two documents and an embed code for the allowed site: the code's
    snippet and the owner's headers."""
    with httpx.Client(base_url=api_url, timeout=30) as http:
        account = http.post(
            "/api/v1/auth/register",
            json={
                "email": "owner@acme.test",
                "password": PASSWORD,
                "full_name": "Kim Owner",
                "workspace_name": "Acme",
            },
        ).json()
        headers = {"Authorization": f"Bearer {account['access_token']}"}
        ids = [
            http.post(
                "/api/v1/documents/text",
                json={"title": title, "content": content},
                headers=headers,
            ).json()["id"]
            for title, content in (("Shipping", SHIPPING), ("Returns", RETURNS))
        ]
        deadline = time.monotonic() + 60
        while any(
            http.get(f"/api/v1/documents/{i}", headers=headers).json()["status"] != "ready"
            for i in ids
        ):
            assert time.monotonic() < deadline, "documents did not become ready"
            time.sleep(0.1)
        code = http.post(
            "/api/v1/embed-codes",
            json={
                "name": "Acme site",
                "allowed_domains": [f"127.0.0.1:{allowed_port}"],
                "settings": {
                    "title": "Acme Help",
                    "greeting": "Hi! Ask me about shipping or returns.",
                    "primary_color": "#0F766E",
                    "suggested_questions": ["How long does shipping to Canada take?"],
                },
            },
            headers=headers,
        ).json()
        return str(code["snippet"]), headers


@pytest.fixture(scope="module")
def world(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    if not CHROMIUM.exists():
        pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    settings = make_settings(
        database_url=database_url,
        data_dir=str(tmp_path_factory.mktemp("browser") / "d"),
        job_poll_seconds="0.05",
        answer_min_similarity="0.05",  # the hashing embedder's similarities are small
        # Every visitor here comes from 127.0.0.1: the per-IP limit would trip across tests.
        rate_limit_ip="600/minute",
    )
    port = free_port()
    with ApiServer(create_app(settings), port) as api:
        allowed_port = free_port()
        snippet, owner = _seed(api.url, allowed_port)
        allowed, refused = HostSite(snippet, allowed_port), HostSite(snippet)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
            )
            try:
                yield World(api, allowed, refused, browser, owner)
            finally:
                browser.close()
                allowed.close()
                refused.close()


@pytest.fixture
def page(world: World) -> Iterator[Any]:
    """A fresh visitor: a new browser context has its own storage."""
    context = world.browser.new_context(viewport={"width": 1100, "height": 760})
    opened = context.new_page()
    errors: list[str] = []
    opened.on("pageerror", lambda error: errors.append(str(error)))
    yield opened
    context.close()
    assert errors == [], errors


def open_widget(page: Any, origin: str) -> None:
    page.goto(origin + "/")
    page.locator("[data-ccgpt=launcher]").click()
    page.locator("[data-ccgpt=panel]").wait_for(state="visible")


def ask(page: Any, text: str) -> Any:
    """Types a question, sends it with Enter, and returns the newest answer bubble."""
    answers = page.locator("[data-ccgpt=message][data-role=assistant]")
    before = answers.count()
    page.locator("[data-ccgpt=input]").fill(text)
    page.locator("[data-ccgpt=input]").press("Enter")
    answers.nth(before).wait_for(state="visible", timeout=20_000)
    return answers.nth(before)


def test_a_visitor_asks_and_sees_a_cited_answer(world: World, page: Any) -> None:
    open_widget(page, world.allowed.origin)
    panel = page.locator("[data-ccgpt=panel]")
    assert panel.get_attribute("role") == "dialog"
    assert "Acme Help" in panel.inner_text()
    answer = ask(page, "How long does shipping to Canada take?")
    assert "5 to 8 business days" in answer.inner_text()
    assert page.locator("[data-ccgpt=message][data-role=visitor]").count() == 1
    sources = page.locator("[data-ccgpt=source]")
    assert sources.count() >= 1 and "Shipping" in sources.first.inner_text()
    assert page.locator("[data-ccgpt=typing]").is_hidden()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "widget-open.png"))


def test_the_conversation_survives_a_reload(world: World, page: Any) -> None:
    open_widget(page, world.allowed.origin)
    ask(page, "Can I return an item?")
    page.reload()
    launcher = page.locator("[data-ccgpt=launcher]")
    launcher.wait_for(state="visible")
    if page.locator("[data-ccgpt=panel]").is_hidden():
        launcher.click()
    visitor = page.locator("[data-ccgpt=message][data-role=visitor]")
    visitor.first.wait_for(state="visible")
    assert visitor.first.inner_text().strip() == "Can I return an item?"
    assert "30 days" in page.locator("[data-ccgpt=message][data-role=assistant]").last.inner_text()


def test_feedback_reaches_the_server(world: World, page: Any) -> None:
    open_widget(page, world.allowed.origin)
    ask(page, "How long does shipping to Canada take?")
    up = page.locator("[data-ccgpt=feedback-up]").last
    with page.expect_response(lambda r: "/feedback" in r.url) as sent:
        up.click()
    assert sent.value.status == 204
    assert up.get_attribute("aria-pressed") == "true"


def test_a_hostile_message_stays_inert_text(world: World, page: Any) -> None:
    open_widget(page, world.allowed.origin)
    hostile = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>'
    ask(page, hostile)
    visitor = page.locator("[data-ccgpt=message][data-role=visitor]").last
    assert visitor.inner_text().strip() == hostile
    assert page.evaluate("window.__pwned") is None
    images = page.evaluate(
        "document.getElementById('ccgpt-widget').shadowRoot.querySelectorAll('img, script').length"
    )
    assert images == 0


def test_a_refused_origin_shows_the_error_state(world: World, page: Any) -> None:
    page.goto(world.refused.origin + "/")
    page.locator("[data-ccgpt=launcher]").click()
    error = page.locator("[data-ccgpt=error]")
    error.wait_for(state="visible")
    assert error.get_attribute("role") == "alert"
    assert page.locator("[data-ccgpt=message]").count() == 0


def test_keyboard_and_a_small_screen(world: World, page: Any) -> None:
    page.set_viewport_size({"width": 360, "height": 640})
    page.goto(world.allowed.origin + "/")
    launcher = page.locator("[data-ccgpt=launcher]")
    launcher.focus()
    page.keyboard.press("Enter")
    panel = page.locator("[data-ccgpt=panel]")
    panel.wait_for(state="visible")
    box = panel.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 360
    assert launcher.get_attribute("aria-expanded") == "true"
    page.keyboard.press("Escape")
    panel.wait_for(state="hidden")
    assert launcher.get_attribute("aria-expanded") == "false"
    focused = page.evaluate(
        "document.getElementById('ccgpt-widget').shadowRoot.activeElement"
        "?.getAttribute('data-ccgpt')"
    )
    assert focused == "launcher"


def test_no_answer_offers_a_person_whose_reply_arrives_live(world: World, page: Any) -> None:
    open_widget(page, world.allowed.origin)
    ask(page, "Do you sell gift cards for the moon?")
    offer = page.locator("[data-ccgpt=handoff]")
    offer.wait_for(state="visible")
    with page.expect_response(lambda r: r.url.split("?")[0].endswith("/handoff")) as asked:
        offer.click()
    assert asked.value.status == 200
    page.locator("[data-ccgpt=notice][data-kind=handoff]").wait_for(state="visible")
    session_id = asked.value.url.split("/sessions/")[1].split("/")[0]
    reply = httpx.post(
        f"{world.api.url}/api/v1/conversations/{session_id}/messages",
        json={"text": "Hi, I'm Sam from Acme. Let me check that for you."},
        headers=world.owner,
    )
    assert reply.status_code == 201
    agent = page.locator("[data-ccgpt=message][data-role=agent]")
    agent.wait_for(state="visible", timeout=15_000)  # the widget polls every 4 seconds
    assert "Sam from Acme" in agent.inner_text()


def test_after_the_first_answer_the_widget_talks_over_a_websocket(world: World, page: Any) -> None:
    received: list[dict[str, Any]] = []

    def watch(socket: Any) -> None:
        if "/widget/v1/ws" in socket.url:
            socket.on("framereceived", lambda payload: received.append(json.loads(payload)))

    page.on("websocket", watch)
    open_widget(page, world.allowed.origin)
    ask(page, "How long does shipping to Canada take?")  # creates the session over HTTP
    deadline = time.monotonic() + 15
    while not any(frame["type"] == "ready" for frame in received):
        assert time.monotonic() < deadline, "the widget opened no socket"
        page.wait_for_timeout(100)
    answer = ask(page, "Can I return an item?")
    assert "30 days" in answer.inner_text()
    over_socket = [f for f in received if f["type"] == "message" and f["role"] == "assistant"]
    assert over_socket and "30 days" in over_socket[-1]["text"]


# --- the widget's own structure, proved by behaviour -------------------------------------


def test_a_lost_socket_comes_back_with_growing_backoff(world: World, page: Any) -> None:
    """The server drops the socket, then refuses twice: the widget tries again after 1 s,
    2 s and 4 s, and once a socket is ready again, answers come over it."""
    opened: list[float] = []
    routes: list[Any] = []
    refuse = {"next": 0}  # how many of the next sockets fail before "ready"
    from_server: list[dict[str, Any]] = []

    def route(ws: Any) -> None:
        opened.append(time.monotonic())
        routes.append(ws)
        if refuse["next"] > 0:
            refuse["next"] -= 1
            ws.close(code=1011, reason="down")
            return
        server = ws.connect_to_server()

        def forward(message: str | bytes) -> None:
            from_server.append(json.loads(message))
            ws.send(message)

        server.on_message(forward)

    page.route_web_socket(re.compile(r"/widget/v1/ws\?"), route)
    open_widget(page, world.allowed.origin)
    ask(page, "How long does shipping to Canada take?")  # creates the session over HTTP
    _wait_for(page, lambda: [f["type"] for f in from_server].count("ready") == 1)
    assert len(opened) == 1

    refuse["next"] = 2
    dropped = time.monotonic()
    routes[0].close(code=1011, reason="server restart")
    _wait_for(page, lambda: [f["type"] for f in from_server].count("ready") == 2, seconds=20)
    assert len(opened) == 4
    gaps = [opened[1] - dropped, opened[2] - opened[1], opened[3] - opened[2]]
    for gap, expected in zip(gaps, (1.0, 2.0, 4.0), strict=True):
        assert expected * 0.9 <= gap <= expected + 1.5, gaps

    answer = ask(page, "Can I return an item?")
    assert "30 days" in answer.inner_text()
    over_socket = [f for f in from_server if f["type"] == "message" and f["role"] == "assistant"]
    assert over_socket and "30 days" in over_socket[-1]["text"]
    assert len(opened) == 4


def test_a_socket_refused_for_the_origin_is_not_tried_again(world: World, page: Any) -> None:
    opened: list[float] = []

    def route(ws: Any) -> None:
        opened.append(time.monotonic())
        ws.close(code=4403, reason="origin not allowed")

    page.route_web_socket(re.compile(r"/widget/v1/ws\?"), route)
    open_widget(page, world.allowed.origin)
    ask(page, "How long does shipping to Canada take?")
    _wait_for(page, lambda: len(opened) == 1)
    # HTTP carries on, and no socket is opened again: not on a message, not on reopening.
    assert "30 days" in ask(page, "Can I return an item?").inner_text()
    page.locator("[data-ccgpt=close]").click()
    page.locator("[data-ccgpt=launcher]").click()
    page.wait_for_timeout(2_500)
    assert len(opened) == 1


def test_a_socket_closed_as_idle_sleeps_until_the_visitor_sends(world: World, page: Any) -> None:
    opened: list[Any] = []
    readies = {"count": 0}

    def route(ws: Any) -> None:
        opened.append(ws)
        server = ws.connect_to_server()

        def forward(message: str | bytes) -> None:
            readies["count"] += json.loads(message)["type"] == "ready"
            ws.send(message)

        server.on_message(forward)

    page.route_web_socket(re.compile(r"/widget/v1/ws\?"), route)
    open_widget(page, world.allowed.origin)
    ask(page, "How long does shipping to Canada take?")
    _wait_for(page, lambda: readies["count"] == 1)
    opened[0].close(code=4408, reason="idle timeout")
    page.wait_for_timeout(2_500)  # no backoff retry: nobody needs the socket yet
    assert len(opened) == 1
    with page.expect_request(lambda r: r.method == "POST" and "/messages" in r.url):
        assert "30 days" in ask(page, "Can I return an item?").inner_text()  # over HTTP
    _wait_for(page, lambda: readies["count"] == 2)  # and the socket is back for the next one
    assert len(opened) == 2


def test_a_message_too_big_for_a_socket_frame_goes_over_http(world: World, page: Any) -> None:
    def small_frames(route: Any) -> None:
        response = route.fetch()
        config = response.json()
        config["limits"]["frame_max_bytes"] = 120
        route.fulfill(response=response, json=config)

    sent: list[dict[str, Any]] = []
    received: list[dict[str, Any]] = []

    def watch(socket: Any) -> None:
        socket.on("framesent", lambda payload: sent.append(json.loads(payload)))
        socket.on("framereceived", lambda payload: received.append(json.loads(payload)))

    page.route(re.compile(r"/widget/v1/config\?"), small_frames)
    page.on("websocket", watch)
    open_widget(page, world.allowed.origin)
    ask(page, "How long does shipping to Canada take?")
    _wait_for(page, lambda: any(f["type"] == "ready" for f in received))
    short = "Can I return an item?"  # a frame of about 100 bytes: over the socket
    ask(page, short)
    assert [f["text"] for f in sent if f["type"] == "message"] == [short]
    long = "Can I return an item I bought last month, or is it too late?"
    with page.expect_request(lambda r: r.method == "POST" and "/messages" in r.url) as posted:
        assert "30 days" in ask(page, long).inner_text()
    assert json.loads(posted.value.post_data)["text"] == long
    assert [f["text"] for f in sent if f["type"] == "message"] == [short]


def test_the_visitor_typing_goes_over_the_socket_as_booleans(world: World, page: Any) -> None:
    sent: list[dict[str, Any]] = []
    received: list[dict[str, Any]] = []

    def watch(socket: Any) -> None:
        socket.on("framesent", lambda payload: sent.append(json.loads(payload)))
        socket.on("framereceived", lambda payload: received.append(json.loads(payload)))

    page.on("websocket", watch)
    open_widget(page, world.allowed.origin)
    ask(page, "How long does shipping to Canada take?")
    _wait_for(page, lambda: any(f["type"] == "ready" for f in received))
    page.locator("[data-ccgpt=input]").press_sequentially("Can I", delay=50)
    _wait_for(page, lambda: [f for f in sent if f["type"] == "typing"] != [])
    started = time.monotonic()
    _wait_for(page, lambda: len([f for f in sent if f["type"] == "typing"]) == 2)
    assert time.monotonic() - started >= 2.5  # "false" after a pause of about 3 s
    assert [f["state"] for f in sent if f["type"] == "typing"] == [True, False]
    assert not any(f["type"] == "error" for f in received)


def test_the_message_length_limit_comes_from_the_config(world: World, page: Any) -> None:
    page.goto(world.allowed.origin + "/")
    page.locator("[data-ccgpt=launcher]").click()
    assert page.locator("[data-ccgpt=input]").get_attribute("maxlength") == str(MAX_MESSAGE_CHARS)

    def smaller_limit(route: Any) -> None:
        response = route.fetch()
        config = response.json()
        config["limits"]["message_max_chars"] = 12
        route.fulfill(response=response, json=config)

    page.route(re.compile(r"/widget/v1/config\?"), smaller_limit)
    page.reload()
    page.locator("[data-ccgpt=panel]").wait_for(state="visible")  # it was open: it stays open
    assert page.locator("[data-ccgpt=input]").get_attribute("maxlength") == "12"
    page.locator("[data-ccgpt=input]").evaluate("(el) => el.removeAttribute('maxlength')")
    with page.expect_request(
        lambda r: r.method == "POST" and r.url.split("?")[0].endswith("/messages")
    ) as sent:
        ask(page, "How long does shipping to Canada take?")
    assert json.loads(sent.value.post_data)["text"] == "How long doe"
    visitor = page.locator("[data-ccgpt=message][data-role=visitor]").last
    assert visitor.inner_text().strip() == "How long doe"


def test_preview_shows_unsaved_settings_and_keeps_the_servers_limits(
    world: World, page: Any
) -> None:
    """`widget.preview(settings, open)`, as the console's preview frame calls it: the
    settings are drawn at once, odd values keep their defaults, the limits stay the
    config's, and nothing is sent or stored."""
    page.goto(world.allowed.origin + "/")
    page.wait_for_function("() => typeof window.__ccgptWidget.preview === 'function'")
    sent: list[str] = []
    page.on("request", lambda r: sent.append(r.url) if r.method != "GET" else None)
    page.evaluate(
        """() => window.__ccgptWidget.preview({
            title: "Unsaved title", greeting: "Unsaved greeting", primary_color: "red",
            position: "bottom-left", suggested_questions: ["One?", 7, " "]
        }, true)"""
    )
    panel = page.locator("[data-ccgpt=panel]")
    panel.wait_for(state="visible")
    assert panel.get_attribute("aria-label") == "Unsaved title"
    assert page.locator("[data-ccgpt=greeting]").inner_text() == "Unsaved greeting"
    assert page.locator("[data-ccgpt=suggestion]").all_inner_texts() == ["One?"]
    assert page.locator("[data-ccgpt=input]").get_attribute("maxlength") == str(MAX_MESSAGE_CHARS)
    host = page.locator("[data-ccgpt=launcher]").evaluate(
        "(el) => getComputedStyle(el.getRootNode().host).getPropertyValue('--ccgpt-primary')"
    )
    assert host.strip().lower() == "#2563eb"  # "red" is not a colour the widget takes
    assert sent == []
    assert page.evaluate("localStorage.length") == 0


def test_a_stored_visitor_id_the_server_would_refuse_is_replaced(world: World, page: Any) -> None:
    page.goto(world.allowed.origin + "/")
    page.evaluate("localStorage.setItem('ccgpt:visitor', 'not a valid id!')")
    page.reload()
    page.locator("[data-ccgpt=launcher]").click()
    with page.expect_response(
        lambda r: r.url.split("?")[0].endswith("/widget/v1/sessions")
    ) as started:
        answer = ask(page, "How long does shipping to Canada take?")
    assert started.value.status == 201
    visitor_id = json.loads(started.value.request.post_data)["visitor_id"]
    assert re.fullmatch(VISITOR_ID_PATTERN, visitor_id), visitor_id
    assert page.evaluate("localStorage.getItem('ccgpt:visitor')") == visitor_id
    assert "5 to 8 business days" in answer.inner_text()


def test_the_visitor_id_pattern_comes_from_the_config(world: World, page: Any) -> None:
    uuid_only = "^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"

    def stricter_pattern(route: Any) -> None:
        response = route.fetch()
        config = response.json()
        config["limits"]["visitor_id_pattern"] = uuid_only
        route.fulfill(response=response, json=config)

    page.route(re.compile(r"/widget/v1/config\?"), stricter_pattern)
    page.goto(world.allowed.origin + "/")
    page.evaluate("localStorage.setItem('ccgpt:visitor', 'visitor.one')")  # fine for the server
    page.reload()
    page.locator("[data-ccgpt=launcher]").click()
    with page.expect_request(lambda r: r.url.split("?")[0].endswith("/widget/v1/sessions")) as sent:
        ask(page, "How long does shipping to Canada take?")
    assert re.fullmatch(uuid_only, json.loads(sent.value.post_data)["visitor_id"])


def test_greeting_and_a_suggested_question(world: World, page: Any) -> None:
    open_widget(page, world.allowed.origin)
    greeting = page.locator("[data-ccgpt=greeting]")
    assert greeting.inner_text() == "Hi! Ask me about shipping or returns."
    answers = page.locator("[data-ccgpt=message][data-role=assistant]")
    page.locator("[data-ccgpt=suggestion]").first.click()
    answers.first.wait_for(state="visible", timeout=20_000)
    assert "5 to 8 business days" in answers.first.inner_text()
    assert page.locator("[data-ccgpt=suggestion]").count() == 0
    assert greeting.is_visible()


def test_a_rate_limited_message_comes_back_to_the_input(world: World, page: Any) -> None:
    origin = world.allowed.origin
    problem = {"status": 429, "code": "rate_limited", "detail": "Easy there!"}

    def limited(route: Any) -> None:
        if route.request.method != "POST":
            route.fallback()
            return
        route.fulfill(
            status=429,
            json=problem,
            headers={"Access-Control-Allow-Origin": origin, "Retry-After": "30"},
        )

    page.route(re.compile(r"/widget/v1/sessions/[^/]+/messages\?"), limited)
    open_widget(page, origin)
    page.locator("[data-ccgpt=input]").fill("Can I return an item?")
    page.locator("[data-ccgpt=input]").press("Enter")
    notice = page.locator("[data-ccgpt=notice][data-kind=rate-limited]")
    notice.wait_for(state="visible")
    assert notice.inner_text() == "Easy there!"
    assert page.locator("[data-ccgpt=message][data-role=visitor]").count() == 0
    assert page.locator("[data-ccgpt=input]").input_value() == "Can I return an item?"
    assert page.locator("[data-ccgpt=send]").is_enabled()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "widget-rate-limited.png"))


def test_a_failed_send_is_retried_with_the_same_client_message_id(world: World, page: Any) -> None:
    sent: list[str] = []  # client_message_id of each attempt, over HTTP or the socket
    offline = {"on": True}

    def flaky(route: Any) -> None:
        if route.request.method != "POST":
            route.fallback()
            return
        sent.append(json.loads(route.request.post_data)["client_message_id"])
        if offline["on"]:
            route.abort()
        else:
            route.fallback()

    def over_socket(payload: str | bytes) -> None:
        frame = json.loads(payload)
        if frame["type"] == "message":
            sent.append(frame["client_message_id"])

    page.route(re.compile(r"/widget/v1/sessions/[^/]+/messages\?"), flaky)
    page.on("websocket", lambda socket: socket.on("framesent", over_socket))
    open_widget(page, world.allowed.origin)
    page.locator("[data-ccgpt=input]").fill("Can I return an item?")
    page.locator("[data-ccgpt=input]").press("Enter")
    error = page.locator("[data-ccgpt=message][data-role=visitor] ~ [data-ccgpt=error]")
    error.wait_for(state="visible")
    assert "Check your connection" in error.inner_text()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "widget-offline.png"))
    offline["on"] = False
    answers = page.locator("[data-ccgpt=message][data-role=assistant]")
    error.locator("[data-ccgpt=retry]").click()
    answers.first.wait_for(state="visible", timeout=20_000)
    assert "30 days" in answers.first.inner_text()
    assert error.count() == 0
    assert len(sent) == 2 and sent[0] == sent[1]
    assert page.locator("[data-ccgpt=message][data-role=visitor]").count() == 1


def test_a_handoff_is_announced_once_after_a_reload(world: World, page: Any) -> None:
    open_widget(page, world.allowed.origin)
    ask(page, "Do you sell gift cards for the moon?")
    page.locator("[data-ccgpt=handoff]").click()
    handoff = page.locator("[data-ccgpt=notice][data-kind=handoff]")
    handoff.wait_for(state="visible")
    page.reload()
    page.locator("[data-ccgpt=panel]").wait_for(state="visible")
    page.locator("[data-ccgpt=message][data-role=visitor]").first.wait_for(state="visible")
    page.wait_for_timeout(1_000)  # the socket's "ready" (status handoff) has come by now
    assert handoff.count() == 1
    assert page.locator("[data-ccgpt=handoff]").count() == 0
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "widget-handoff.png"))


def _wait_for(page: Any, condition: Any, seconds: float = 15) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        page.wait_for_timeout(100)


# --- streamed answers, over the socket and over server-sent events -------------------

# The widget draws in a shadow root: watch inside it for answers still being written.
WATCH_STREAMING = """
window.__streamed = [];
const attach = Element.prototype.attachShadow;
Element.prototype.attachShadow = function (init) {
  const root = attach.call(this, init);
  new MutationObserver(function () {
    root.querySelectorAll("[data-ccgpt=streaming]").forEach(function (el) {
      window.__streamed.push(el.textContent);
    });
  }).observe(root, { subtree: true, childList: true, characterData: true });
  return root;
};
"""


def streamed_texts(page: Any) -> list[str]:
    return list(page.evaluate("window.__streamed || []"))


def wait_for_socket(page: Any, received: list[dict[str, Any]]) -> None:
    deadline = time.monotonic() + 15
    while not any(frame["type"] == "ready" for frame in received):
        assert time.monotonic() < deadline, "the widget opened no socket"
        page.wait_for_timeout(100)


def test_an_answer_grows_token_by_token_over_the_socket(world: World, page: Any) -> None:
    received: list[dict[str, Any]] = []
    page.on(
        "websocket",
        lambda socket: socket.on(
            "framereceived", lambda payload: received.append(json.loads(payload))
        ),
    )
    page.add_init_script(WATCH_STREAMING)
    open_widget(page, world.allowed.origin)
    ask(page, "How long does shipping to Canada take?")  # opens the session over HTTP
    wait_for_socket(page, received)
    answer = ask(page, "Can I return an item?")
    tokens = [f for f in received if f["type"] == "token"]
    final = [f for f in received if f["type"] == "message" and f["role"] == "assistant"][-1]
    assert (
        "".join(t["delta"] for t in tokens if t["message_id"] == final["message_id"])
        == (final["text"])
    )
    assert any(text and final["text"].startswith(text) for text in streamed_texts(page))
    assert answer.inner_text().startswith(final["text"].split(" [")[0][:20])
    assert page.locator("[data-ccgpt=streaming]").count() == 0  # the whole answer replaced it


def test_without_websockets_the_answer_streams_as_server_sent_events(
    world: World, page: Any
) -> None:
    page.add_init_script("window.WebSocket = undefined;")  # a proxy that blocks sockets
    page.add_init_script(WATCH_STREAMING)
    open_widget(page, world.allowed.origin)
    with page.expect_response(lambda r: r.url.split("?")[0].endswith("/messages")) as sent:
        answer = ask(page, "How long does shipping to Canada take?")
    assert sent.value.headers["content-type"].startswith("text/event-stream")
    assert "5 to 8 business days" in answer.inner_text()
    assert any("5 to 8 business days" in text for text in streamed_texts(page))


def test_a_second_tab_and_a_reload_show_the_whole_conversation_once(
    world: World, page: Any
) -> None:
    open_widget(page, world.allowed.origin)
    ask(page, "How long does shipping to Canada take?")
    other = page.context.new_page()  # the same visitor: one storage, one session
    open_widget(other, world.allowed.origin)
    other.locator("[data-ccgpt=message][data-role=assistant]").first.wait_for(state="visible")
    received: list[dict[str, Any]] = []
    other.on(
        "websocket",
        lambda socket: socket.on(
            "framereceived", lambda payload: received.append(json.loads(payload))
        ),
    )
    other.reload()  # the panel was open in this tab: it opens again by itself
    other.locator("[data-ccgpt=panel]").wait_for(state="visible")
    wait_for_socket(other, received)
    ask(page, "Can I return an item?")
    other_answers = other.locator("[data-ccgpt=message][data-role=assistant]")
    other_answers.nth(1).wait_for(state="visible", timeout=20_000)
    roles = other.locator("[data-ccgpt=message]").evaluate_all(
        "els => els.map(e => e.getAttribute('data-role'))"
    )
    assert roles == ["visitor", "assistant", "visitor", "assistant"]
    texts = other.locator("[data-ccgpt=message][data-role=visitor]").all_inner_texts()
    assert texts == ["How long does shipping to Canada take?", "Can I return an item?"]
    page.reload()
    page.locator("[data-ccgpt=panel]").wait_for(state="visible")
    page.locator("[data-ccgpt=message][data-role=assistant]").nth(1).wait_for(state="visible")
    assert page.locator("[data-ccgpt=message]").count() == 4
