"""The widget and dashboard WebSockets against a real server (uvicorn) and PostgreSQL:
credentials and close codes, answers and agent replies live, typing, handoff, limits."""

from __future__ import annotations

import contextlib
import json
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from redis import Redis
from redis.exceptions import RedisError
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from bootstrap.app import create_app
from tests.conftest import make_settings
from tests.integration.knowledge_helpers import owner
from tests.integration.live_server import ApiServer
from tests.integration.test_rate_limiter_contract import REDIS_URL
from tests.integration.test_serve_process import free_port
from tests.integration.widget_helpers import SITE, Site


def ws_url(server: ApiServer, path: str) -> str:
    return server.url.replace("http://", "ws://") + path


def widget_socket(
    server: ApiServer, site: Site, session: dict[str, Any], origin: str = SITE, **params: str
) -> ClientConnection:
    query = {
        "key": site.key,
        "session_id": session["session_id"],
        "session_token": session["session_token"],
        **params,
    }
    url = ws_url(server, "/widget/v1/ws?" + httpx.QueryParams(query).__str__())
    return connect(url, origin=origin, open_timeout=10)  # type: ignore[arg-type]


def dashboard_socket(server: ApiServer, headers: dict[str, str]) -> ClientConnection:
    token = headers["Authorization"].split(" ", 1)[1]
    return connect(ws_url(server, f"/api/v1/ws?token={token}"), open_timeout=10)


def frames_until(socket: ClientConnection, done: Any, seconds: float = 15) -> list[dict[str, Any]]:
    """Frames received until one satisfies `done` (that one included)."""
    seen: list[dict[str, Any]] = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        frame = json.loads(socket.recv(timeout=max(0.1, deadline - time.monotonic())))
        seen.append(frame)
        if done(frame):
            return seen
    raise AssertionError(f"no matching frame; got {seen}")


def close_code(socket: ClientConnection) -> int | None:
    with socket, pytest.raises(ConnectionClosed) as closed:
        while True:
            socket.recv(timeout=10)
    return closed.value.rcvd.code if closed.value.rcvd else None


@pytest.mark.critical
def test_a_visitor_asks_over_the_socket_and_sees_typing_then_a_cited_answer(
    server: ApiServer, site: Site
) -> None:
    session = site.start()
    with widget_socket(server, site, session) as socket:
        assert json.loads(socket.recv(timeout=10)) == {
            "type": "ready",
            "session_id": session["session_id"],
            "status": "bot",
        }
        socket.send(json.dumps({"type": "ping"}))
        assert json.loads(socket.recv(timeout=10)) == {"type": "pong"}
        ask = {"type": "message", "text": "Shipping to Canada?", "client_message_id": "w-1"}
        socket.send(json.dumps(ask))
        frames = frames_until(socket, lambda f: f["type"] == "message")
        assert {"type": "typing", "from": "assistant", "state": True} in frames
        answer = frames[-1]
        assert answer["role"] == "assistant" and "5 to 8 business days" in answer["text"]
        assert answer["sources"][0]["title"] == "Shipping" and answer["action"] == "answered"
        assert frames_until(socket, lambda f: f["type"] == "typing")[-1]["state"] is False
    # Stored like any other message, and counted once.
    history = site.history(session).json()["items"]
    assert [m["role"] for m in history] == ["visitor", "assistant"]
    usage = site.client.get("/api/v1/workspace", headers=site.headers).json()["usage"]
    assert usage["messages_this_month"] == 1


@pytest.mark.parametrize("server", [{"rate_limit_embed": "2/minute"}], indirect=True)
def test_socket_messages_spend_the_same_budgets_as_http(server: ApiServer, site: Site) -> None:
    session = site.start()
    assert site.ask(session, "one").status_code == 200
    with widget_socket(server, site, session) as socket:
        frames_until(socket, lambda f: f["type"] == "ready")
        socket.send(json.dumps({"type": "message", "text": "two", "client_message_id": "a"}))
        frames_until(socket, lambda f: f["type"] == "message")
        socket.send(json.dumps({"type": "message", "text": "three", "client_message_id": "b"}))
        error = frames_until(socket, lambda f: f["type"] == "error")[-1]
        assert error["code"] == "rate_limited" and error["detail"] == "Easy there!"
        assert error["client_message_id"] == "b" and error["retry_after"] >= 1
    assert site.ask(session, "four").status_code == 429


def test_an_agent_reply_and_a_takeover_reach_the_visitor_live(
    server: ApiServer, site: Site
) -> None:
    session = site.start()
    sid = session["session_id"]
    with widget_socket(server, site, session) as socket:
        frames_until(socket, lambda f: f["type"] == "ready")
        took = site.client.post(f"/api/v1/conversations/{sid}/takeover", headers=site.headers)
        assert took.status_code == 200
        assert frames_until(socket, lambda f: f["type"] == "handoff")[-1]["state"] is True
        site.client.post(
            f"/api/v1/conversations/{sid}/messages",
            json={"text": "Sam here."},
            headers=site.headers,
        )
        agent = frames_until(socket, lambda f: f["type"] == "message")[-1]
        assert (agent["role"], agent["text"]) == ("agent", "Sam here.")


@pytest.mark.critical
def test_the_dashboard_sees_its_workspace_only_and_answers_into_the_widget(
    server: ApiServer, site: Site
) -> None:
    stranger = owner(site.client)  # type: ignore[arg-type]
    with (
        dashboard_socket(server, site.headers) as dashboard,
        dashboard_socket(server, stranger) as other,
    ):
        assert json.loads(dashboard.recv(timeout=10)) == {"type": "ready"}
        assert json.loads(other.recv(timeout=10)) == {"type": "ready"}
        session = site.start()
        sid = session["session_id"]
        started = frames_until(dashboard, lambda f: f["type"] == "conversation.started")[-1]
        assert started["session_id"] == sid and started["embed_code_id"] == site.code["id"]
        site.ask(session, "Shipping to Canada?")
        created = frames_until(
            dashboard, lambda f: f["type"] == "message.created" and f["role"] == "assistant"
        )
        assert any(f["type"] == "message.created" and f["role"] == "visitor" for f in created)
        assert created[-1]["session_id"] == sid
        with widget_socket(server, site, session) as widget:
            frames_until(widget, lambda f: f["type"] == "ready")
            dashboard.send(json.dumps({"type": "typing", "session_id": sid, "state": True}))
            typing = frames_until(widget, lambda f: f["type"] == "typing")[-1]
            assert typing == {"type": "typing", "from": "agent", "state": True}
            dashboard.send(json.dumps({"type": "message", "session_id": sid, "text": "Hi!"}))
            reply = frames_until(widget, lambda f: f["type"] == "message")[-1]
            assert (reply["role"], reply["text"]) == ("agent", "Hi!")
        foreign = {"type": "message", "session_id": sid, "text": "sneaky"}
        other.send(json.dumps(foreign))
        error = frames_until(other, lambda f: f["type"] != "ready")[-1]
        assert error == {
            "type": "error",
            "code": "not_found",
            "detail": "Conversation not found.",
            "client_message_id": None,
        }


@pytest.mark.critical
def test_bad_credentials_and_refused_origins_close_with_their_codes(
    server: ApiServer, site: Site
) -> None:
    mine, theirs = site.start(), site.start()
    assert close_code(widget_socket(server, site, mine, origin="https://evil.test")) == 4403
    forged = {**mine, "session_token": "forged"}
    assert close_code(widget_socket(server, site, forged)) == 4401
    stolen = {**theirs, "session_token": mine["session_token"]}
    assert close_code(widget_socket(server, site, stolen)) == 4403
    assert close_code(widget_socket(server, site, mine, key="ccgpt_pk_nope")) == 4401
    assert close_code(connect(ws_url(server, "/api/v1/ws?token=nope"))) == 4401


@pytest.mark.parametrize(
    "server",
    [
        {
            "ws_idle_timeout_seconds": "1",
            "ws_max_frame_bytes": "1024",
            "ws_max_sockets_per_session": "1",
        }
    ],
    indirect=True,
)
def test_floods_big_frames_and_idle_sockets_are_closed(server: ApiServer, site: Site) -> None:
    session = site.start()
    with widget_socket(server, site, session) as first:
        frames_until(first, lambda f: f["type"] == "ready")
        assert close_code(widget_socket(server, site, session)) == 4429
        first.send("not json")
        assert frames_until(first, lambda f: True)[-1]["code"] == "validation_error"
        first.send(json.dumps({"type": "message", "text": "x" * 2000}))
        assert close_code(first) == 1009
    with widget_socket(server, site, session) as idle:
        frames_until(idle, lambda f: f["type"] == "ready")
        assert close_code(idle) == 4408


def test_a_client_flooding_frames_is_closed_with_4429(server: ApiServer, site: Site) -> None:
    session = site.start()
    with widget_socket(server, site, session) as calm:
        frames_until(calm, lambda f: f["type"] == "ready")
        for _ in range(40):  # within the burst: each answered
            calm.send(json.dumps({"type": "ping"}))
        seen = [json.loads(calm.recv(timeout=10)) for _ in range(40)]
        assert [f["type"] for f in seen] == ["pong"] * 40
    with widget_socket(server, site, session) as flood:
        frames_until(flood, lambda f: f["type"] == "ready")
        with contextlib.suppress(ConnectionClosed):
            for _ in range(500):
                flood.send(json.dumps({"type": "typing", "state": True}))
        assert close_code(flood) == 4429


def redis_reachable() -> bool:
    client = Redis.from_url(REDIS_URL, socket_connect_timeout=1)
    try:
        return bool(client.ping())
    except RedisError:
        return False
    finally:
        client.close()


@pytest.mark.parametrize("bus", ["redis", "database"])
def test_events_cross_server_processes(database_url: str, tmp_path: Path, bus: str) -> None:
    """Two app nodes on one database, their events carried by Redis or by the database."""
    if bus == "redis" and not redis_reachable():
        pytest.skip(f"Redis is not reachable at {REDIS_URL}")  # a failure when CI=true
    carrier = {"redis_url": REDIS_URL} if bus == "redis" else {"events": "database"}
    settings = [
        make_settings(
            database_url=database_url, data_dir=str(tmp_path / name), run_worker="false", **carrier
        )
        for name in ("a", "b")
    ]
    with (
        ApiServer(create_app(settings[0]), free_port()) as a,
        ApiServer(create_app(settings[1]), free_port()) as b,
        httpx.Client(base_url=b.url, timeout=30) as via_b,
    ):
        headers = owner(via_b)  # type: ignore[arg-type]
        code = via_b.post(
            "/api/v1/embed-codes",
            json={"name": "Shop", "allowed_domains": ["shop.example.com"]},
            headers=headers,
        ).json()
        site = Site(via_b, headers, code)  # type: ignore[arg-type]
        session = site.start()
        with widget_socket(a, site, session) as on_a:
            frames_until(on_a, lambda f: f["type"] == "ready")
            sid = session["session_id"]
            via_b.post(
                f"/api/v1/conversations/{sid}/messages", json={"text": "From B"}, headers=headers
            )
            reply = frames_until(on_a, lambda f: f["type"] == "message")[-1]
            assert (reply["role"], reply["text"]) == ("agent", "From B")


def test_socket_frames_obey_the_same_rules_as_http_bodies(server: ApiServer, site: Site) -> None:
    session = site.start()
    too_long = "c" * 129
    over_http = site.ask(session, "Shipping?", client_message_id=too_long)
    assert over_http.status_code == 422
    with widget_socket(server, site, session) as socket:
        frames_until(socket, lambda f: f["type"] == "ready")
        socket.send(
            json.dumps({"type": "message", "text": "Shipping?", "client_message_id": too_long})
        )
        error = frames_until(socket, lambda f: f["type"] == "error")[-1]
        assert error["code"] == "validation_error" and "client_message_id" in error["detail"]
        socket.send(json.dumps({"type": "shout", "client_message_id": "w-9"}))
        error = frames_until(socket, lambda f: f["type"] == "error")[-1]
        assert (error["code"], error["client_message_id"]) == ("validation_error", "w-9")
        socket.send(json.dumps({"type": "typing", "state": "yes"}))
        assert (
            frames_until(socket, lambda f: f["type"] == "error")[-1]["code"] == "validation_error"
        )


def test_the_answer_frame_is_the_history_message_shape(server: ApiServer, site: Site) -> None:
    session = site.start()
    with widget_socket(server, site, session) as socket:
        frames_until(socket, lambda f: f["type"] == "ready")
        ask = {"type": "message", "text": "Shipping to Canada?", "client_message_id": "w-7"}
        socket.send(json.dumps(ask))
        answer = frames_until(socket, lambda f: f["type"] == "message")[-1]
    history = site.history(session).json()["items"]
    question, stored = history
    assert question["client_message_id"] == "w-7"
    assert answer == {"type": "message", **stored}
    assert stored["client_message_id"] == "w-7" and stored["reply_to"] == question["id"]
    assert stored["message_id"] == stored["id"]
