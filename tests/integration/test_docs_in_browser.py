"""The interactive docs work offline: Chromium loads /schema with every request to anything
but the server itself refused, and the operations are listed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bootstrap.app import create_app
from tests.conftest import make_settings
from tests.integration.live_server import ApiServer
from tests.integration.test_serve_process import free_port
from tests.integration.test_widget_in_browser import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS

pytestmark = pytest.mark.browser


def test_the_docs_render_with_the_outside_network_blocked(tmp_path: Path) -> None:
    if not CHROMIUM.exists():
        pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    settings = make_settings(storage="memory", data_dir=str(tmp_path / "d"))
    with ApiServer(create_app(settings), free_port()) as api, sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        try:
            page = browser.new_page(viewport={"width": 1200, "height": 900})
            refused: list[str] = []
            errors: list[str] = []

            def only_the_server(route: Any) -> None:
                if route.request.url.startswith(api.url + "/"):
                    route.continue_()
                else:
                    refused.append(route.request.url)
                    route.abort()

            page.route("**/*", only_the_server)
            page.on("pageerror", lambda error: errors.append(str(error)))
            page.goto(f"{api.url}/schema")
            operations = page.locator(".opblock-summary-path")
            operations.first.wait_for(state="visible", timeout=30_000)
            paths = set(operations.all_inner_texts())
            assert "/api/v1/documents" in {p.replace("\u200b", "") for p in paths}
            assert operations.count() >= 50
            assert page.locator(".opblock-tag").first.is_visible()
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / "schema-offline.png"))
            assert refused == [], refused
            assert errors == [], errors
        finally:
            browser.close()
