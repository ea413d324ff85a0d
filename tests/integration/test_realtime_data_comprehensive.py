"""Realtime delivery under the report's conditions, against a live server, PostgreSQL and a
private Redis: Redis restarted and frozen mid-conversation (a reconnect with `?after=` gets
exactly what was missed), sockets dropped without a goodbye (their slots, presence and file
descriptors are given back), many tabs and many visitors at once, and every kind of bad
frame (refused with an error frame; the socket lives on).

Lifecycle basics, close codes and streaming are in test_websockets.py and test_streaming.py;
this suite does not repeat them."""

from __future__ import annotations

import contextlib
import json
import socket as stdlib_socket
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import psutil
import pytest
from websockets.sync.client import ClientConnection, connect

from bootstrap.app import create_app
from tests.conftest import make_settings
from tests.integration.knowledge_helpers import owner
from tests.integration.live_server import ApiServer
from tests.integration.redis_server import PrivateRedis, free_port, private_redis
from tests.integration.test_websockets import (
    close_code,
    dashboard_socket,
    frames_until,
    widget_socket,
    ws_url,
)
from tests.integration.widget_helpers import SITE, Site

FAST_LIMITS = {
    "rate_limit_ip": "10000/minute",
    "rate_limit_embed": "10000/minute",
    "rate_limit_workspace": "10000/minute",
}


def ready(socket: ClientConnection) -> ClientConnection:
    frames_until(socket, lambda f: f["type"] == "ready")
    return socket


def agent_says(site: Site, session: dict[str, Any], text: str) -> int:
    response = site.client.post(
        f"/api/v1/conversations/{session['session_id']}/messages",
        json={"text": text},
        headers=site.headers,
    )
    assert response.status_code == 201, response.text
    return response.status_code


def drop(socket: ClientConnection) -> None:
    """Gone without a close frame, as a phone losing signal: the TCP connection just ends."""
    socket.socket.shutdown(stdlib_socket.SHUT_RDWR)
    with contextlib.suppress(Exception):
        socket.close()  # the client's own resources: a phone frees them too


def sequence(frames: list[dict[str, Any]]) -> list[int]:
    return [f["seq"] for f in frames if f["type"] == "message"]


# --- Redis restarted and frozen mid-conversation ----------------------------------------


@pytest.fixture
def two_nodes(database_url: str, tmp_path: Path) -> Iterator[tuple[ApiServer, ApiServer, Any]]:
    """Two app nodes on one database and one private Redis we can restart."""
    with private_redis(tmp_path) as redis:
        nodes = [
            make_settings(
                database_url=database_url,
                data_dir=str(tmp_path / name),
                redis_url=redis.url,
                run_worker="false",
                **FAST_LIMITS,
            )
            for name in ("a", "b")
        ]
        with (
            ApiServer(create_app(nodes[0]), free_port()) as a,
            ApiServer(create_app(nodes[1]), free_port()) as b,
        ):
            yield a, b, redis


def site_on(server: ApiServer, client: httpx.Client) -> Site:
    headers = owner(client)  # type: ignore[arg-type]
    code = client.post(
        "/api/v1/embed-codes",
        json={"name": "Shop", "allowed_domains": ["shop.example.com"]},
        headers=headers,
    ).json()
    return Site(client, headers, code)  # type: ignore[arg-type]


@pytest.mark.critical
def test_after_a_redis_restart_a_reconnect_with_after_gets_exactly_what_was_missed(
    two_nodes: tuple[ApiServer, ApiServer, PrivateRedis],
) -> None:
    a, b, redis = two_nodes
    with httpx.Client(base_url=b.url, timeout=30) as via_b:
        site = site_on(b, via_b)
        session = site.start()
        with ready(widget_socket(a, site, session)):
            agent_says(site, session, "one")
            last = site.history(session).json()["items"][-1]["seq"]  # what the visitor saw
            redis.restart()
            for text in ("two", "three", "four"):
                agent_says(site, session, text)  # written on node B while Redis came back
        with ready(widget_socket(a, site, session, after=str(last))) as again:
            missed = frames_until(
                again, lambda f: f["type"] == "message" and f["text"] == "four", seconds=20
            )
            texts = [f["text"] for f in missed if f["type"] == "message"]
            assert texts == ["two", "three", "four"], "missed, duplicated or out of order"
            assert sequence(missed) == sorted(set(sequence(missed)))
            # And after the restart, live events cross nodes again.
            deadline = time.monotonic() + 15
            live: list[dict[str, Any]] = []
            while not live and time.monotonic() < deadline:
                agent_says(site, session, "five")
                try:
                    live = frames_until(
                        again, lambda f: f["type"] == "message" and f["text"] == "five", 1
                    )
                except TimeoutError:
                    continue
            assert live, "events never crossed nodes again after Redis restarted"


@pytest.mark.critical
def test_with_redis_frozen_a_visitor_still_gets_the_answer_on_the_same_node(
    database_url: str, tmp_path: Path
) -> None:
    with private_redis(tmp_path) as redis:
        settings = make_settings(
            database_url=database_url,
            data_dir=str(tmp_path / "d"),
            redis_url=redis.url,
            run_worker="false",
            **FAST_LIMITS,
        )
        with (
            ApiServer(create_app(settings), free_port()) as server,
            httpx.Client(base_url=server.url, timeout=30) as client,
        ):
            site = site_on(server, client)
            session = site.start()
            with ready(widget_socket(server, site, session)) as visitor:
                redis.freeze()
                started = time.monotonic()
                ask = {"type": "message", "text": "Anyone?", "client_message_id": "frozen-1"}
                visitor.send(json.dumps(ask))
                answer = frames_until(
                    visitor, lambda f: f["type"] == "message" and f["role"] == "assistant"
                )[-1]
                assert time.monotonic() - started < 5
                redis.thaw()
            roles = [m["role"] for m in site.history(session).json()["items"]]
            assert roles == ["visitor", "assistant"] and answer["seq"] == 2


# --- sockets that vanish ----------------------------------------------------------------


@pytest.mark.critical
@pytest.mark.parametrize("server", [{"ws_max_sockets_per_session": "1"}], indirect=True)
def test_a_dropped_socket_gives_its_slot_back_so_the_visitor_can_reconnect(
    server: ApiServer, site: Site
) -> None:
    session = site.start()

    def reconnect() -> Any:
        deadline = time.monotonic() + 10
        while True:
            socket = widget_socket(server, site, session)
            try:
                return ready(socket)
            except Exception:
                socket.close()
                assert time.monotonic() < deadline, "the dropped socket kept its slot"
                time.sleep(0.2)

    for _ in range(3):  # a phone in a tunnel, three times over
        drop(reconnect())
    reconnect().close()


@pytest.mark.critical
def test_a_dropped_visitor_goes_offline_on_the_dashboard(server: ApiServer, site: Site) -> None:
    session = site.start()
    with ready(dashboard_socket(server, site.headers)) as dashboard:
        visitor = ready(widget_socket(server, site, session))
        assert frames_until(dashboard, lambda f: f["type"] == "presence")[-1]["online"] is True
        drop(visitor)
        offline = frames_until(dashboard, lambda f: f["type"] == "presence", seconds=20)[-1]
        assert offline == {"type": "presence", "session_id": session["session_id"], "online": False}


@pytest.mark.parametrize(
    "server", [{"ws_max_sockets_per_ip": "5", "ws_max_sockets_per_session": "5"}], indirect=True
)
def test_the_per_address_budget_comes_back_after_sockets_close(
    server: ApiServer, site: Site
) -> None:
    sessions = [site.start() for _ in range(5)]
    for round_ in range(3):
        sockets = [ready(widget_socket(server, site, s)) for s in sessions]
        for n, socket in enumerate(sockets):
            socket.close() if (n + round_) % 2 else drop(socket)
        time.sleep(0.3)
    with ready(widget_socket(server, site, sessions[0])):
        pass


def test_socket_churn_leaves_no_connection_descriptor_or_thread_behind(
    server: ApiServer, site: Site
) -> None:
    session = site.start()
    process = psutil.Process()
    port = int(server.url.rsplit(":", 1)[1])

    def churn(n: int) -> None:
        for i in range(n):
            socket = ready(widget_socket(server, site, session))
            socket.send(json.dumps({"type": "ping"}))
            frames_until(socket, lambda f: f["type"] == "pong")
            socket.close() if i % 2 else drop(socket)

    def held_by_server() -> list[Any]:
        return [
            c
            for c in process.net_connections("tcp")
            if c.laddr and c.laddr.port == port and c.status != psutil.CONN_LISTEN
        ]

    churn(10)  # warm up pools and caches
    time.sleep(0.5)
    fds, threads = process.num_fds(), process.num_threads()
    churn(60)
    deadline = time.monotonic() + 10
    while (held_by_server() or process.num_fds() > fds + 5) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not held_by_server(), "the server kept connections of sockets that went away"
    assert process.num_fds() <= fds + 5, (fds, process.num_fds())
    assert process.num_threads() <= threads + 2, (threads, process.num_threads())


# --- many at once -----------------------------------------------------------------------


@pytest.mark.critical
def test_five_tabs_of_one_visitor_each_see_the_answer_exactly_once(
    server: ApiServer, site: Site
) -> None:
    session = site.start()
    tabs = [ready(widget_socket(server, site, session)) for _ in range(5)]
    try:
        tabs[0].send(
            json.dumps({"type": "message", "text": "Shipping to Canada?", "client_message_id": "t"})
        )
        for tab in tabs:
            frames = frames_until(
                tab, lambda f: f["type"] == "message" and f["role"] == "assistant"
            )
            messages = [f for f in frames if f["type"] == "message"]
            expected = ["assistant"] if tab is tabs[0] else ["visitor", "assistant"]
            assert [m["role"] for m in messages] == expected  # the asker has its question
            tab.send(json.dumps({"type": "ping"}))
            after = frames_until(tab, lambda f: f["type"] == "pong")
            assert not [f for f in after if f["type"] == "message"], "delivered twice"
    finally:
        for tab in tabs:
            tab.close()


@pytest.mark.parametrize("server", [FAST_LIMITS], indirect=True)
def test_ten_visitors_asking_over_sockets_at_once_get_their_own_answers(
    server: ApiServer, site: Site
) -> None:
    def visitor(n: int) -> tuple[str, list[dict[str, Any]]]:
        session = site.start()
        with ready(widget_socket(server, site, session)) as socket:
            ask = {"type": "message", "text": f"Returns, visitor {n}?", "client_message_id": "q"}
            socket.send(json.dumps(ask))
            frames = frames_until(
                socket, lambda f: f["type"] == "message" and f["role"] == "assistant"
            )
        return session["session_id"], [f for f in frames if f["type"] == "message"]

    with ThreadPoolExecutor(10) as pool:
        results = list(pool.map(visitor, range(10)))
    for n, (session_id, messages) in enumerate(results):
        assert [(m["role"], m["seq"]) for m in messages] == [("assistant", 2)]
        assert {m["session_id"] for m in messages if "session_id" in m} <= {session_id}
        asked = site.client.get(f"/api/v1/conversations/{session_id}", headers=site.headers)
        texts = [m["text"] for m in asked.json()["messages"]]
        assert texts[0] == f"Returns, visitor {n}?" and texts[1] == messages[0]["text"]


def test_a_resent_socket_message_is_answered_once(server: ApiServer, site: Site) -> None:
    session = site.start()
    with ready(widget_socket(server, site, session)) as socket:
        ask = {"type": "message", "text": "Shipping to Canada?", "client_message_id": "dup"}
        socket.send(json.dumps(ask))
        first = frames_until(socket, lambda f: f["type"] == "message" and f["role"] == "assistant")
        socket.send(json.dumps(ask))
        socket.send(json.dumps({"type": "ping"}))
        frames_until(socket, lambda f: f["type"] == "pong", seconds=10)
    history = site.history(session).json()["items"]
    assert [m["role"] for m in history] == ["visitor", "assistant"]
    assert history[1]["id"] == first[-1]["id"]


# --- resume ------------------------------------------------------------------------------


def test_a_visitor_away_while_an_agent_writes_gets_every_reply_in_order(
    server: ApiServer, site: Site
) -> None:
    session = site.start()
    site.ask(session, "Shipping to Canada?")  # seq 1, 2
    site.client.post(
        f"/api/v1/conversations/{session['session_id']}/takeover", headers=site.headers
    )
    for text in ("Hi, Sam here.", "Let me check.", "Five to eight days."):
        agent_says(site, session, text)  # seq 3, 4, 5
    with ready(widget_socket(server, site, session, after="2")) as socket:
        frames = frames_until(socket, lambda f: f.get("text") == "Five to eight days.")
    messages = [f for f in frames if f["type"] == "message"]
    assert [(m["seq"], m["role"]) for m in messages] == [(3, "agent"), (4, "agent"), (5, "agent")]


@pytest.mark.parametrize(("after", "expected"), [("0", [1, 2]), ("2", []), ("99", [])])
def test_after_replays_only_what_is_newer(
    server: ApiServer, site: Site, after: str, expected: list[int]
) -> None:
    session = site.start()
    site.ask(session, "Shipping to Canada?")
    with ready(widget_socket(server, site, session, after=after)) as socket:
        socket.send(json.dumps({"type": "ping"}))
        frames = frames_until(socket, lambda f: f["type"] == "pong")
    assert sequence(frames) == expected


def take_over(site: Site, session: dict[str, Any]) -> None:
    taken = site.client.post(
        f"/api/v1/conversations/{session['session_id']}/takeover", headers=site.headers
    )
    assert taken.status_code == 200, taken.text


def dashboard_resuming(
    server: ApiServer, site: Site, session: dict[str, Any], after: int
) -> ClientConnection:
    token = site.headers["Authorization"].split(" ", 1)[1]
    query = httpx.QueryParams(token=token, session_id=session["session_id"], after=str(after))
    return connect(ws_url(server, f"/api/v1/ws?{query}"), open_timeout=10)


def seqs_of(frames: list[dict[str, Any]]) -> list[int]:
    """The messages a socket delivered, replayed or live, by number."""
    return [f["seq"] for f in frames if f["type"] in ("message", "message.created")]


def test_a_long_session_is_replayed_whole_on_both_sockets(server: ApiServer, site: Site) -> None:
    """More messages than one read of a history holds (500): every one comes back, in order."""
    session = site.start()
    take_over(site, session)
    for i in range(1, 506):
        agent_says(site, session, f"note {i}")  # seq 1 ... 505
    with ready(widget_socket(server, site, session, after="0")) as socket:
        frames = frames_until(socket, lambda f: f.get("seq") == 505, seconds=60)
    assert sequence(frames) == list(range(1, 506))
    with ready(dashboard_resuming(server, site, session, 3)) as socket:
        frames = frames_until(socket, lambda f: f.get("seq") == 505, seconds=60)
    assert sequence(frames) == list(range(4, 506))


def test_a_resume_while_an_agent_keeps_writing_misses_nothing_and_repeats_nothing(
    server: ApiServer, site: Site
) -> None:
    """Messages stored while a socket opens come either replayed or live, exactly once (the
    dashboard used to read the session before it subscribed, and lost one now and then)."""
    session = site.start()
    take_over(site, session)
    agent_says(site, session, "first")  # seq 1
    stop = threading.Event()

    def keep_writing() -> None:
        with httpx.Client(base_url=server.url, timeout=30) as client:
            path = f"/api/v1/conversations/{session['session_id']}/messages"
            while not stop.is_set():
                client.post(path, json={"text": "more"}, headers=site.headers).raise_for_status()

    with ThreadPoolExecutor(1) as pool:
        writer = pool.submit(keep_writing)
        try:
            for open_socket in [
                lambda: dashboard_resuming(server, site, session, 1),
                lambda: widget_socket(server, site, session, after="1"),
            ] * 5:
                with ready(open_socket()) as socket:
                    frames = frames_until(socket, lambda f: len(seqs_of([f])) > 0, seconds=10)
                    deadline = time.monotonic() + 0.4
                    while time.monotonic() < deadline:
                        with contextlib.suppress(TimeoutError):
                            frames.append(json.loads(socket.recv(timeout=0.1)))
                got = seqs_of(frames)
                assert got == list(range(2, max(got) + 1)), got
        finally:
            stop.set()
            writer.result()


def test_a_question_to_a_held_session_gets_a_handoff_frame_with_its_seq(
    server: ApiServer, site: Site
) -> None:
    session = site.start()
    site.ask(session, "Shipping to Canada?")  # seq 1, 2
    take_over(site, session)
    with ready(widget_socket(server, site, session)) as socket:
        ask = {"type": "message", "text": "Anyone there?", "client_message_id": "h1"}
        socket.send(json.dumps(ask))  # seq 3: the bot stays silent
        frames = frames_until(socket, lambda f: f["type"] == "handoff")
    assert frames[-1] == {"type": "handoff", "state": True, "seq": 3}


def test_the_same_client_message_id_again_on_one_socket_gets_the_first_answer(
    server: ApiServer, site: Site
) -> None:
    session = site.start()
    ask = {"type": "message", "text": "How long does shipping to Canada take?"}
    with ready(widget_socket(server, site, session)) as socket:
        socket.send(json.dumps(ask | {"client_message_id": "c1"}))
        first = frames_until(socket, lambda f: f.get("role") == "assistant")[-1]
        socket.send(json.dumps(ask | {"client_message_id": "c1"}))
        again = frames_until(socket, lambda f: f.get("role") == "assistant")[-1]
    assert again == first and first["type"] == "message"
    history = site.client.get(
        f"/widget/v1/sessions/{session['session_id']}/messages",
        params={"key": site.key},
        headers={"Origin": SITE, "X-Session-Token": session["session_token"]},
    ).json()["items"]
    assert [m["role"] for m in history] == ["visitor", "assistant"]  # counted once


@pytest.mark.parametrize("after", ["-1", "1.5", "x", "9" * 40])
def test_a_nonsense_after_is_refused(server: ApiServer, site: Site, after: str) -> None:
    session = site.start()
    assert close_code(widget_socket(server, site, session, after=after)) == 1008


# --- frames a client should never send ----------------------------------------------------

BAD_FRAMES = {
    "not json": "hello",
    "a json array": "[1, 2]",
    "a number": "42",
    "null": "null",
    "no type": json.dumps({"text": "hi"}),
    "unknown type": json.dumps({"type": "delete_everything"}),
    "message without text": json.dumps({"type": "message", "client_message_id": "x"}),
    "empty text": json.dumps({"type": "message", "text": "", "client_message_id": "x"}),
    "text as a list": json.dumps({"type": "message", "text": ["a"], "client_message_id": "x"}),
    "extra field": json.dumps({"type": "ping", "admin": True}),
    "typing state as text": json.dumps({"type": "typing", "state": "yes"}),
    "deep nesting": '{"type": "message", "text": ' + "[" * 500 + "]" * 500 + "}",
}


@pytest.mark.parametrize("name", sorted(BAD_FRAMES))
def test_a_bad_frame_gets_an_error_frame_and_the_socket_lives_on(
    server: ApiServer, site: Site, name: str
) -> None:
    session = site.start()
    with ready(widget_socket(server, site, session)) as socket:
        socket.send(BAD_FRAMES[name])
        error = frames_until(socket, lambda f: f["type"] == "error")[-1]
        assert error["code"] == "validation_error" and error["detail"]
        socket.send(json.dumps({"type": "ping"}))
        assert frames_until(socket, lambda f: f["type"] == "pong")[-1] == {"type": "pong"}
    assert site.history(session).json()["items"] == [], "a bad frame was stored"


def test_a_binary_frame_that_is_not_utf8_is_refused_and_nothing_is_stored(
    server: ApiServer, site: Site
) -> None:
    session = site.start()
    with ready(widget_socket(server, site, session)) as socket:
        socket.send(b"\xff\xfe\x00{")
        assert frames_until(socket, lambda f: f["type"] == "error")[-1]["code"] == (
            "validation_error"
        )
        socket.send(json.dumps({"type": "ping"}))
        frames_until(socket, lambda f: f["type"] == "pong")
    assert site.history(session).json()["items"] == []


def test_nul_in_socket_text_is_refused_as_over_http(server: ApiServer, site: Site) -> None:
    """PostgreSQL cannot store NUL: over HTTP it is a 422, over the socket an error frame
    naming the field; nothing is stored and the socket stays usable."""
    session = site.start()
    with ready(widget_socket(server, site, session)) as socket:
        ask = {"type": "message", "text": "Ship\u0000ping?", "client_message_id": "nul"}
        socket.send(json.dumps(ask))
        error = frames_until(socket, lambda f: f["type"] in ("message", "error"))[-1]
        assert error["type"] == "error" and error["code"] == "validation_error"
        assert "NUL" in error["detail"] and error.get("client_message_id") == "nul"
        socket.send(json.dumps({"type": "ping"}))
        frames_until(socket, lambda f: f["type"] == "pong")
    assert site.history(session).json()["items"] == []
    over_http = site.ask(session, "Ship\u0000ping?")
    assert over_http.status_code == 422


def test_typing_reaches_the_dashboard_and_stops(server: ApiServer, site: Site) -> None:
    session = site.start()
    with (
        ready(dashboard_socket(server, site.headers)) as dashboard,
        ready(widget_socket(server, site, session)) as visitor,
    ):
        for state in (True, False, True, False):
            time.sleep(0.6)  # changes are coalesced to one per half second
            visitor.send(json.dumps({"type": "typing", "state": state}))
            typing = frames_until(dashboard, lambda f: f["type"] == "typing")[-1]
            assert (typing["from"], typing["state"], typing["session_id"]) == (
                "visitor",
                state,
                session["session_id"],
            )
