"""Streamed answers and resumable delivery, against the real app on a loopback port: token
frames then the whole message (the deltas add up to it), `?after=` replays exactly what a
reconnecting socket missed, a second tab sees the visitor's own questions, and HTTP clients
get the same stream as server-sent events."""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.integration.live_server import ApiServer
from tests.integration.test_websockets import dashboard_socket, frames_until, widget_socket
from tests.integration.widget_helpers import SITE, Site


def test_the_widget_socket_streams_tokens_then_the_message(server: ApiServer, site: Site) -> None:
    session = site.start()
    with widget_socket(server, site, session) as socket:
        frames_until(socket, lambda f: f["type"] == "ready")
        ask = {"type": "message", "text": "Shipping to Canada?", "client_message_id": "s-1"}
        socket.send(json.dumps(ask))
        frames = frames_until(socket, lambda f: f["type"] == "message")
    tokens = [f for f in frames if f["type"] == "token"]
    answer = frames[-1]
    assert tokens and all(t["message_id"] == answer["message_id"] for t in tokens)
    assert "".join(t["delta"] for t in tokens) == answer["text"]
    assert {t["seq"] for t in tokens} == {answer["seq"]} == {2}
    history = site.history(session).json()["items"]
    assert [m["id"] for m in history].count(answer["id"]) == 1  # stored once


@pytest.mark.critical
def test_a_socket_that_reconnects_with_after_gets_exactly_what_it_missed(
    server: ApiServer, site: Site
) -> None:
    session = site.start()
    site.ask(session, "Shipping to Canada?", client_message_id="h-1")  # seq 1 and 2
    site.ask(session, "And returns?", client_message_id="h-2")  # seq 3 and 4
    with widget_socket(server, site, session, after="2") as socket:
        frames_until(socket, lambda f: f["type"] == "ready")
        missed = [socket_frame(socket) for _ in range(2)]
        assert [(f["type"], f["seq"]) for f in missed] == [("message", 3), ("message", 4)]
        assert missed[0]["role"] == "visitor" and missed[0]["client_message_id"] == "h-2"
        assert missed[1]["client_message_id"] == "h-2" and missed[1]["reply_to"] == missed[0]["id"]
        # Then live frames, with nothing replayed twice.
        site.ask(session, "Shipping to Canada?", client_message_id="h-3")
        live = frames_until(socket, lambda f: f["type"] == "message" and f["role"] == "assistant")
        assert [f["seq"] for f in live if f["type"] == "message"] == [5, 6]
    with widget_socket(server, site, session, after="nonsense") as socket:
        from websockets.exceptions import ConnectionClosed

        try:
            socket.recv(timeout=10)
        except ConnectionClosed as closed:
            assert closed.rcvd is not None and closed.rcvd.code == 1008


def socket_frame(socket: Any) -> dict[str, Any]:
    return json.loads(socket.recv(timeout=10))


def test_a_second_tab_sees_the_visitors_own_question(server: ApiServer, site: Site) -> None:
    session = site.start()
    with (
        widget_socket(server, site, session) as asking,
        widget_socket(server, site, session) as watching,
    ):
        frames_until(asking, lambda f: f["type"] == "ready")
        frames_until(watching, lambda f: f["type"] == "ready")
        asking.send(
            json.dumps({"type": "message", "text": "Shipping?", "client_message_id": "t-1"})
        )
        seen = frames_until(watching, lambda f: f["type"] == "message" and f["role"] == "assistant")
        roles = [f["role"] for f in seen if f["type"] == "message"]
        assert roles == ["visitor", "assistant"]
        own = frames_until(asking, lambda f: f["type"] == "message")
        assert own[-1]["role"] == "assistant"  # the asking tab has its question already


def test_the_dashboard_streams_tokens_and_replays_a_session(server: ApiServer, site: Site) -> None:
    session = site.start()
    site.ask(session, "Shipping to Canada?", client_message_id="d-1")
    with dashboard_socket(server, site.headers) as dashboard:
        frames_until(dashboard, lambda f: f["type"] == "ready")
        site.ask(session, "How long does shipping to Canada take?", client_message_id="d-2")
        frames = frames_until(
            dashboard, lambda f: f["type"] == "message.created" and f["role"] == "assistant"
        )
        tokens = [f for f in frames if f["type"] == "token"]
        assert tokens and tokens[0]["session_id"] == session["session_id"]
        assert "".join(t["delta"] for t in tokens) == frames[-1]["text"]
    token = site.headers["Authorization"].split(" ", 1)[1]
    from tests.integration.test_websockets import connect, ws_url

    url = ws_url(server, f"/api/v1/ws?token={token}&session_id={session['session_id']}&after=2")
    with connect(url, open_timeout=10) as resumed:
        frames_until(resumed, lambda f: f["type"] == "ready")
        replayed = [socket_frame(resumed) for _ in range(2)]
        assert [(f["type"], f["seq"], f["session_id"]) for f in replayed] == [
            ("message", 3, session["session_id"]),
            ("message", 4, session["session_id"]),
        ]


def sse_events(response: httpx.Response) -> list[tuple[str, Any]]:
    events, kind = [], None
    for line in response.text.splitlines():
        if line.startswith("event:"):
            kind = line.split(":", 1)[1].strip()
        elif line.startswith("data:"):
            events.append((kind, json.loads(line.split(":", 1)[1].strip())))
    return events


def test_http_clients_get_the_same_stream_as_server_sent_events(
    server: ApiServer, site: Site
) -> None:
    session = site.start()
    streamed = site.ask(session, "Shipping to Canada?", headers={"Accept": "text/event-stream"})
    assert streamed.status_code == 200
    assert streamed.headers["content-type"].startswith("text/event-stream")
    events = sse_events(streamed)
    kinds = [kind for kind, _ in events]
    assert kinds[-1] == "message" and set(kinds[:-1]) == {"token"}
    answer = events[-1][1]
    assert "".join(data["delta"] for _, data in events[:-1]) == answer["answer"]
    assert answer["action"] == "answered" and answer["sources"]
    # The API's chat endpoint streams too; without the header nothing changes.
    api = site.client.post(
        "/api/v1/chat",
        json={"message": "Shipping to Canada?"},
        headers={**site.headers, "Accept": "text/event-stream"},
    )
    assert sse_events(api)[-1][0] == "message"
    plain = site.ask(session, "Shipping to Canada?")
    assert plain.headers["content-type"].startswith("application/json")
    # A refusal before any token keeps its status.
    too_long = site.ask(session, "x" * 5000, headers={"Accept": "text/event-stream"})
    assert too_long.status_code in (413, 422)
    assert SITE


@pytest.mark.parametrize("server", [{"ws_idle_timeout_seconds": "1"}], indirect=True)
def test_a_quiet_socket_is_pinged_and_stays_while_it_answers(server: ApiServer, site: Site) -> None:
    session = site.start()
    with widget_socket(server, site, session) as socket:
        frames_until(socket, lambda f: f["type"] == "ready")
        for _ in range(3):  # three idle periods, each answered
            assert frames_until(socket, lambda f: f["type"] == "ping")[-1] == {"type": "ping"}
            socket.send(json.dumps({"type": "pong"}))
        socket.send(json.dumps({"type": "ping"}))
        assert frames_until(socket, lambda f: f["type"] == "pong")[-1] == {"type": "pong"}


def test_the_dashboard_sees_visitors_come_and_go(server: ApiServer, site: Site) -> None:
    session = site.start()
    with dashboard_socket(server, site.headers) as dashboard:
        frames_until(dashboard, lambda f: f["type"] == "ready")
        with widget_socket(server, site, session) as first:
            frames_until(first, lambda f: f["type"] == "ready")
            online = frames_until(dashboard, lambda f: f["type"] == "presence")[-1]
            assert online == {
                "type": "presence",
                "session_id": session["session_id"],
                "online": True,
            }
            with widget_socket(server, site, session) as second:  # a second tab: no news
                frames_until(second, lambda f: f["type"] == "ready")
        offline = frames_until(dashboard, lambda f: f["type"] == "presence")[-1]
        assert offline["online"] is False  # only when the last tab closed


@pytest.mark.parametrize(
    "server", [{"ws_max_sockets_per_ip": "2", "ws_max_sockets_per_session": "5"}], indirect=True
)
def test_sockets_per_client_address_are_limited(server: ApiServer, site: Site) -> None:
    from tests.integration.test_websockets import close_code

    sessions = [site.start() for _ in range(3)]
    with (
        widget_socket(server, site, sessions[0]) as one,
        widget_socket(server, site, sessions[1]) as two,
    ):
        for socket in (one, two):
            frames_until(socket, lambda f: f["type"] == "ready")
        assert close_code(widget_socket(server, site, sessions[2])) == 4429


@contextlib.contextmanager
def two_nodes(database_url: str, tmp_path: Path, **extra: str) -> Iterator[tuple[Any, Any]]:
    """Two server processes' worth of app on one database and one Redis."""
    from bootstrap.app import create_app
    from tests.conftest import make_settings
    from tests.integration.redis_server import free_port
    from tests.integration.test_rate_limiter_contract import REDIS_URL

    nodes = [
        make_settings(
            database_url=database_url,
            data_dir=str(tmp_path / name),
            redis_url=REDIS_URL,
            **extra,
        )
        for name in ("a", "b")
    ]
    with (
        ApiServer(create_app(nodes[0]), free_port()) as a,
        ApiServer(create_app(nodes[1]), free_port()) as b,
    ):
        yield a, b


def test_a_visitor_on_node_a_and_an_agent_on_node_b_see_each_other(
    database_url: str, tmp_path: Path
) -> None:
    """Two server processes' worth of app on one database and one Redis: messages, tokens,
    typing and presence cross from one node to the other."""
    from tests.integration.knowledge_helpers import owner, wait_settled
    from tests.integration.test_websockets import connect, ws_url
    from tests.integration.widget_helpers import SHIPPING

    extra = {"job_poll_seconds": "0.05", "answer_min_similarity": "0.05"}
    with (
        two_nodes(database_url, tmp_path, **extra) as (a, b),
        httpx.Client(base_url=b.url, timeout=30) as via_b,
    ):
        headers = owner(via_b)  # type: ignore[arg-type]
        doc = via_b.post(
            "/api/v1/documents/text",
            json={"title": "Shipping", "content": SHIPPING},
            headers=headers,
        ).json()
        wait_settled(via_b, headers, doc["id"])  # type: ignore[arg-type]
        code = via_b.post(
            "/api/v1/embed-codes",
            json={"name": "Shop", "allowed_domains": ["shop.example.com"]},
            headers=headers,
        ).json()
        origin = {"Origin": "https://shop.example.com"}
        session = via_b.post(
            "/widget/v1/sessions", params={"key": code["public_key"]}, json={}, headers=origin
        ).json()
        token = headers["Authorization"].split(" ", 1)[1]
        query = httpx.QueryParams(
            {"key": code["public_key"], **{k: session[k] for k in ("session_id", "session_token")}}
        )
        with connect(ws_url(b, f"/api/v1/ws?token={token}"), open_timeout=10) as agent:
            frames_until(agent, lambda f: f["type"] == "ready")
            visitor_url = ws_url(a, f"/widget/v1/ws?{query}")
            with connect(
                visitor_url, origin="https://shop.example.com", open_timeout=10
            ) as visitor:
                frames_until(visitor, lambda f: f["type"] == "ready")
                assert frames_until(agent, lambda f: f["type"] == "presence")[-1]["online"] is True
                visitor.send(json.dumps({"type": "typing", "state": True}))
                typing = frames_until(agent, lambda f: f["type"] == "typing")[-1]
                assert (typing["from"], typing["state"]) == ("visitor", True)
                ask = {"type": "message", "text": "Shipping to Canada?", "client_message_id": "x-1"}
                visitor.send(json.dumps(ask))
                seen = frames_until(
                    agent, lambda f: f["type"] == "message.created" and f["role"] == "assistant"
                )
                assert any(f["type"] == "token" for f in seen)
                sid = session["session_id"]
                agent.send(json.dumps({"type": "message", "session_id": sid, "text": "Sam here."}))
                reply = frames_until(
                    visitor, lambda f: f["type"] == "message" and f["role"] == "agent"
                )[-1]
                assert reply["text"] == "Sam here."
            assert frames_until(agent, lambda f: f["type"] == "presence")[-1]["online"] is False


def test_access_changed_on_node_a_applies_on_node_b_at_once(
    database_url: str, tmp_path: Path
) -> None:
    """What each node remembers of access for a few seconds (memberships, profiles, embed
    codes) is forgotten on every node as soon as a change is announced through Redis."""
    from tests.integration.knowledge_helpers import PASSWORD, owner

    with (
        two_nodes(database_url, tmp_path) as (a, b),
        httpx.Client(base_url=a.url, timeout=30) as via_a,
        httpx.Client(base_url=b.url, timeout=30) as via_b,
    ):
        headers = owner(via_a)  # type: ignore[arg-type]
        email = "agent-" + headers["Authorization"][-8:].lower() + "@example.com"
        body = {"email": email, "full_name": "Al", "role": "agent", "password": PASSWORD}
        member = via_a.post("/api/v1/workspace/members", json=body, headers=headers).json()
        login = via_b.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD})
        agent = {"Authorization": f"Bearer {login.json()['access_token']}"}
        code = via_a.post(
            "/api/v1/embed-codes",
            json={"name": "S", "allowed_domains": ["shop.example.com"]},
            headers=headers,
        ).json()
        origin = {"Origin": "https://shop.example.com"}
        config = {"params": {"key": code["public_key"]}, "headers": origin}
        # Node B reads (and remembers) all three ...
        assert via_b.get("/api/v1/me", headers=agent).status_code == 200
        assert via_b.get("/widget/v1/config", **config).status_code == 200  # type: ignore[arg-type]
        # ... node A changes them ...
        rotated = via_a.post(f"/api/v1/embed-codes/{code['id']}/rotate-key", headers=headers)
        assert rotated.status_code == 200, rotated.text
        removed = via_a.delete(f"/api/v1/workspace/members/{member['user_id']}", headers=headers)
        assert removed.status_code == 204, removed.text
        # ... and node B knows within moments, not after its few seconds of memory.
        deadline = time.monotonic() + 1.0
        while time.monotonic() < deadline:
            statuses = (
                via_b.get("/api/v1/me", headers=agent).status_code,
                via_b.get("/widget/v1/config", **config).status_code,  # type: ignore[arg-type]
            )
            if statuses == (401, 401):
                break
            time.sleep(0.02)
        assert statuses == (401, 401)
