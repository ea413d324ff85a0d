"""The backend's rules where only the real database can prove them: what is stored for
secrets, races (the same refresh token, e-mail, seat or plan slot asked for at once), the
conversation workflow under handoff, document validation and chunking, origin matching,
limits shared between two app nodes through Redis, and plan limits that hold under
concurrency and across a downgrade.

The single-request rules are in the unit tests and test_http_*.py; this suite adds the
cases that need PostgreSQL, Redis or concurrency to be meaningful."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
from litestar.testing import TestClient
from sqlalchemy import create_engine
from sqlalchemy import text as sql_text
from sqlalchemy.engine import make_url

from bootstrap.app import create_app
from tests.conftest import make_settings
from tests.integration.account_helpers import PASSWORD, assert_problem, auth, register
from tests.integration.knowledge_helpers import owner, wait_settled
from tests.integration.live_server import ApiServer
from tests.integration.redis_server import free_port
from tests.integration.test_rate_limiter_contract import REDIS_URL
from tests.integration.test_websockets import redis_reachable
from tests.integration.widget_helpers import Site, new_site, widget_client


def sql(database_url: str, query: str, **params: Any) -> list[Any]:
    engine = create_engine(make_url(database_url).set(drivername="postgresql+psycopg"))
    try:
        with engine.connect() as conn:
            return list(conn.execute(sql_text(query), params).all())
    finally:
        engine.dispose()


def at_once(n: int, call: Callable[[int], Any]) -> list[Any]:
    barrier = threading.Barrier(n)

    def go(i: int) -> Any:
        barrier.wait()
        return call(i)

    with ThreadPoolExecutor(n) as pool:
        return list(pool.map(go, range(n)))


PLANS = """
[plans.free]
documents = 3
embed_codes = 2
seats = 2
messages_per_month = 1000
"""


@pytest.fixture
def live(database_url: str, tmp_path: Path) -> Iterator[ApiServer]:
    plans = tmp_path / "plans.toml"
    plans.write_text(PLANS)
    settings = make_settings(
        database_url=database_url,
        data_dir=str(tmp_path / "d"),
        plans_file=str(plans),
        job_poll_seconds="0.05",
        rate_limit_login="1000/minute",
    )
    with ApiServer(create_app(settings), free_port()) as server:
        yield server


def post(server: ApiServer, path: str, body: Any, headers: dict[str, str] | None = None) -> Any:
    with httpx.Client(base_url=server.url, timeout=30) as client:
        return client.post(path, json=body, headers=headers or {})


# --- secrets as stored ------------------------------------------------------------------


@pytest.mark.critical
def test_a_password_is_stored_as_an_argon2id_hash_only(
    client: TestClient[Any], database_url: str
) -> None:
    account = register(client)
    rows = sql(
        database_url,
        "SELECT password_hash FROM users WHERE email = :email",
        email=account["user"]["email"],
    )
    (stored,) = rows[0]
    assert stored.startswith("$argon2id$") and PASSWORD not in stored


@pytest.mark.critical
def test_an_api_key_is_stored_hashed_and_shown_once(
    client: TestClient[Any], database_url: str
) -> None:
    account = register(client)
    created = client.post(
        "/api/v1/api-keys", json={"name": "ci"}, headers=auth(account["access_token"])
    )
    key = created.json()["key"]
    stored = sql(
        database_url, "SELECT key_hash FROM api_keys WHERE id = :id", id=created.json()["id"]
    )
    assert (
        stored and key not in str(stored[0]) and key.removeprefix("ccgpt_sk_") not in str(stored[0])
    )
    listed = client.get("/api/v1/api-keys", headers=auth(account["access_token"])).text
    assert key not in listed
    assert client.get("/api/v1/me", headers=auth(key)).status_code == 200


def test_an_access_token_lives_as_long_as_it_says(client: TestClient[Any]) -> None:
    account = register(client)
    claims = jwt.decode(account["access_token"], options={"verify_signature": False})
    assert claims["exp"] - claims["iat"] == account["expires_in"]
    assert jwt.get_unverified_header(account["access_token"])["alg"] == "HS256"


def test_a_stronger_hashing_setting_rehashes_on_the_next_login(
    database_url: str, tmp_path: Path
) -> None:
    weak = make_settings(database_url=database_url, data_dir=str(tmp_path / "a"))
    with TestClient(create_app(weak)) as client:
        account = register(client)
    email = account["user"]["email"]
    before = sql(database_url, "SELECT password_hash FROM users WHERE email = :e", e=email)[0][0]
    strong = make_settings(
        database_url=database_url, data_dir=str(tmp_path / "b"), password_hash_time_cost="2"
    )
    with TestClient(create_app(strong)) as client:
        login = client.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD})
        assert login.status_code == 200
    after = sql(database_url, "SELECT password_hash FROM users WHERE email = :e", e=email)[0][0]
    assert after != before and "t=2" in after


# --- races --------------------------------------------------------------------------------


@pytest.mark.critical
def test_one_refresh_token_spent_five_times_at_once_yields_one_new_pair(live: ApiServer) -> None:
    with httpx.Client(base_url=live.url, timeout=30) as client:
        account = register(client)  # type: ignore[arg-type]
    results = at_once(
        5, lambda _: post(live, "/api/v1/auth/refresh", {"refresh_token": account["refresh_token"]})
    )
    assert sorted(r.status_code for r in results) == [200, 401, 401, 401, 401]


@pytest.mark.critical
def test_one_email_registered_five_times_at_once_makes_one_account(live: ApiServer) -> None:
    email = f"{uuid.uuid4().hex[:10]}@example.com"
    body = {"email": email, "password": PASSWORD, "full_name": "R", "workspace_name": "W"}
    results = at_once(5, lambda _: post(live, "/api/v1/auth/register", body))
    assert sorted(r.status_code for r in results) == [201, 409, 409, 409, 409]
    assert {r.json()["code"] for r in results if r.status_code == 409} == {"email_taken"}


def test_seats_hold_when_members_are_added_at_once(live: ApiServer) -> None:
    with httpx.Client(base_url=live.url, timeout=30) as client:
        headers = owner(client, plan=None)  # type: ignore[arg-type]
        results = at_once(
            4,
            lambda i: post(
                live,
                "/api/v1/workspace/members",
                {"email": f"m{i}-{uuid.uuid4().hex[:6]}@example.com", "full_name": "M"}
                | {"role": "agent", "password": PASSWORD},
                headers,
            ),
        )
        assert sorted(r.status_code for r in results) == [201, 402, 402, 402]
        members = client.get("/api/v1/workspace/members", headers=headers).json()["items"]
        assert len(members) == 2


@pytest.mark.critical
def test_the_document_limit_holds_when_uploads_arrive_at_once(live: ApiServer) -> None:
    with httpx.Client(base_url=live.url, timeout=30) as client:
        headers = owner(client, plan=None)  # type: ignore[arg-type]
        results = at_once(
            6,
            lambda i: post(
                live,
                "/api/v1/documents/text",
                {"title": f"Doc {i}", "content": f"Fact number {i} about kayaks."},
                headers,
            ),
        )
        assert sorted(r.status_code for r in results) == [202, 202, 202, 402, 402, 402]
        listed = client.get("/api/v1/documents", headers=headers).json()["items"]
        assert len(listed) == 3


def test_the_embed_code_limit_holds_when_codes_are_created_at_once(live: ApiServer) -> None:
    with httpx.Client(base_url=live.url, timeout=30) as client:
        headers = owner(client, plan=None)  # type: ignore[arg-type]
        results = at_once(
            5,
            lambda i: post(
                live, "/api/v1/embed-codes", {"name": f"C{i}", "allowed_domains": []}, headers
            ),
        )
        assert sorted(r.status_code for r in results) == [201, 201, 402, 402, 402]


def test_a_downgrade_keeps_what_exists_and_refuses_what_is_new(live: ApiServer) -> None:
    with httpx.Client(base_url=live.url, timeout=30) as client:
        headers = owner(client, plan="pro")  # type: ignore[arg-type]
        for i in range(5):
            created = client.post(
                "/api/v1/documents/text",
                json={"title": f"D{i}", "content": f"Kayak fact {i}."},
                headers=headers,
            )
            assert created.status_code == 202
        down = client.put("/api/v1/workspace/plan", json={"plan": "free"}, headers=headers)
        assert down.status_code == 200
        listed = client.get("/api/v1/documents", headers=headers).json()["items"]
        assert len(listed) == 5, "a downgrade never deletes a customer's documents"
        refused = client.post(
            "/api/v1/documents/text", json={"title": "D6", "content": "More."}, headers=headers
        )
        assert_problem(refused, 402, "quota_exceeded")  # type: ignore[arg-type]


# --- the conversation workflow ------------------------------------------------------------


@pytest.fixture(scope="module")
def shop(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    with widget_client(
        database_url,
        tmp_path_factory.mktemp("logic"),
        rate_limit_ip="10000/minute",
        rate_limit_embed="10000/minute",
    ) as client:
        yield new_site(client)


@pytest.mark.critical
def test_after_a_takeover_the_bot_never_answers_until_released(shop: Site) -> None:
    session = shop.start()
    sid = session["session_id"]
    assert shop.ask(session, "Shipping to Canada?").json()["action"] == "answered"
    shop.client.post(f"/api/v1/conversations/{sid}/takeover", headers=shop.headers)
    for text in ("Hello?", "Shipping to Canada?", "Returns?"):
        assert shop.ask(session, text).json()["action"] == "handoff"
    roles = [m["role"] for m in shop.history(session).json()["items"]]
    assert roles == ["visitor", "assistant", "visitor", "visitor", "visitor"]
    released = shop.client.post(f"/api/v1/conversations/{sid}/release", headers=shop.headers)
    assert released.json()["status"] == "bot"
    assert shop.ask(session, "Shipping to Canada?").json()["action"] == "answered"


def test_sequence_numbers_grow_by_one_with_every_stored_message(shop: Site) -> None:
    session = shop.start()
    sid = session["session_id"]
    shop.ask(session, "Shipping to Canada?")
    shop.client.post(f"/api/v1/conversations/{sid}/takeover", headers=shop.headers)
    shop.client.post(
        f"/api/v1/conversations/{sid}/messages", json={"text": "Hi"}, headers=shop.headers
    )
    shop.ask(session, "Thanks")
    seqs = [m["seq"] for m in shop.history(session).json()["items"]]
    assert seqs == list(range(1, len(seqs) + 1)) and len(seqs) == 4


def test_the_conversation_list_agrees_with_its_messages(shop: Site) -> None:
    session = shop.start()
    for text in ("One?", "Two?", "Three?"):
        shop.ask(session, text)
    listed = shop.client.get(
        "/api/v1/conversations",
        params={"embed_code_id": shop.code["id"], "limit": 100},
        headers=shop.headers,
    ).json()["items"]
    mine = next(c for c in listed if c["id"] == session["session_id"])
    detail = shop.client.get(
        f"/api/v1/conversations/{session['session_id']}", headers=shop.headers
    ).json()
    assert mine["message_count"] == len(detail["messages"]) == 6
    assert mine["last_message_at"] == detail["messages"][-1]["created_at"]


# --- documents: validation and chunking ---------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        {"title": "", "content": "Text"},
        {"title": "T", "content": ""},
        {"title": "T", "content": "   \n  "},
        {"title": "T" * 1000, "content": "Text"},
        {"title": "T", "content": "a\u0000b"},
    ],
    ids=["empty-title", "empty-content", "blank-content", "long-title", "nul"],
)
def test_a_text_document_nobody_could_use_is_refused_and_not_stored(
    shop: Site, body: dict[str, str]
) -> None:
    before = len(
        shop.client.get("/api/v1/documents?limit=100", headers=shop.headers).json()["items"]
    )
    response = shop.client.post("/api/v1/documents/text", json=body, headers=shop.headers)
    assert_problem(response, 422, "validation_error")  # type: ignore[arg-type]
    after = len(
        shop.client.get("/api/v1/documents?limit=100", headers=shop.headers).json()["items"]
    )
    assert after == before


@pytest.mark.critical
def test_chunks_are_ordered_and_cover_every_sentence_of_a_long_document(shop: Site) -> None:
    sentences = [f"Fact {n}: the {n}th paddle weighs {n + 100} grams." for n in range(400)]
    body = "\n\n".join(
        f"## Part {p}\n\n" + " ".join(sentences[p * 20 : (p + 1) * 20]) for p in range(20)
    )
    created = shop.client.post(
        "/api/v1/documents/text", json={"title": "Paddles", "content": body}, headers=shop.headers
    ).json()
    document = wait_settled(shop.client, shop.headers, created["id"])
    assert document["status"] == "ready"
    chunks = []
    cursor = None
    while True:
        params = {"limit": 100, **({"cursor": cursor} if cursor else {})}
        page = shop.client.get(
            f"/api/v1/documents/{created['id']}/chunks", params=params, headers=shop.headers
        ).json()
        chunks += page["items"]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert len(chunks) == document["chunk_count"] > 1
    assert [c["ordinal"] for c in chunks] == list(range(len(chunks)))
    joined = " ".join(c["text"] for c in chunks)
    assert [s for s in sentences if s not in joined] == [], "a sentence fell between chunks"
    assert all(c["text"].strip() and c["token_count"] > 0 for c in chunks), "an empty chunk"


# --- origin matching ----------------------------------------------------------------------

ORIGINS = [
    ("https://shop.example.com", True),
    ("https://SHOP.example.com", True),
    ("https://shop.example.com:8443", True),
    ("https://a.b.example.org", True),
    ("https://example.org", False),  # `*.` is any subdomain, not the bare domain
    ("https://shop.example.com.evil.net", False),
    ("https://evil-shop.example.com", False),
    ("https://staging.example.net:9000", True),
    ("https://staging.example.net:9001", False),
    ("null", False),
]


@pytest.mark.critical
@pytest.mark.parametrize(("origin", "allowed"), ORIGINS, ids=[o for o, _ in ORIGINS])
def test_origins_match_exactly_as_the_contract_says(shop: Site, origin: str, allowed: bool) -> None:
    code = shop.client.post(
        "/api/v1/embed-codes",
        json={
            "name": "Origins",
            "allowed_domains": ["shop.example.com", "*.example.org", "staging.example.net:9000"],
        },
        headers=shop.headers,
    )
    site = Site(shop.client, shop.headers, code.json())
    response = site.widget("POST", "/sessions", origin=origin, json={})
    assert response.status_code == (201 if allowed else 403), response.text
    if not allowed:
        assert response.json()["code"] == "origin_not_allowed"
        assert "access-control-allow-origin" not in response.headers
    shop.client.delete(f"/api/v1/embed-codes/{code.json()['id']}", headers=shop.headers)


# --- limits shared between nodes ----------------------------------------------------------


@pytest.mark.critical
def test_two_nodes_on_one_redis_share_one_embed_code_budget(
    database_url: str, tmp_path: Path
) -> None:
    if not redis_reachable():
        pytest.skip(f"Redis is not reachable at {REDIS_URL}")  # a failure when CI=true
    nodes = [
        make_settings(
            database_url=database_url,
            data_dir=str(tmp_path / name),
            redis_url=REDIS_URL,
            run_worker="false",
            rate_limit_embed="4/minute",
            rate_limit_ip="1000/minute",
        )
        for name in ("a", "b")
    ]
    with TestClient(create_app(nodes[0])) as a, TestClient(create_app(nodes[1])) as b:
        site_a = new_site(a, documents=False)
        site_b = Site(b, site_a.headers, site_a.code)
        session = site_a.start()
        statuses = [
            (site_a if i % 2 else site_b).ask(session, f"q{i}").status_code for i in range(6)
        ]
        assert statuses == [200, 200, 200, 200, 429, 429], "each node kept its own budget"
