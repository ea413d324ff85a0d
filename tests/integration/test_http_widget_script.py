"""The widget script and the preview page over HTTP: caching, size, and a strict CSP."""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient

from tests.conftest import make_settings
from tests.integration.conftest import make_client
from tests.integration.knowledge_helpers import owner

GZIP_BUDGET = 30 * 1024


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient[Any]]:
    settings = make_settings(storage="memory", data_dir=str(tmp_path / "d"))
    with make_client(settings) as test_client:
        yield test_client


def test_the_script_is_cacheable_and_revalidated_by_etag(client: TestClient[Any]) -> None:
    response = client.get("/widget/v1/widget.js", headers={"Accept-Encoding": "identity"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/javascript")
    etag = response.headers["etag"]
    assert etag.startswith('"') and "max-age" in response.headers["cache-control"]
    assert b"attachShadow" in response.content
    again = client.get("/widget/v1/widget.js", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    assert again.headers["etag"] == etag


def test_the_script_is_gzipped_under_its_size_budget(client: TestClient[Any]) -> None:
    raw = client.get("/widget/v1/widget.js", headers={"Accept-Encoding": "identity"}).content
    response = client.get("/widget/v1/widget.js", headers={"Accept-Encoding": "gzip"})
    assert response.headers.get("content-encoding") == "gzip"
    # httpx decodes the body; the bytes sent are the gzipped ones.
    assert response.content == raw
    assert len(gzip.compress(raw, compresslevel=9)) < GZIP_BUDGET
    assert int(response.headers["content-length"]) < GZIP_BUDGET


def test_the_script_needs_no_key_and_sends_no_cors_wildcard(client: TestClient[Any]) -> None:
    response = client.get("/widget/v1/widget.js", headers={"Origin": "https://any.test"})
    assert response.status_code == 200
    assert response.headers.get("access-control-allow-origin") != "*"


def test_the_preview_page_loads_the_real_widget_under_a_strict_csp(
    client: TestClient[Any],
) -> None:
    headers = owner(client)
    code = client.post(
        "/api/v1/embed-codes",
        json={"name": "Shop <b>", "allowed_domains": ["shop.example.com"]},
        headers=headers,
    ).json()
    response = client.get(f"/api/v1/embed-codes/{code['id']}/preview", headers=headers)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    page = response.text
    assert code["snippet"] in page and "Shop &lt;b&gt;" in page and "<b>" not in page
    csp = response.headers["content-security-policy"]
    assert "default-src 'none'" in csp and "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "script-src http://testserver.local" in csp
    assert client.get(f"/api/v1/embed-codes/{code['id']}/preview").status_code == 401
    stranger = owner(client)
    assert (
        client.get(f"/api/v1/embed-codes/{code['id']}/preview", headers=stranger).status_code == 404
    )
