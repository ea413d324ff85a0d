"""Credentials stop at once everywhere: open sockets close when what opened them is revoked,
narrowed or expires, on every server process; roles come from stored data.

Each test reproduces a finding of the security review that failed before the fix."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from websockets.sync.client import ClientConnection, connect

from bootstrap.app import create_app
from tests.conftest import make_settings
from tests.integration.knowledge_helpers import PASSWORD, owner
from tests.integration.live_server import ApiServer
from tests.integration.test_rate_limiter_contract import REDIS_URL
from tests.integration.test_serve_process import free_port
from tests.integration.test_websockets import (
    close_code,
    frames_until,
    redis_reachable,
    widget_socket,
    ws_url,
)
from tests.integration.widget_helpers import Site

# A failure here loses data, lets someone in, or stops answers.
pytestmark = pytest.mark.critical


@pytest.fixture
def server(database_url: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Any]:
    extra = getattr(request, "param", {})
    settings = make_settings(
        database_url=database_url, data_dir=str(tmp_path / "d"), run_worker="false", **extra
    )
    with ApiServer(create_app(settings), free_port()) as api:
        yield api


@pytest.fixture
def site(server: ApiServer) -> Iterator[Site]:
    with httpx.Client(base_url=server.url, timeout=30) as client:
        headers = owner(client)  # type: ignore[arg-type]
        code = client.post(
            "/api/v1/embed-codes",
            json={"name": "Shop", "allowed_domains": ["shop.example.com", "*.example.org"]},
            headers=headers,
        ).json()
        yield Site(client, headers, code)  # type: ignore[arg-type]


def dashboard(server: ApiServer, token: str) -> ClientConnection:
    socket = connect(ws_url(server, f"/api/v1/ws?token={token}"), open_timeout=10)
    assert json.loads(socket.recv(timeout=10)) == {"type": "ready"}
    return socket


def bearer(headers: dict[str, str]) -> str:
    return headers["Authorization"].split(" ", 1)[1]


def log_in(client: httpx.Client, email: str) -> dict[str, Any]:
    response = client.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD})
    assert response.status_code == 200, response.text
    return dict(response.json())


def add_member(site: Site, role: str) -> tuple[str, dict[str, str]]:
    email = f"{role}-{time.monotonic_ns()}@example.com"
    body = {"email": email, "full_name": "Member", "role": role, "password": PASSWORD}
    created = site.client.post("/api/v1/workspace/members", json=body, headers=site.headers)
    assert created.status_code == 201, created.text
    tokens = log_in(site.client, email)  # type: ignore[arg-type]
    return str(created.json()["user_id"]), {"Authorization": f"Bearer {tokens['access_token']}"}


# --- dashboard sockets -------------------------------------------------------------------


def test_a_revoked_api_key_closes_its_dashboard_socket_at_once(
    server: ApiServer, site: Site
) -> None:
    created = site.client.post("/api/v1/api-keys", json={"name": "ops"}, headers=site.headers)
    key = created.json()
    socket = dashboard(server, key["key"])
    revoked = site.client.delete(f"/api/v1/api-keys/{key['id']}", headers=site.headers)
    assert revoked.status_code == 204
    started = time.monotonic()
    assert close_code(socket) == 4401
    assert time.monotonic() - started < 5
    # ...and nothing said afterwards reaches it: a new socket with the key is refused.
    assert close_code(connect(ws_url(server, f"/api/v1/ws?token={key['key']}"))) == 4401


def test_logging_out_ends_the_access_token_and_its_sockets(server: ApiServer, site: Site) -> None:
    _, agent = add_member(site, "agent")
    email = site.client.get("/api/v1/me", headers=agent).json()["user"]["email"]
    tokens = log_in(site.client, email)  # type: ignore[arg-type]
    access = {"Authorization": f"Bearer {tokens['access_token']}"}
    socket = dashboard(server, tokens["access_token"])
    out = site.client.post("/api/v1/auth/logout", json={"refresh_token": tokens["refresh_token"]})
    assert out.status_code == 204
    assert close_code(socket) == 4401
    deadline = time.monotonic() + 10  # REST remembers a membership for a few seconds at most
    while site.client.get("/api/v1/me", headers=access).status_code != 401:
        assert time.monotonic() < deadline, "the logged-out access token kept working"
        time.sleep(0.2)
    # Another log-in of the same member is unaffected.
    assert site.client.get("/api/v1/me", headers=agent).status_code == 200


def test_removing_a_member_closes_their_socket_and_ends_their_tokens(
    server: ApiServer, site: Site
) -> None:
    user_id, agent = add_member(site, "agent")
    socket = dashboard(server, bearer(agent))
    removed = site.client.delete(f"/api/v1/workspace/members/{user_id}", headers=site.headers)
    assert removed.status_code == 204
    assert close_code(socket) == 4401
    deadline = time.monotonic() + 10
    while site.client.get("/api/v1/conversations", headers=agent).status_code != 401:
        assert time.monotonic() < deadline, "a removed member kept access"
        time.sleep(0.2)


def test_a_demoted_admin_loses_admin_rights_within_seconds(site: Site) -> None:
    user_id, admin = add_member(site, "admin")
    assert site.client.get("/api/v1/embed-codes", headers=admin).status_code == 200
    demoted = site.client.patch(
        f"/api/v1/workspace/members/{user_id}", json={"role": "agent"}, headers=site.headers
    )
    assert demoted.status_code == 200 and demoted.json()["role"] == "agent"
    deadline = time.monotonic() + 10
    while site.client.get("/api/v1/embed-codes", headers=admin).status_code != 403:
        assert time.monotonic() < deadline, "the token's old role was still trusted"
        time.sleep(0.2)
    assert site.client.get("/api/v1/me", headers=admin).json()["role"] == "agent"


def test_member_roles_follow_the_rules(site: Site) -> None:
    owner_id = site.client.get("/api/v1/me", headers=site.headers).json()["user"]["id"]
    user_id, admin = add_member(site, "admin")
    other_id, _ = add_member(site, "admin")
    # Only the owner hands out roles; nobody demotes or removes the owner.
    promote = {"role": "agent"}
    url = f"/api/v1/workspace/members/{other_id}"
    assert site.client.patch(url, json=promote, headers=admin).status_code == 403
    owner_url = f"/api/v1/workspace/members/{owner_id}"
    assert site.client.patch(owner_url, json=promote, headers=site.headers).status_code == 403
    assert site.client.delete(owner_url, headers=site.headers).status_code == 403
    # Admins remove agents, not admins.
    agent_id, _ = add_member(site, "agent")
    assert site.client.delete(url, headers=admin).status_code == 403
    agent_url = f"/api/v1/workspace/members/{agent_id}"
    assert site.client.delete(agent_url, headers=admin).status_code == 204
    assert site.client.delete(agent_url, headers=admin).status_code == 404
    assert user_id


@pytest.mark.parametrize("server", [{"access_token_ttl_seconds": "3"}], indirect=True)
def test_an_expired_access_token_closes_the_socket_unless_renewed_on_it(
    server: ApiServer, site: Site
) -> None:
    email = site.client.get("/api/v1/me", headers=site.headers).json()["user"]["email"]
    tokens = log_in(site.client, email)  # type: ignore[arg-type]
    lapsing = dashboard(server, tokens["access_token"])
    renewed = dashboard(server, tokens["access_token"])
    time.sleep(1)
    fresh = site.client.post(
        "/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]}
    ).json()
    renewed.send(json.dumps({"type": "auth", "token": fresh["access_token"]}))
    assert frames_until(renewed, lambda f: f["type"] == "auth.ok")[-1]["expires_at"]
    started = time.monotonic()
    assert close_code(lapsing) == 4401
    assert time.monotonic() - started < 4
    # Past the first token's expiry, the renewed socket still answers.
    renewed.send(json.dumps({"type": "ping"}))
    assert frames_until(renewed, lambda f: f["type"] == "pong")
    renewed.close()


def test_the_auth_frame_cannot_switch_identities(server: ApiServer, site: Site) -> None:
    stranger = owner(site.client)  # type: ignore[arg-type]
    with dashboard(server, bearer(site.headers)) as socket:
        socket.send(json.dumps({"type": "auth", "token": bearer(stranger)}))
        error = frames_until(socket, lambda f: f["type"] == "error")[-1]
        assert error["code"] == "forbidden"


# --- widget sockets -----------------------------------------------------------------------


def open_widget(server: ApiServer, site: Site, origin: str = "https://shop.example.com") -> Any:
    session = site.start(origin=origin)
    socket = widget_socket(server, site, session, origin=origin)
    frames_until(socket, lambda f: f["type"] == "ready")
    return socket


def test_rotating_the_key_closes_widget_sockets_opened_with_the_old_one(
    server: ApiServer, site: Site
) -> None:
    socket = open_widget(server, site)
    rotated = site.client.post(
        f"/api/v1/embed-codes/{site.code['id']}/rotate-key", headers=site.headers
    )
    assert rotated.status_code == 200
    assert close_code(socket) == 4401


def test_switching_a_code_off_closes_its_widget_sockets(server: ApiServer, site: Site) -> None:
    socket = open_widget(server, site)
    site.change(active=False)
    assert close_code(socket) == 4401


def test_narrowing_the_allowlist_closes_sockets_of_origins_no_longer_allowed(
    server: ApiServer, site: Site
) -> None:
    kept = open_widget(server, site)
    dropped = open_widget(server, site, origin="https://help.example.org")
    site.change(allowed_domains=["shop.example.com"])
    assert close_code(dropped) == 4403
    kept.send(json.dumps({"type": "ping"}))
    assert frames_until(kept, lambda f: f["type"] == "pong")
    kept.close()


def test_a_revocation_on_one_server_closes_sockets_held_by_another(
    database_url: str, tmp_path: Path
) -> None:
    if not redis_reachable():
        pytest.skip(f"Redis is not reachable at {REDIS_URL}")  # a failure when CI=true
    settings = [
        make_settings(
            database_url=database_url,
            data_dir=str(tmp_path / name),
            redis_url=REDIS_URL,
            run_worker="false",
            ws_recheck_seconds="600",  # only the event can close it in time
        )
        for name in ("a", "b")
    ]
    with (
        ApiServer(create_app(settings[0]), free_port()) as a,
        ApiServer(create_app(settings[1]), free_port()) as b,
        httpx.Client(base_url=b.url, timeout=30) as via_b,
    ):
        headers = owner(via_b)  # type: ignore[arg-type]
        key = via_b.post("/api/v1/api-keys", json={"name": "ops"}, headers=headers).json()
        socket = dashboard(a, key["key"])
        assert via_b.delete(f"/api/v1/api-keys/{key['id']}", headers=headers).status_code == 204
        started = time.monotonic()
        assert close_code(socket) == 4401
        assert time.monotonic() - started < 5
