"""The analytics API over HTTP: real chat traffic in, figures (JSON and CSV) out."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient

from tests.integration.account_helpers import (
    assert_problem,
    assert_validation_error,
    auth,
    member_token,
    register,
)
from tests.integration.test_http_chat import chat, chat_client, with_documents

REPORTS = (
    "summary",
    "queries-over-time",
    "top-queries",
    "documents",
    "embed-codes",
    "quality",
    "gaps",
)


@pytest.fixture(scope="module")
def traffic(
    database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[TestClient[Any], dict[str, str], str]]:
    """A workspace with one session: an answered question, then an off-topic one."""
    with chat_client(database_url, Path(tmp_path_factory.mktemp("analytics"))) as client:
        headers = with_documents(client)
        owner = {"access_token": headers["Authorization"].removeprefix("Bearer ")}
        agent = auth(member_token(client, owner, "agent"))
        first = chat(client, headers, "How long does shipping to Canada take?").json()
        assert first["action"] == "answered"
        session = first["session_id"]
        second = chat(client, headers, "Who painted the Mona Lisa?", session_id=session).json()
        assert second["action"] == "no_answer"
        yield client, agent, session


def test_an_agent_reads_every_report(traffic: tuple[TestClient[Any], dict[str, str], str]) -> None:
    client, agent, _ = traffic
    for name in REPORTS:
        response = client.get(f"/api/v1/analytics/{name}", headers=agent)
        assert response.status_code == 200, (name, response.text)
    summary = client.get("/api/v1/analytics/summary", headers=agent).json()
    assert summary.keys() >= {
        "total_queries",
        "total_sessions",
        "unique_visitors",
        "answered_rate",
        "avg_response_ms",
        "p95_response_ms",
        "positive_feedback_rate",
        "handoff_rate",
        "documents",
        "chunks",
        "resolved_sessions",
        "pending_sessions",
        "resolution_rate",
    }
    assert (summary["total_queries"], summary["total_sessions"]) == (2, 1)
    assert (summary["answered_rate"], summary["pending_sessions"], summary["documents"]) == (
        0.5,
        1,
        2,
    )
    quality = client.get("/api/v1/analytics/quality", headers=agent).json()
    assert quality["unanswered"] == [{"query": "who painted the mona lisa", "count": 1}]
    gaps = client.get("/api/v1/analytics/gaps", headers=agent).json()["items"]
    # The hashing embedder's answers are under 0.5 confidence: both questions are gaps.
    assert [(g["label"], g["count"], g["visitors"], g["examples"]) for g in gaps] == [
        ("how long does shipping to canada take", 1, 1, ["how long does shipping to canada take"]),
        ("who painted the mona lisa", 1, 1, ["who painted the mona lisa"]),
    ]
    assert gaps[0]["nearest_documents"][0]["title"] == "Shipping"
    documents = client.get("/api/v1/analytics/documents", headers=agent).json()["items"]
    assert [(d["title"], d["citations"]) for d in documents] == [("Shipping", 1), ("Contact", 0)]


def test_buckets_carry_the_zone_offset(
    traffic: tuple[TestClient[Any], dict[str, str], str],
) -> None:
    client, agent, _ = traffic
    response = client.get(
        "/api/v1/analytics/queries-over-time",
        params={"from": "2026-03-28", "to": "2026-03-30", "tz": "Europe/Amsterdam"},
        headers=agent,
    )
    assert response.status_code == 200, response.text
    assert response.json() == {
        "interval": "day",
        "points": [
            {
                "bucket_start": start,
                "queries": 0,
                "sessions": 0,
                "resolved_sessions": 0,
                "pending_sessions": 0,
                "handoff_sessions": 0,
                "resolution_rate": 0.0,
                "handoff_rate": 0.0,
            }
            for start in (
                "2026-03-28T00:00:00+01:00",
                "2026-03-29T00:00:00+01:00",
                "2026-03-30T00:00:00+02:00",
            )
        ],
    }


def test_every_report_answers_csv(traffic: tuple[TestClient[Any], dict[str, str], str]) -> None:
    client, agent, _ = traffic
    for name in REPORTS:
        response = client.get(f"/api/v1/analytics/{name}", params={"format": "csv"}, headers=agent)
        assert response.status_code == 200, (name, response.text)
        assert response.headers["content-type"].startswith("text/csv")
        rows = list(csv.DictReader(io.StringIO(response.text)))
        if name == "summary":
            assert rows[0]["total_queries"] == "2"
        if name == "top-queries":
            assert {r["query"] for r in rows} == {
                "how long does shipping to canada take",
                "who painted the mona lisa",
            }


def test_unknown_zone_and_bad_parameters_are_422(
    traffic: tuple[TestClient[Any], dict[str, str], str],
) -> None:
    client, agent, _ = traffic
    for params, field in (
        ({"tz": "Mars/Base"}, "tz"),
        ({"tz": "+05:30"}, "tz"),
        ({"from": "2026-04-02", "to": "2026-04-01"}, "from"),
        ({"interval": "minute"}, "interval"),
        ({"format": "xml"}, "format"),
        ({"from": "yesterday"}, "from"),
        # The calendar's edges (they overflowed into a 500): a local midnight of year 10000.
        ({"from": "9999-12-01", "to": "9999-12-31"}, "from"),
        ({"from": "0001-01-01", "to": "0001-01-31", "tz": "Asia/Kolkata"}, "from"),
        ({"from": "2026-01-01", "to": "9999-12-31"}, "to"),
    ):
        response = client.get("/api/v1/analytics/queries-over-time", params=params, headers=agent)
        assert_validation_error(response, field)
    for path in ("/api/v1/analytics/summary", "/api/v1/analytics/gaps"):
        far = client.get(path, params={"from": "9999-12-01", "to": "9999-12-31"}, headers=agent)
        assert_validation_error(far, "from")


def test_reports_need_a_caller(traffic: tuple[TestClient[Any], dict[str, str], str]) -> None:
    client, _, _ = traffic
    assert_problem(client.get("/api/v1/analytics/summary"), 401, "unauthorized")


def test_another_workspace_sees_zeros(traffic: tuple[TestClient[Any], dict[str, str], str]) -> None:
    client, _, _ = traffic
    other = auth(register(client)["access_token"])
    summary = client.get("/api/v1/analytics/summary", headers=other).json()
    assert summary["total_queries"] == summary["total_sessions"] == summary["documents"] == 0
    assert client.get("/api/v1/analytics/top-queries", headers=other).json() == {"items": []}
