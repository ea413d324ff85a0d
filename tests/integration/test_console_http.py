"""The console over HTTP: its pages under a strict CSP, and its cookie session."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import msgspec
import pytest
from litestar.testing import TestClient

from adapters.inbound.console.session import COOKIE
from bootstrap.app import create_app
from tests.conftest import make_settings
from tests.integration.console_analytics import SHAPES, analytics_answer
from tests.integration.knowledge_helpers import PASSWORD

STATIC = Path(__file__).parents[2] / "adapters" / "inbound" / "console" / "static"


def _client(tmp_path: Path, base_url: str = "http://testserver.local", **extra: str) -> Any:
    settings = make_settings(storage="memory", data_dir=str(tmp_path / "d"), **extra)
    return TestClient(create_app(settings), base_url=base_url)


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient[Any]]:
    with _client(tmp_path) as test_client:
        yield test_client


def _signup(client: TestClient[Any], email: str = "kim@example.com") -> Any:
    body = {
        "email": email,
        "password": PASSWORD,
        "full_name": "Kim Owner",
        "workspace_name": "Acme",
    }
    return client.post("/console/session/signup", json=body)


def _set_cookie(response: Any) -> str:
    headers = [v for k, v in response.headers.multi_items() if k == "set-cookie"]
    assert len(headers) == 1, headers
    return str(headers[0])


def _refresh_with(client: TestClient[Any], cookie: str) -> Any:
    client.cookies.clear()
    return client.post("/console/session/refresh", headers={"Cookie": f"{COOKIE}={cookie}"})


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_the_console_page_has_a_strict_policy_and_cannot_be_framed(
    client: TestClient[Any],
) -> None:
    response = client.get("/console")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert client.get("/console/").status_code == 200
    csp = response.headers["content-security-policy"]
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
    assert directives["default-src"] == "'none'"
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert directives["connect-src"] == "'self' ws://testserver.local"
    assert "unsafe" not in csp and "*" not in csp
    assert response.headers["x-frame-options"] == "DENY"


@pytest.mark.parametrize("page", sorted(p.name for p in STATIC.glob("*.html")))
def test_no_page_has_inline_script_or_style_or_a_foreign_source(page: str) -> None:
    html = (STATIC / page).read_text()
    for tag in re.findall(r"<script\b[^>]*>", html):
        assert re.search(r'\ssrc="/console/assets/[a-z-]+\.js"', tag), tag
    assert re.search(r"<script\b[^>]*>\s*[^<\s]", html) is None, "a script with inline code"
    assert "<style" not in html and " style=" not in html
    assert re.search(r"(src|href)=\"(https?:)?//", html) is None, "something from elsewhere"


def test_scripts_never_write_html_or_reach_another_origin() -> None:
    for script in STATIC.glob("*.js"):
        code = script.read_text()
        assert "innerHTML" not in code and "insertAdjacentHTML" not in code, script.name
        assert "eval(" not in code and "new Function" not in code, script.name
        assert re.search(r"https?://(?!www\.w3\.org/2000/svg)", code) is None, script.name
        assert "localStorage" not in code, f"{script.name}: tokens stay in memory"


def test_files_are_served_with_an_etag_and_nothing_else_is(client: TestClient[Any]) -> None:
    response = client.get("/console/assets/app.js")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/javascript; charset=utf-8"
    etag = response.headers["etag"]
    again = client.get("/console/assets/app.js", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    assert client.get("/console/assets/console.css").headers["content-type"].startswith("text/css")
    for name in ("nope.js", "..%2Fsession.py", "session.py", "index.html", ".hidden.js"):
        assert client.get(f"/console/assets/{name}").status_code == 404, name


def test_the_preview_frame_may_be_framed_by_the_console_only(client: TestClient[Any]) -> None:
    response = client.get("/console/preview")
    assert response.status_code == 200
    csp = response.headers["content-security-policy"]
    assert "frame-ancestors 'self'" in csp and "script-src 'self'" in csp
    assert "unsafe" not in csp
    assert response.headers["x-frame-options"] == "SAMEORIGIN"


def test_sign_up_keeps_the_refresh_token_in_an_httponly_strict_cookie(
    client: TestClient[Any],
) -> None:
    response = _signup(client)
    assert response.status_code == 201, response.text
    body = response.json()
    assert "refresh_token" not in body
    assert body["user"]["email"] == "kim@example.com" and body["workspace"]["name"] == "Acme"
    cookie = _set_cookie(response)
    assert cookie.startswith(f"{COOKIE}=")
    attributes = {a.strip().split("=")[0].lower() for a in cookie.split(";")}
    assert {"httponly", "path", "max-age"} <= attributes
    assert "samesite=strict" in cookie.lower() and "path=/console/session" in cookie.lower()
    assert "secure" not in attributes  # plain http here: a Secure cookie would never return
    assert response.headers["cache-control"] == "no-store"
    me = client.get("/api/v1/me", headers=_bearer(body["access_token"]))
    assert me.status_code == 200 and me.json()["role"] == "owner"


def test_refresh_reads_the_cookie_and_rotates_it(client: TestClient[Any]) -> None:
    _signup(client)
    first = client.cookies[COOKIE]
    response = client.post("/console/session/refresh")
    assert response.status_code == 200, response.text
    assert set(response.json()) == {"access_token", "token_type", "expires_in"}
    assert client.cookies[COOKIE] != first
    me = client.get("/api/v1/me", headers=_bearer(response.json()["access_token"]))
    assert me.status_code == 200
    # The spent token coming back (a stolen copy) ends the whole log-in.
    current = client.cookies[COOKIE]
    client.cookies.clear()
    assert _refresh_with(client, first).status_code == 401
    assert _refresh_with(client, current).status_code == 401


def test_sign_in_sets_the_cookie_and_a_wrong_password_sets_none(client: TestClient[Any]) -> None:
    _signup(client)
    client.cookies.clear()
    wrong = client.post(
        "/console/session", json={"email": "kim@example.com", "password": "not-the-password"}
    )
    assert wrong.status_code == 401 and wrong.json()["code"] == "invalid_credentials"
    assert "set-cookie" not in wrong.headers
    right = client.post("/console/session", json={"email": "kim@example.com", "password": PASSWORD})
    assert right.status_code == 200 and "refresh_token" not in right.json()
    assert client.post("/console/session/refresh").status_code == 200


def test_sign_out_revokes_the_log_in_and_drops_the_cookie(client: TestClient[Any]) -> None:
    access = _signup(client).json()["access_token"]
    cookie = client.cookies[COOKIE]
    response = client.delete("/console/session")
    assert response.status_code == 204
    assert "max-age=0" in _set_cookie(response).lower()
    assert _refresh_with(client, cookie).status_code == 401
    assert client.get("/api/v1/me", headers=_bearer(access)).status_code == 401


def test_without_a_cookie_refresh_is_a_readable_401(client: TestClient[Any]) -> None:
    response = client.post("/console/session/refresh")
    assert response.status_code == 401
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["code"] == "unauthorized"


def test_cross_site_requests_are_refused(client: TestClient[Any]) -> None:
    _signup(client)
    for site in ("cross-site", "same-site"):
        response = client.post("/console/session/refresh", headers={"Sec-Fetch-Site": site})
        assert response.status_code == 403, site
    same = client.post("/console/session/refresh", headers={"Sec-Fetch-Site": "same-origin"})
    assert same.status_code == 200


def test_the_cookie_is_secure_under_https(tmp_path: Path) -> None:
    with _client(tmp_path, base_url="https://console.example.com") as client:
        cookie = _set_cookie(_signup(client))
        assert "secure" in {a.strip().lower() for a in cookie.split(";")}
        assert client.post("/console/session/refresh").status_code == 200
        csp = client.get("/console").headers["content-security-policy"]
        assert "connect-src 'self' wss://console.example.com" in csp


def test_the_cookie_is_secure_behind_an_https_public_url(tmp_path: Path) -> None:
    with _client(tmp_path, public_url="https://support.example.com") as client:
        cookie = _set_cookie(_signup(client))
        assert "secure" in {a.strip().lower() for a in cookie.split(";")}
        # Behind a TLS proxy: the public address's sockets, and the one it came in on.
        csp = client.get("/console").headers["content-security-policy"]
        assert "connect-src 'self' wss://support.example.com ws://testserver.local;" in csp


def test_a_new_sign_in_ends_the_log_in_the_cookie_held(client: TestClient[Any]) -> None:
    _signup(client)
    old = client.cookies[COOKIE]
    client.post("/console/session", json={"email": "kim@example.com", "password": PASSWORD})
    new = client.cookies[COOKIE]
    assert new != old
    assert _refresh_with(client, old).status_code == 401  # revoked, not merely rotated
    assert _refresh_with(client, new).status_code == 200


def test_the_session_endpoints_are_documented(client: TestClient[Any]) -> None:
    paths = client.get("/schema/openapi.json").json()["paths"]
    assert {"/console/session", "/console/session/signup", "/console/session/refresh"} <= set(paths)
    assert not any(p.startswith("/console/assets") for p in paths)


@pytest.mark.parametrize("report", sorted(SHAPES))
def test_the_analytics_stand_in_answers_in_the_servers_own_shapes(report: str) -> None:
    """The browser test's stand-in for the analytics API decodes into the server's response
    struct and encodes back to itself: no field missing, none extra, none of another type."""
    media, body = analytics_answer(f"/api/v1/analytics/{report}", {})
    assert media == "application/json"
    decoded = msgspec.json.decode(body, type=SHAPES[report], strict=True)
    assert msgspec.json.decode(msgspec.json.encode(decoded)) == msgspec.json.decode(body)
