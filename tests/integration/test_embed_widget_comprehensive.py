"""The embeddable widget under the conditions the founding report lists, against real
PostgreSQL (and a real Redis where it matters): many visitors at once, markup in every
setting, hostile input, limits that cascade, and the services behind it failing (the LLM
endpoint down, hanging and talking garbage; Redis frozen and stopped).

The plain contract (CRUD, ETag, gzip, CORS, keys, history) is in test_http_widget.py,
test_http_widget_script.py and test_http_embed_codes.py; this suite does not repeat it."""

from __future__ import annotations

import html
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
from litestar.testing import TestClient

from tests.fakes.openai_chat_server import ChatReply, FakeChatServer
from tests.integration.live_server import ApiServer
from tests.integration.redis_server import private_redis
from tests.integration.widget_helpers import SITE, Site, new_site, widget_client

FAST_LIMITS = {
    "rate_limit_ip": "10000/minute",
    "rate_limit_embed": "10000/minute",
    "rate_limit_workspace": "10000/minute",
}


@pytest.fixture(scope="module")
def shop(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    with widget_client(database_url, tmp_path_factory.mktemp("shop"), **FAST_LIMITS) as client:
        yield new_site(client)


def ask_over_http(
    client: httpx.Client, key: str, session: dict[str, Any], text: str, client_id: str
) -> httpx.Response:
    return client.post(
        f"/widget/v1/sessions/{session['session_id']}/messages",
        params={"key": key},
        headers={"Origin": SITE, "X-Session-Token": session["session_token"]},
        json={"text": text, "client_message_id": client_id},
    )


def start_over_http(client: httpx.Client, key: str, visitor: str) -> dict[str, Any]:
    response = client.post(
        "/widget/v1/sessions",
        params={"key": key},
        headers={"Origin": SITE},
        json={"visitor_id": visitor},
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


def history_over_http(client: httpx.Client, key: str, session: dict[str, Any]) -> list[Any]:
    response = client.get(
        f"/widget/v1/sessions/{session['session_id']}/messages",
        params={"key": key},
        headers={"Origin": SITE, "X-Session-Token": session["session_token"]},
    )
    assert response.status_code == 200, response.text
    return list(response.json()["items"])


# --- many visitors at once -------------------------------------------------------------


@pytest.mark.critical
@pytest.mark.parametrize("server", [FAST_LIMITS], indirect=True)
def test_a_dozen_visitors_asking_at_once_each_get_their_own_answers(
    server: ApiServer, site: Site
) -> None:
    questions = ["Shipping to Canada?", "How do returns work?", "Refund within 30 days?"]

    def visitor(n: int) -> tuple[dict[str, Any], list[int]]:
        with httpx.Client(base_url=server.url, timeout=30) as client:
            session = start_over_http(client, site.key, f"crowd-{n}")
            statuses = [
                ask_over_http(client, site.key, session, f"{q} ({n})", f"c{n}-{i}").status_code
                for i, q in enumerate(questions)
            ]
            return session, statuses

    with ThreadPoolExecutor(12) as pool:
        results = list(pool.map(visitor, range(12)))
    with httpx.Client(base_url=server.url, timeout=30) as client:
        for n, (session, statuses) in enumerate(results):
            assert statuses == [200, 200, 200]
            items = history_over_http(client, site.key, session)
            assert [m["role"] for m in items] == ["visitor", "assistant"] * 3
            assert [m["text"] for m in items if m["role"] == "visitor"] == [
                f"{q} ({n})" for q in questions
            ], "another visitor's question leaked into this session"


@pytest.mark.critical
@pytest.mark.parametrize("server", [FAST_LIMITS], indirect=True)
def test_one_message_sent_eight_times_at_once_is_stored_and_answered_once(
    server: ApiServer, site: Site
) -> None:
    with httpx.Client(base_url=server.url, timeout=30) as client:
        session = start_over_http(client, site.key, "impatient")
    barrier = threading.Barrier(8)

    def send(_: int) -> httpx.Response:
        with httpx.Client(base_url=server.url, timeout=30) as client:
            barrier.wait()
            return ask_over_http(client, site.key, session, "Shipping to Canada?", "same-1")

    with ThreadPoolExecutor(8) as pool:
        responses = list(pool.map(send, range(8)))
    ok = [r for r in responses if r.status_code == 200]
    assert ok and all(r.status_code in (200, 409) for r in responses), [r.text for r in responses]
    assert len({r.json()["message_id"] for r in ok}) == 1, "answered more than once"
    with httpx.Client(base_url=server.url, timeout=30) as client:
        items = history_over_http(client, site.key, session)
    assert [m["role"] for m in items] == ["visitor", "assistant"]
    usage = site.client.get("/api/v1/workspace", headers=site.headers).json()["usage"]
    assert usage["messages_this_month"] == 1, "counted more than once"


@pytest.mark.parametrize("server", [FAST_LIMITS], indirect=True)
def test_twenty_sessions_opened_at_once_are_distinct_and_sealed(
    server: ApiServer, site: Site
) -> None:
    def start(n: int) -> dict[str, Any]:
        with httpx.Client(base_url=server.url, timeout=30) as client:
            return start_over_http(client, site.key, f"rush-{n}")

    with ThreadPoolExecutor(10) as pool:
        sessions = list(pool.map(start, range(20)))
    assert len({s["session_id"] for s in sessions}) == 20
    with httpx.Client(base_url=server.url, timeout=30) as client:
        first, second = sessions[0], sessions[1]
        crossed = client.get(
            f"/widget/v1/sessions/{second['session_id']}/messages",
            params={"key": site.key},
            headers={"Origin": SITE, "X-Session-Token": first["session_token"]},
        )
        assert crossed.status_code == 403


# --- markup in every setting -----------------------------------------------------------

PAYLOAD = '"><script>alert(1)</script><img src=x onerror=a()>'
SETTINGS_FIELDS = (
    "title",
    "greeting",
    "placeholder",
    "no_answer_message",
    "rate_limited_message",
    "suggested_questions",
)


@pytest.mark.parametrize("field", [*SETTINGS_FIELDS, "name"])
def test_markup_in_a_setting_is_inert_in_the_preview_and_verbatim_in_config(
    shop: Site, field: str
) -> None:
    value: Any = [PAYLOAD] if field == "suggested_questions" else PAYLOAD
    body = {"name": PAYLOAD} if field == "name" else {"settings": {field: value}}
    response = shop.client.post(
        "/api/v1/embed-codes",
        json={"name": "X", "allowed_domains": ["shop.example.com"], **body},
        headers=shop.headers,
    )
    assert response.status_code == 201, response.text
    code = response.json()
    preview = shop.client.get(f"/api/v1/embed-codes/{code['id']}/preview", headers=shop.headers)
    assert preview.status_code == 200
    assert "<script>alert" not in preview.text and "<img src=x" not in preview.text
    assert "unsafe-inline" not in preview.headers["content-security-policy"]
    assert PAYLOAD not in code["snippet"]
    config = Site(shop.client, shop.headers, code).widget("GET", "/config")
    assert config.headers["content-type"].startswith("application/json")
    if field in ("title", "greeting", "placeholder", "suggested_questions"):
        assert config.json()[field] == value, "stored and served as text, not cleaned away"
    if field == "title":
        assert html.escape(PAYLOAD, quote=False) in preview.text or PAYLOAD not in preview.text


@pytest.mark.parametrize(
    "text",
    ["", "   \n\t ", "a\x00b", "x" * 4001],
    ids=["empty", "only-whitespace", "nul", "too-long"],
)
def test_text_no_visitor_can_mean_is_refused_and_nothing_is_stored(shop: Site, text: str) -> None:
    session = shop.start()
    response = shop.ask(session, text)
    assert response.status_code in (413, 422), response.text
    assert response.json()["code"] in ("validation_error", "payload_too_large")
    assert shop.history(session).json()["items"] == []


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("Ship to Zürich? 🚚", "Ship to Zürich? 🚚"),
        ("Line one\nLine two", "Line one\nLine two"),
        ("שלום \u202eevil", "שלום evil"),  # a bidi override could disguise the text
        ("a\u200bb\u200bc", "abc"),  # zero-width characters hide words from agents
    ],
    ids=["unicode", "newline", "rtl-override", "zero-width"],
)
def test_honest_text_is_stored_as_sent_and_invisible_tricks_are_dropped(
    shop: Site, text: str, shown: str
) -> None:
    session = shop.start()
    assert shop.ask(session, text).status_code == 200
    visitor = [m for m in shop.history(session).json()["items"] if m["role"] == "visitor"]
    assert [m["text"] for m in visitor] == [shown]


@pytest.mark.parametrize("visitor_id", ["v" * 5000, "a\x00b", "<script>", "../../etc/passwd"])
def test_a_hostile_visitor_id_never_makes_a_server_error(shop: Site, visitor_id: str) -> None:
    response = shop.widget("POST", "/sessions", json={"visitor_id": visitor_id})
    assert response.status_code in (201, 422), response.text
    if response.status_code == 201:
        session = response.json()
        assert shop.ask(session, "Shipping?").status_code == 200


def test_a_deleted_embed_code_ends_its_sessions_at_once(shop: Site) -> None:
    created = shop.client.post(
        "/api/v1/embed-codes",
        json={"name": "Temp", "allowed_domains": ["shop.example.com"]},
        headers=shop.headers,
    ).json()
    temp = Site(shop.client, shop.headers, created)
    session = temp.start()
    assert temp.ask(session, "Shipping?").status_code == 200
    gone = shop.client.delete(f"/api/v1/embed-codes/{created['id']}", headers=shop.headers)
    assert gone.status_code == 204
    assert temp.ask(session, "Still there?").status_code == 401
    assert temp.history(session).status_code == 401
    assert temp.widget("GET", "/config").status_code == 401


# --- limits that cascade ---------------------------------------------------------------


@pytest.mark.critical
def test_a_workspace_limit_spent_by_the_widget_also_stops_the_api_but_no_other_workspace(
    database_url: str, tmp_path: Path
) -> None:
    with widget_client(
        database_url, tmp_path, rate_limit_ip="1000/minute", rate_limit_workspace="3/minute"
    ) as client:
        site = new_site(client, documents=False)
        session = site.start()
        assert [site.ask(session, f"q{i}").status_code for i in range(3)] == [200, 200, 200]
        widget_refused = site.ask(session, "q3")
        assert widget_refused.status_code == 429
        api = client.post("/api/v1/chat", json={"message": "hello"}, headers=site.headers)
        assert api.status_code == 429 and int(api.headers["retry-after"]) >= 1
        other = new_site(client, documents=False)
        assert other.ask(other.start(), "hello").status_code == 200
        texts = [m["text"] for m in site.history(session).json()["items"] if m["role"] == "visitor"]
        assert texts == ["q0", "q1", "q2"], "a refused message was stored"


def test_a_busy_embed_code_leaves_its_sibling_and_the_api_alone(
    database_url: str, tmp_path: Path
) -> None:
    with widget_client(
        database_url, tmp_path, rate_limit_ip="1000/minute", rate_limit_embed="2/minute"
    ) as client:
        site = new_site(client, documents=False)
        session = site.start()
        assert [site.ask(session, f"q{i}").status_code for i in range(3)] == [200, 200, 429]
        api = client.post("/api/v1/chat", json={"message": "hello"}, headers=site.headers)
        assert api.status_code == 200
        sibling = client.post(
            "/api/v1/embed-codes",
            json={"name": "Blog", "allowed_domains": ["shop.example.com"]},
            headers=site.headers,
        ).json()
        blog = Site(client, site.headers, sibling)
        assert blog.ask(blog.start(), "hello").status_code == 200


# --- failing services ------------------------------------------------------------------


@pytest.fixture(scope="module")
def llm() -> Iterator[FakeChatServer]:
    server = FakeChatServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def llm_shop(
    llm: FakeChatServer, database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Site]:
    with widget_client(
        database_url,
        tmp_path_factory.mktemp("llm"),
        llm="openai",
        llm_base_url=llm.base_url,
        llm_model="m",
        llm_timeout_seconds="1",
        **FAST_LIMITS,
    ) as client:
        yield new_site(client)


LLM_FAULTS = {
    "500": ChatReply(kind="status", status=500),
    "429 with retry-after": ChatReply(kind="status", status=429, headers={"Retry-After": "30"}),
    "hangs": ChatReply(kind="hang"),
}
# After the first tokens are out, a streaming client has seen half an answer; the server
# says so (503) instead of splicing in another model's words, and the retry answers once.
MID_STREAM_FAULTS = {
    "hangs mid-answer": ChatReply(kind="hang_mid"),
    "malformed stream": ChatReply(kind="malformed"),
    "error event mid-stream": ChatReply(kind="error_event"),
    "connection dropped": ChatReply(kind="drop"),
}


@pytest.mark.critical
@pytest.mark.parametrize("fault", sorted(LLM_FAULTS))
def test_with_the_llm_failing_visitors_still_get_one_grounded_answer(
    llm: FakeChatServer, llm_shop: Site, fault: str
) -> None:
    llm.reset()
    llm.script(*[LLM_FAULTS[fault]] * 4)
    session = llm_shop.start()
    started = time.monotonic()
    response = llm_shop.ask(
        session, "How long does shipping to Canada take?", client_message_id="f"
    )
    assert response.status_code == 200, response.text
    assert time.monotonic() - started < 5, "a failing LLM held the visitor"
    answer = response.json()
    assert answer["action"] == "answered" and "5 to 8 business days" in answer["answer"]
    again = llm_shop.ask(session, "How long does shipping to Canada take?", client_message_id="f")
    assert again.json()["message_id"] == answer["message_id"]
    items = llm_shop.history(session).json()["items"]
    assert [m["role"] for m in items] == ["visitor", "assistant"]
    assert items[1]["text"] == answer["answer"], "the stored answer is the one shown"
    llm.reset()


@pytest.mark.critical
@pytest.mark.parametrize("fault", sorted(MID_STREAM_FAULTS))
def test_an_llm_breaking_mid_answer_costs_one_retry_and_stores_no_half_answer(
    llm: FakeChatServer, llm_shop: Site, fault: str
) -> None:
    llm.reset()
    llm.script(MID_STREAM_FAULTS[fault])
    session = llm_shop.start()
    question = "How long does shipping to Canada take?"
    first = llm_shop.ask(session, question, client_message_id="m")
    assert first.status_code in (200, 503), first.text
    if first.status_code == 503:
        assert first.json()["code"] == "service_unavailable"
        assert "Traceback" not in first.text
    retried = llm_shop.ask(session, question, client_message_id="m")
    assert retried.status_code == 200, retried.text
    if first.status_code == 200:
        assert retried.json()["message_id"] == first.json()["message_id"]
    items = llm_shop.history(session).json()["items"]
    assert [m["role"] for m in items] == ["visitor", "assistant"], "answered twice"
    assert items[1]["text"] == retried.json()["answer"]
    llm.reset()


@pytest.mark.parametrize(
    "garbage",
    [("\x00\x01\x02",), ('{"choices": [}',), ("",), ("Visit https://evil.example/win now!",)],
    ids=["control-bytes", "json-fragment", "empty", "unsourced-link"],
)
def test_garbage_from_the_llm_never_reaches_a_visitor(
    llm: FakeChatServer, llm_shop: Site, garbage: tuple[str, ...]
) -> None:
    llm.reset()
    llm.script(*[ChatReply(kind="ok", deltas=garbage)] * 4)
    session = llm_shop.start()
    response = llm_shop.ask(session, "How long does shipping to Canada take?")
    assert response.status_code == 200, response.text
    answer = response.json()["answer"]
    assert answer.strip(), "an empty answer"
    assert "\x00" not in answer and "evil.example" not in answer and '{"choices"' not in answer
    llm.reset()


@pytest.mark.critical
def test_with_redis_frozen_then_stopped_the_widget_answers_and_still_limits(
    database_url: str, tmp_path: Path
) -> None:
    with (
        private_redis(tmp_path) as redis,
        widget_client(
            database_url, tmp_path, redis_url=redis.url, rate_limit_embed="6/minute"
        ) as client,
    ):
        site = new_site(client, documents=False)
        session = site.start()
        assert site.ask(session, "before").status_code == 200
        redis.freeze()
        timings = []
        for text in ("frozen one", "frozen two"):
            started = time.perf_counter()
            assert site.ask(session, text).status_code == 200
            timings.append(time.perf_counter() - started)
        assert max(timings) < 1.5, timings
        redis.stop()
        statuses = [site.ask(session, f"stopped {i}").status_code for i in range(6)]
        assert statuses[0] == 200 and 429 in statuses, "limits stopped working with Redis"
        texts = [m["text"] for m in site.history(session).json()["items"] if m["role"] == "visitor"]
        assert texts[:3] == ["before", "frozen one", "frozen two"]
        assert client.get("/health/ready").status_code in (200, 503)


def test_a_widget_session_survives_an_app_restart(database_url: str, tmp_path: Path) -> None:
    """Tokens are signed, sessions stored: a deploy mid-conversation loses nobody."""
    with widget_client(database_url, tmp_path, **FAST_LIMITS) as client:
        site = new_site(client, documents=False)
        session = site.start()
        assert site.ask(session, "before the deploy").status_code == 200
    with widget_client(database_url, tmp_path, **FAST_LIMITS) as client:
        again = Site(client, site.headers, site.code)
        assert again.ask(session, "after the deploy").status_code == 200
        texts = [
            m["text"] for m in again.history(session).json()["items"] if m["role"] == "visitor"
        ]
        assert texts == ["before the deploy", "after the deploy"]


def test_the_script_and_config_stay_fast_under_a_burst(shop: Site) -> None:
    client: TestClient[Any] = shop.client
    etag = client.get("/widget/v1/widget.js").headers["etag"]
    started = time.perf_counter()
    for _ in range(100):
        assert (
            client.get("/widget/v1/widget.js", headers={"If-None-Match": etag}).status_code == 304
        )
        assert shop.widget("GET", "/config").status_code == 200
    assert time.perf_counter() - started < 10
