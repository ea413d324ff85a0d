"""The public widget API over HTTP against PostgreSQL: keys, origins, CORS, session tokens,
chat, history, feedback, handoff, and the IP and embed-code rate limits."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient

from tests.integration.widget_helpers import SITE, Site, new_site, widget_client

EVIL = "https://shop.example.com.evil.net"


@pytest.fixture
def client(database_url: str, tmp_path: Path) -> Iterator[TestClient[Any]]:
    with widget_client(database_url, tmp_path) as test_client:
        yield test_client


@pytest.fixture
def site(client: TestClient[Any]) -> Site:
    return new_site(client)


# --- the door: key and origin ------------------------------------------------------------


def test_config_for_an_allowed_origin_carries_cors_for_that_origin_only(site: Site) -> None:
    response = site.widget("GET", "/config")
    assert response.status_code == 200, response.text
    assert response.json()["title"] == "Shop help"
    assert {
        "title",
        "greeting",
        "primary_color",
        "position",
        "placeholder",
        "suggested_questions",
    } <= response.json().keys()
    assert response.headers["access-control-allow-origin"] == SITE
    assert "Origin" in response.headers["vary"]


def test_config_names_the_limits_the_server_enforces(database_url: str, tmp_path: Path) -> None:
    """The widget reads its limits here instead of keeping copies: they must be the real ones."""
    with widget_client(database_url, tmp_path, ws_max_frame_bytes="2048") as client:
        site = new_site(client, documents=False)
        limits = site.widget("GET", "/config").json()["limits"]
        assert limits["frame_max_bytes"] == 2048
        session = site.start()
        longest = limits["message_max_chars"]
        assert site.ask(session, "x" * longest).status_code == 200
        assert site.ask(session, "x" * (longest + 1)).status_code in (413, 422)
        pattern = re.compile(limits["visitor_id_pattern"])
        for visitor_id in ("v-1.a:b_c", "x" * 128, "x" * 129, "<script>", "a b", "ü"):
            started = site.widget("POST", "/sessions", json={"visitor_id": visitor_id})
            expected = 201 if pattern.fullmatch(visitor_id) else 422
            assert started.status_code == expected, visitor_id


@pytest.mark.critical
@pytest.mark.parametrize("origin", [EVIL, "https://evil-shop.example.com", "http://x.test", None])
def test_a_refused_origin_gets_403_and_no_cors_headers(site: Site, origin: str | None) -> None:
    response = site.widget("GET", "/config", origin=origin)
    assert response.status_code == 403
    assert response.json()["code"] == "origin_not_allowed"
    assert "access-control-allow-origin" not in response.headers
    refused = site.widget("POST", "/sessions", origin=origin, json={})
    assert refused.status_code == 403 and "access-control-allow-origin" not in refused.headers


def test_the_key_travels_in_a_header_or_the_query(site: Site) -> None:
    by_header = site.client.get(
        "/widget/v1/config", headers={"Origin": SITE, "X-Embed-Key": site.key}
    )
    assert by_header.status_code == 200


@pytest.mark.parametrize("key", ["", "ccgpt_pk_unknown", "x" * 300])
def test_an_unknown_key_gets_401(site: Site, key: str) -> None:
    response = site.client.get("/widget/v1/config", params={"key": key}, headers={"Origin": SITE})
    assert response.status_code == 401 and response.json()["code"] == "unauthorized"


@pytest.mark.critical
def test_rotation_and_deactivation_take_effect_at_once(site: Site) -> None:
    session = site.start()
    old_key = site.key
    rotated = site.client.post(
        f"/api/v1/embed-codes/{site.code['id']}/rotate-key", headers=site.headers
    )
    site.code = rotated.json()
    assert site.widget("GET", "/config", key=old_key).status_code == 401
    # The new key works, but a session opened with the old one is over.
    assert site.widget("GET", "/config").status_code == 200
    assert site.ask(session, "Shipping to Canada?").status_code == 401
    site.change(active=False)
    assert site.widget("GET", "/config").status_code == 401
    site.change(active=True)
    assert site.widget("GET", "/config").status_code == 200


def test_an_empty_allowlist_allows_any_origin(client: TestClient[Any]) -> None:
    site = new_site(client, allowed=[], documents=False)
    response = site.widget("GET", "/config", origin="https://anywhere.test")
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == "https://anywhere.test"


def test_the_service_own_origin_is_allowed_for_the_preview(
    database_url: str, tmp_path: Path
) -> None:
    # The own origin is configured (CCGPT_PUBLIC_URL), never read from the Host header.
    with widget_client(database_url, tmp_path, public_url="http://testserver.local") as client:
        site = new_site(client, documents=False)
        # Browsers leave Origin off same-origin GETs and mark them with Sec-Fetch-Site.
        same_origin = site.client.get(
            "/widget/v1/config",
            params={"key": site.key},
            headers={"Sec-Fetch-Site": "same-origin"},
        )
        assert same_origin.status_code == 200
        assert "access-control-allow-origin" not in same_origin.headers
        assert site.widget("GET", "/config", origin="http://testserver.local").status_code == 200
        forged = site.client.get(
            "/widget/v1/config", params={"key": site.key}, headers={"Sec-Fetch-Site": "cross-site"}
        )
        assert forged.status_code == 403


def test_the_host_header_never_makes_an_origin_our_own(site: Site) -> None:
    """With CCGPT_PUBLIC_URL unset, a client naming itself in Host and Origin is refused."""
    for headers in (
        {"Host": "evil.net", "Origin": "http://evil.net"},
        {"Host": "evil.net", "Sec-Fetch-Site": "same-origin"},
    ):
        response = site.client.get("/widget/v1/config", params={"key": site.key}, headers=headers)
        assert response.status_code == 403, headers
        assert response.json()["code"] == "origin_not_allowed"


def test_an_origin_with_an_empty_label_matches_no_wildcard(client: TestClient[Any]) -> None:
    site = new_site(client, allowed=["*.example.org"], documents=False)
    assert site.widget("GET", "/config", origin="https://help.example.org").status_code == 200
    for origin in ("https://.example.org", "https://a..example.org"):
        assert site.widget("GET", "/config", origin=origin).status_code == 403, origin


# --- CORS preflight ------------------------------------------------------------------------


def preflight(site: Site, path: str, origin: str, key: str | None = None) -> Any:
    return site.client.options(
        f"/widget/v1{path}",
        params={"key": key if key is not None else site.key},
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type, x-session-token",
        },
    )


def test_a_preflight_is_answered_for_an_allowed_origin(site: Site) -> None:
    response = preflight(site, f"/sessions/{uuid.uuid4()}/messages", SITE)
    assert response.status_code == 204
    assert response.headers["access-control-allow-origin"] == SITE
    assert "POST" in response.headers["access-control-allow-methods"]
    allowed = response.headers["access-control-allow-headers"].lower()
    assert "x-session-token" in allowed and "content-type" in allowed


def test_a_preflight_from_another_origin_is_refused(site: Site) -> None:
    refused = preflight(site, "/sessions", EVIL)
    assert refused.status_code == 403 and refused.json()["code"] == "origin_not_allowed"
    assert "access-control-allow-origin" not in refused.headers


def test_a_keyless_preflight_is_answered_for_an_origin_a_code_allows(site: Site) -> None:
    """A browser client sending the key as X-Embed-Key cannot put it in the preflight;
    the real request is then checked against its own code."""
    keyless = preflight(site, "/sessions", SITE, key="")
    assert keyless.status_code == 204
    assert keyless.headers["access-control-allow-origin"] == SITE
    assert "x-embed-key" in keyless.headers["access-control-allow-headers"].lower()
    real = site.client.post(
        "/widget/v1/sessions", json={}, headers={"Origin": SITE, "X-Embed-Key": site.key}
    )
    assert real.status_code == 201 and real.headers["access-control-allow-origin"] == SITE
    stranger = site.client.post(
        "/widget/v1/sessions", json={}, headers={"Origin": EVIL, "X-Embed-Key": site.key}
    )
    assert stranger.status_code == 403


# --- sessions, chat, history, feedback -----------------------------------------------------


@pytest.mark.critical
def test_a_visitor_chats_with_grounded_cited_answers_and_reads_the_history(site: Site) -> None:
    session = site.start(visitor_id="v-123")
    assert uuid.UUID(session["session_id"]) and session["session_token"]
    reply = site.ask(session, "How long does shipping to Canada take?")
    assert reply.status_code == 200, reply.text
    answer = reply.json()
    assert answer["action"] == "answered" and "5 to 8 business days" in answer["answer"]
    assert answer["sources"][0]["title"] == "Shipping"
    assert {"message_id", "answer", "sources", "confidence", "action"} <= answer.keys()
    assert reply.headers["access-control-allow-origin"] == SITE
    assert int(reply.headers["ratelimit-remaining"]) >= 0

    history = site.history(session)
    assert history.status_code == 200 and history.json()["status"] == "bot"
    items = history.json()["items"]
    assert [m["role"] for m in items] == ["visitor", "assistant"]
    assert items[1]["id"] == answer["message_id"] and items[1]["sources"]
    assert {"id", "role", "text", "sources", "confidence", "action", "created_at"} <= items[
        1
    ].keys()

    # The workspace sees the conversation, with its embed code and visitor.
    listed = site.client.get(
        "/api/v1/conversations",
        params={"embed_code_id": site.code["id"]},
        headers=site.headers,
    ).json()["items"]
    assert [c["id"] for c in listed] == [session["session_id"]]
    thread = site.client.get(
        f"/api/v1/conversations/{session['session_id']}", headers=site.headers
    ).json()
    assert thread["visitor_id"] == "v-123" and thread["embed_code_id"] == site.code["id"]


def test_no_answer_uses_the_embed_code_message(client: TestClient[Any]) -> None:
    site = new_site(client, no_answer_message="Not in our articles, sorry.")
    reply = site.ask(site.start(), "What is the airspeed velocity of a swallow?").json()
    assert reply["action"] == "no_answer" and reply["answer"] == "Not in our articles, sorry."
    assert reply["sources"] == []


@pytest.mark.critical
def test_a_retried_client_message_id_returns_the_first_answer_counted_once(site: Site) -> None:
    session = site.start()
    first = site.ask(session, "Shipping to Canada?", client_message_id="c-1").json()
    again = site.ask(session, "Shipping to Canada?", client_message_id="c-1").json()
    assert again["message_id"] == first["message_id"]
    assert len(site.history(session).json()["items"]) == 2
    usage = site.client.get("/api/v1/workspace", headers=site.headers).json()["usage"]
    assert usage["messages_this_month"] == 1


def test_text_is_stored_as_sent_and_too_long_text_is_refused(site: Site) -> None:
    session = site.start()
    hostile = '<img src=x onerror="alert(1)"><script>alert(2)</script>'
    assert site.ask(session, hostile).status_code == 200
    assert site.history(session).json()["items"][0]["text"] == hostile
    too_long = site.ask(session, "x" * 4001)
    assert too_long.status_code in (413, 422)
    assert too_long.headers["content-type"].startswith("application/problem+json")
    assert site.widget("POST", "/sessions", json={"visitor_id": "<script>"}).status_code == 422


def test_feedback_is_stored_once_per_answer(site: Site) -> None:
    session = site.start()
    answer = site.ask(session, "Shipping to Canada?").json()
    path = f"/messages/{answer['message_id']}/feedback"
    token = session["session_token"]
    first = site.widget("POST", path, token=token, json={"rating": "down", "comment": "vague"})
    assert first.status_code == 204, first.text
    assert site.widget("POST", path, token=token, json={"rating": "up"}).status_code == 204
    bad = site.widget("POST", path, token=token, json={"rating": "meh"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "rating"
    question_id = site.history(session).json()["items"][0]["id"]
    own_question = site.widget(
        "POST", f"/messages/{question_id}/feedback", token=token, json={"rating": "up"}
    )
    assert own_question.status_code == 404
    assert site.widget("POST", path, json={"rating": "up"}).status_code == 401


# --- what a session token opens ------------------------------------------------------------


@pytest.mark.critical
def test_a_session_token_opens_its_own_session_only(site: Site) -> None:
    mine, theirs = site.start(), site.start()
    answer = site.ask(theirs, "Shipping to Canada?").json()
    stolen = {"session_id": theirs["session_id"], "session_token": mine["session_token"]}
    assert site.ask(stolen, "hi").status_code == 403
    assert site.history(stolen).status_code == 403
    feedback = site.widget(
        "POST",
        f"/messages/{answer['message_id']}/feedback",
        token=mine["session_token"],
        json={"rating": "down"},
    )
    assert feedback.status_code == 403
    forged = {"session_id": mine["session_id"], "session_token": "not-a-token"}
    assert site.ask(forged, "hi").status_code == 401


@pytest.mark.critical
def test_a_session_token_is_refused_from_another_origin(client: TestClient[Any]) -> None:
    site = new_site(client, allowed=["shop.example.com", "*.example.com"])
    session = site.start(origin=SITE)
    moved = site.ask(session, "Shipping?", origin="https://blog.example.com")
    assert moved.status_code == 403 and moved.json()["code"] == "origin_not_allowed"
    assert site.ask(session, "Shipping?", origin=SITE).status_code == 200


@pytest.mark.critical
def test_a_session_token_of_another_embed_code_is_refused(client: TestClient[Any]) -> None:
    site = new_site(client)
    other = client.post(
        "/api/v1/embed-codes",
        json={"name": "Other", "allowed_domains": ["shop.example.com"]},
        headers=site.headers,
    ).json()
    session = site.start()
    response = site.widget(
        "GET",
        f"/sessions/{session['session_id']}/messages",
        key=other["public_key"],
        token=session["session_token"],
    )
    assert response.status_code == 401


# --- handoff -------------------------------------------------------------------------------


def test_a_visitor_asks_for_a_person_and_reads_the_agent_reply(site: Site) -> None:
    session = site.start()
    path = f"/sessions/{session['session_id']}/handoff"
    handoff = site.widget("POST", path, token=session["session_token"])
    assert handoff.status_code == 200 and handoff.json()["status"] == "handoff"
    silent = site.ask(session, "Anyone there?").json()
    assert silent["action"] == "handoff" and silent["answer"] == ""
    agent = site.client.post(
        f"/api/v1/conversations/{session['session_id']}/messages",
        json={"text": "Hi, I'm Sam. How can I help?"},
        headers=site.headers,
    )
    assert agent.status_code == 201
    history = site.history(session).json()
    assert [m["role"] for m in history["items"]] == ["visitor", "agent"]
    assert history["status"] == "handoff"


def test_handoff_can_be_switched_off_per_embed_code(client: TestClient[Any]) -> None:
    site = new_site(client, documents=False, handoff_enabled=False)
    session = site.start()
    path = f"/sessions/{session['session_id']}/handoff"
    assert site.widget("POST", path, token=session["session_token"]).status_code == 403


# --- rate limits ---------------------------------------------------------------------------


def test_the_ip_limit_trips_at_its_number_with_the_embed_code_message(
    database_url: str, tmp_path: Path
) -> None:
    with widget_client(database_url, tmp_path, rate_limit_ip="3/minute") as client:
        site = new_site(client, documents=False, rate_limited_message="Easy there!")
        session = site.start()
        assert site.ask(session, "one").status_code == 200
        assert site.ask(session, "two").status_code == 200
        refused = site.ask(session, "three")
        assert refused.status_code == 429
        problem = refused.json()
        assert problem["code"] == "rate_limited" and problem["detail"] == "Easy there!"
        assert int(refused.headers["retry-after"]) >= 1
        assert refused.headers["ratelimit-limit"] == "3"
        assert refused.headers["ratelimit-remaining"] == "0"
        # The widget can read it: the refusal carries CORS for the allowed origin.
        assert refused.headers["access-control-allow-origin"] == SITE
        assert site.widget("POST", "/sessions", json={}).status_code == 429
        # Another workspace's visitors from the same address have their own budget.
        other = new_site(client, documents=False)
        assert other.widget("POST", "/sessions", json={}).status_code == 201


def test_the_embed_code_limit_trips_per_code(database_url: str, tmp_path: Path) -> None:
    with widget_client(
        database_url, tmp_path, rate_limit_ip="100/minute", rate_limit_embed="2/minute"
    ) as client:
        site = new_site(client, documents=False)
        session = site.start()
        assert [site.ask(session, f"q{i}").status_code for i in range(3)] == [200, 200, 429]
        second = client.post(
            "/api/v1/embed-codes",
            json={"name": "Blog", "allowed_domains": ["shop.example.com"]},
            headers=site.headers,
        ).json()
        blog = Site(client, site.headers, second)
        assert blog.ask(blog.start(), "q").status_code == 200


@pytest.mark.critical
def test_a_refused_message_is_not_counted_or_stored(database_url: str, tmp_path: Path) -> None:
    with widget_client(database_url, tmp_path, rate_limit_embed="1/minute") as client:
        site = new_site(client, documents=False)
        session = site.start()
        assert site.ask(session, "first").status_code == 200
        assert site.ask(session, "second").status_code == 429
        items = site.history(session).json()["items"]
        assert [m["text"] for m in items if m["role"] == "visitor"] == ["first"]
        usage = site.client.get("/api/v1/workspace", headers=site.headers).json()["usage"]
        assert usage["messages_this_month"] == 1
