"""What the console's browser tests share: the server and browser, page checks (errors,
CSP violations, axe-core), screenshots, and a few user moves."""

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
from tests.integration.knowledge_helpers import PASSWORD
from tests.integration.live_server import ApiServer
from tests.integration.test_serve_process import free_port
from tests.integration.test_widget_in_browser import CHROMIUM, CHROMIUM_ARGS

SHOTS = Path(os.environ.get("CCGPT_TEST_ARTIFACTS", "test-artifacts")) / "console"
AXE = Path(os.environ.get("CCGPT_TEST_AXE", ".venv/axe-core/axe.min.js"))


@dataclass
class Console:
    url: str
    api: str
    browser: Any


def console_server(
    database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Console]:
    """The app on a loopback port and a headless Chromium: the body of each test module's
    module-scoped `console` fixture."""
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
    """axe-core in the page (the console's CSP stays on): no serious or critical issue.
    The page is audited settled: axe measures colour contrast with the opacity it finds, so
    a toast caught halfway through its 0.2 s fade-in read as faint text (a flaky failure)."""
    page.wait_for_function(
        """() => document.getAnimations()
            .filter((a) => a instanceof CSSTransition)
            .every((a) => a.playState !== "running")""",
        timeout=5_000,
    )
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


def sign_up(page: Any, console: Console, email: str) -> None:
    page.goto(f"{console.url}#/signup")
    page.get_by_label("Your name").fill("Ada Owner")
    page.get_by_label("Company or workspace name").fill("Ada's Shop")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    page.locator("ol.steps").wait_for()
