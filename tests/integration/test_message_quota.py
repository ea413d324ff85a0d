"""The monthly message quota holds under concurrency in PostgreSQL, and answers 402 past it."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from application.principal import Principal
from application.use_cases.answer_message import AskInput
from application.use_cases.register_account import RegisterInput
from bootstrap.container import build_container, start, stop
from domain.errors import QuotaExceeded
from tests.conftest import make_settings
from tests.integration.conftest import make_client
from tests.integration.knowledge_helpers import owner


def plans_file(tmp_path: Path, messages: int) -> str:
    path = tmp_path / "plans.toml"
    path.write_text(f"[plans.free]\nmessages_per_month = {messages}\n")
    return str(path)


@pytest.mark.critical
async def test_forty_visitors_against_thirty_messages_get_exactly_thirty_answers(
    database_url: str, tmp_path: Path
) -> None:
    settings = make_settings(
        database_url=database_url, data_dir=str(tmp_path / "d"), plans_file=plans_file(tmp_path, 30)
    )
    container = build_container(settings)
    await start(container)
    try:
        register = container.register_account()
        result = await register.execute(
            RegisterInput("quota@example.com", "a-good-password", "Q", "Q")
        )
        answer = container.answer_message()
        asks = [answer.execute(result.workspace.id, AskInput(f"question {n}")) for n in range(40)]
        outcomes = await asyncio.gather(*asks, return_exceptions=True)
        unexpected = [
            o for o in outcomes if isinstance(o, Exception) and not isinstance(o, QuotaExceeded)
        ]
        assert not unexpected, unexpected
        assert sum(not isinstance(o, Exception) for o in outcomes) == 30
        principal = Principal(result.workspace.id, result.user.role, user_id=result.user.id)
        view = await container.get_workspace().execute(principal)
        assert view.usage.messages_this_month == 30 and view.limits.messages_per_month == 30
    finally:
        await stop(container)


def test_past_the_quota_chat_answers_402_and_a_plan_change_lifts_it(
    database_url: str, tmp_path: Path
) -> None:
    settings = make_settings(
        database_url=database_url, data_dir=str(tmp_path / "d"), plans_file=plans_file(tmp_path, 2)
    )
    with make_client(settings) as client:
        headers = owner(client, plan=None)
        for _ in range(2):
            assert (
                client.post("/api/v1/chat", json={"message": "hi"}, headers=headers).status_code
                == 200
            )
        refused = client.post("/api/v1/chat", json={"message": "hi"}, headers=headers)
        assert refused.status_code == 402 and refused.json()["code"] == "quota_exceeded"
        assert "messages" in refused.json()["detail"]
        assert (
            client.get("/api/v1/workspace", headers=headers).json()["usage"]["messages_this_month"]
            == 2
        )
        assert (
            client.put("/api/v1/workspace/plan", json={"plan": "pro"}, headers=headers).status_code
            == 200
        )
        assert (
            client.post("/api/v1/chat", json={"message": "hi"}, headers=headers).status_code == 200
        )


def test_the_workspace_limit_trips_at_its_number_with_headers(
    database_url: str, tmp_path: Path
) -> None:
    settings = make_settings(
        database_url=database_url, data_dir=str(tmp_path / "d"), rate_limit_workspace="3/minute"
    )
    with make_client(settings) as client:
        busy, quiet = owner(client, plan=None), owner(client, plan=None)
        remaining = []
        for _ in range(3):
            response = client.post("/api/v1/chat", json={"message": "hi"}, headers=busy)
            assert response.status_code == 200 and response.headers["RateLimit-Limit"] == "3"
            remaining.append(response.headers["RateLimit-Remaining"])
            assert 1 <= int(response.headers["RateLimit-Reset"]) <= 60
        assert remaining == ["2", "1", "0"]
        refused = client.post("/api/v1/chat", json={"message": "hi"}, headers=busy)
        assert refused.status_code == 429 and refused.json()["code"] == "rate_limited"
        assert (
            int(refused.headers["Retry-After"]) >= 1
            and refused.headers["RateLimit-Remaining"] == "0"
        )
        # One workspace's traffic never consumes another's budget.
        other = client.post("/api/v1/chat", json={"message": "hi"}, headers=quiet)
        assert other.status_code == 200 and other.headers["RateLimit-Remaining"] == "2"
