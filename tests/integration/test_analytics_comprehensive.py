"""The analytics API over HTTP on a large, known dataset in PostgreSQL: a thousand questions
written through the domain (so every figure is known beforehand), read back by every
report, in every interval and zone, as JSON and CSV, sequentially and twenty at a time,
and while new traffic is being written. Numbers agree with each other and with the data.

Exact small-window figures (clock changes, half-hour zones, resolution) are proven by
test_analytics_contract.py on both adapters; this suite is about scale and agreement."""

from __future__ import annotations

import asyncio
import csv
import io
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from adapters.outbound.postgres.engine import runtime_engine
from adapters.outbound.postgres.unit_of_work import PostgresUnitOfWorkFactory
from bootstrap.app import create_app
from domain.conversations import Action, Conversation, Role, Source, normalise_query
from domain.feedback import Feedback, Rating
from domain.ids import DocumentId, EmbedCodeId, SessionId, WorkspaceId
from tests.conftest import make_settings
from tests.integration.analytics_dataset import _knowledge
from tests.integration.knowledge_helpers import owner
from tests.integration.live_server import ApiServer
from tests.integration.redis_server import free_port

REPORTS = ("summary", "queries-over-time", "top-queries", "documents", "embed-codes", "quality")
POOL = (
    "How do I return an item?",
    "Where is my parcel?",
    "Do you ship to Canada?",
    "What is the warranty?",
    "Can I change my order?",
    "Do you ship to Mars?",
    "How long do refunds take?",
    "Is there a store in Oslo?",
)
SESSIONS = 400


@dataclass
class Expected:
    """What was written, counted as it was written."""

    queries: int = 0
    sessions: int = 0
    visitors: set[str] = field(default_factory=set)
    per_code: Counter[EmbedCodeId | None] = field(default_factory=Counter)
    per_query: Counter[str] = field(default_factory=Counter)
    citations: Counter[DocumentId] = field(default_factory=Counter)
    up: int = 0
    down: int = 0
    per_day: Counter[date] = field(default_factory=Counter)


async def write_traffic(database_url: str, ws: WorkspaceId, now: datetime) -> tuple[Any, Expected]:
    engine = runtime_engine(database_url, pool_size=4)
    uow = PostgresUnitOfWorkFactory(engine)
    try:
        documents, codes = await _knowledge(uow, ws)
        expected = Expected()
        for i in range(SESSIONS):
            code = (codes[0], codes[1], None)[i % 3]
            visitor = f"visitor-{i % 97}" if code else None
            started = (now - timedelta(days=i % 10, hours=1, minutes=i % 50)).replace(microsecond=0)
            async with uow.tenant(ws) as tx:
                conversation = Conversation(
                    SessionId(uuid.uuid4()), ws, started, started, code, visitor
                )
                await tx.conversations.add(conversation)
                for j in range(1 + i % 4):
                    when = started + timedelta(minutes=j)
                    text = POOL[(i + j) % len(POOL)]
                    question = conversation.post(
                        Role.VISITOR, text, when, query=normalise_query(text)
                    )
                    await tx.conversations.add_message(question)
                    answered = (i + j) % 5 != 0
                    cited = (documents[(i + j) % 2],) if answered else ()
                    reply = conversation.answer(
                        question,
                        "reply",
                        when + timedelta(seconds=1),
                        sources=[Source(d, "t", "s") for d in cited],
                        confidence=0.8 if answered else 0.1,
                        action=Action.ANSWERED if answered else Action.NO_ANSWER,
                        latency_ms=100 + (i + j) % 900,
                    )
                    await tx.conversations.add_message(reply)
                    if (i + j) % 7 == 0:
                        rating = Rating.UP if i % 2 else Rating.DOWN
                        await tx.conversations.save_feedback(
                            Feedback(reply.id, ws, conversation.id, rating, None, when)
                        )
                        expected.up += rating is Rating.UP
                        expected.down += rating is Rating.DOWN
                    expected.queries += 1
                    expected.per_code[code] += 1
                    expected.per_query[normalise_query(text)] += 1
                    expected.per_day[when.date()] += 1
                    for d in cited:
                        expected.citations[d] += 1
                await tx.conversations.save(conversation)
                await tx.commit()
            expected.sessions += 1
            if visitor:
                expected.visitors.add(visitor)
        return (documents, codes), expected
    finally:
        await engine.dispose()


@dataclass
class Traffic:
    server: ApiServer
    headers: dict[str, str]
    documents: list[DocumentId]
    codes: list[EmbedCodeId]
    expected: Expected
    window: dict[str, str]

    def get(self, report: str, **params: Any) -> httpx.Response:
        with httpx.Client(base_url=self.server.url, timeout=60) as client:
            return client.get(
                f"/api/v1/analytics/{report}",
                params={**self.window, **params},
                headers=self.headers,
            )


@pytest.fixture(scope="module")
def traffic(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Traffic]:
    settings = make_settings(
        database_url=database_url,
        data_dir=str(Path(tmp_path_factory.mktemp("analytics")) / "d"),
        run_worker="false",
    )
    with (
        ApiServer(create_app(settings), free_port()) as server,
        httpx.Client(base_url=server.url, timeout=30) as client,
    ):
        headers = owner(client)  # type: ignore[arg-type]
        ws = WorkspaceId(uuid.UUID(client.get("/api/v1/workspace", headers=headers).json()["id"]))
        now = datetime.now(UTC)
        (documents, codes), expected = asyncio.run(write_traffic(database_url, ws, now))
        window = {
            "from": (now - timedelta(days=12)).date().isoformat(),
            "to": (now + timedelta(days=1)).date().isoformat(),
        }
        yield Traffic(server, headers, documents, codes, expected, window)


@pytest.mark.critical
def test_the_summary_counts_every_question_session_and_visitor(traffic: Traffic) -> None:
    summary = traffic.get("summary").json()
    assert summary["total_queries"] == traffic.expected.queries
    assert summary["total_sessions"] == traffic.expected.sessions
    anonymous = traffic.expected.sessions - sum(  # a session without an id is its own visitor
        1 for i in range(SESSIONS) if i % 3 != 2
    )
    assert summary["unique_visitors"] == len(traffic.expected.visitors) + anonymous
    assert summary["documents"] == 3 and summary["chunks"] == 6


@pytest.mark.parametrize("interval", ["hour", "day", "week"])
def test_the_time_series_adds_up_to_the_summary_in_every_interval(
    traffic: Traffic, interval: str
) -> None:
    series = traffic.get("queries-over-time", interval=interval).json()
    assert series["interval"] == interval
    assert sum(p["queries"] for p in series["points"]) == traffic.expected.queries
    starts = [p["bucket_start"] for p in series["points"]]
    assert starts == sorted(starts) and len(set(starts)) == len(starts), "buckets out of order"
    if interval == "day":
        by_day = {p["bucket_start"][:10]: p["queries"] for p in series["points"]}
        for day, count in traffic.expected.per_day.items():
            assert by_day[day.isoformat()] == count, day


@pytest.mark.parametrize("tz", ["UTC", "Europe/Amsterdam", "Asia/Kolkata", "America/Los_Angeles"])
def test_a_wide_window_has_the_same_totals_in_every_zone(traffic: Traffic, tz: str) -> None:
    summary = traffic.get("summary", tz=tz).json()
    assert summary["total_queries"] == traffic.expected.queries
    series = traffic.get("queries-over-time", tz=tz, interval="day").json()
    assert sum(p["queries"] for p in series["points"]) == traffic.expected.queries


def test_embed_codes_and_the_api_add_up_to_the_summary(traffic: Traffic) -> None:
    items = traffic.get("embed-codes").json()["items"]
    by_code = {i["embed_code_id"]: i for i in items}
    for code in traffic.codes:
        assert by_code[str(code)]["queries"] == traffic.expected.per_code[code]
    assert by_code[None]["queries"] == traffic.expected.per_code[None]  # the API's share
    assert sum(i["queries"] for i in items) == traffic.expected.queries


@pytest.mark.parametrize("index", [0, 1])
def test_filtering_by_an_embed_code_shows_exactly_its_traffic(traffic: Traffic, index: int) -> None:
    code = traffic.codes[index]
    summary = traffic.get("summary", embed_code_id=str(code)).json()
    assert summary["total_queries"] == traffic.expected.per_code[code]


def test_top_queries_are_the_most_asked_with_exact_counts(traffic: Traffic) -> None:
    items = traffic.get("top-queries", limit=100).json()["items"]
    assert {i["query"]: i["count"] for i in items} == dict(traffic.expected.per_query)
    counts = [i["count"] for i in items]
    assert counts == sorted(counts, reverse=True)
    assert len(traffic.get("top-queries", limit=3).json()["items"]) == 3


def test_document_citations_are_exact_and_the_uncited_document_shows_zero(
    traffic: Traffic,
) -> None:
    items = {i["document_id"]: i for i in traffic.get("documents").json()["items"]}
    assert set(items) == {str(d) for d in traffic.documents}
    for document in traffic.documents:
        assert items[str(document)]["citations"] == traffic.expected.citations[document]
    assert items[str(traffic.documents[2])]["citations"] == 0


def test_quality_feedback_is_exact_and_its_rate_follows(traffic: Traffic) -> None:
    quality = traffic.get("quality").json()
    up, down = traffic.expected.up, traffic.expected.down
    assert quality["feedback"]["up"] == up and quality["feedback"]["down"] == down
    assert quality["feedback"]["positive_rate"] == pytest.approx(up / (up + down), abs=1e-3)
    unanswered = {u["query"]: u["count"] for u in quality["unanswered"]}
    assert unanswered and sum(unanswered.values()) <= traffic.expected.queries
    summary = traffic.get("summary").json()
    assert summary["positive_feedback_rate"] == pytest.approx(up / (up + down), abs=1e-3)


def test_gaps_group_the_unanswered_questions(traffic: Traffic) -> None:
    gaps = traffic.get("gaps").json()["items"]
    assert gaps, "no gap found in a dataset with unanswered questions"
    sizes = [g["count"] for g in gaps]
    assert sizes == sorted(sizes, reverse=True)
    assert all(g["examples"] and g["label"] for g in gaps)


@pytest.mark.parametrize("report", REPORTS)
def test_every_report_answers_a_large_dataset_quickly(traffic: Traffic, report: str) -> None:
    timings = []
    for _ in range(3):
        started = time.perf_counter()
        response = traffic.get(report)
        timings.append(time.perf_counter() - started)
        assert response.status_code == 200, response.text
    assert min(timings) < 2.0, f"{report}: {timings}"


@pytest.mark.parametrize("report", ["top-queries", "documents", "embed-codes"])
def test_csv_has_the_same_rows_as_json(traffic: Traffic, report: str) -> None:
    items = traffic.get(report, limit=100).json()["items"]
    rows = list(csv.DictReader(io.StringIO(traffic.get(report, limit=100, format="csv").text)))
    assert len(rows) == len(items)


@pytest.mark.critical
def test_twenty_readers_at_once_get_the_same_figures_as_one(traffic: Traffic) -> None:
    alone = {report: traffic.get(report).json() for report in REPORTS}
    with ThreadPoolExecutor(20) as pool:
        responses = list(pool.map(lambda r: (r, traffic.get(r)), [*REPORTS] * 4))
    for report, response in responses:
        assert response.status_code == 200, response.text
        assert response.json() == alone[report], f"{report} differed under concurrency"


def test_figures_only_grow_while_traffic_is_being_written(traffic: Traffic) -> None:
    with httpx.Client(base_url=traffic.server.url, timeout=30) as client:
        before = traffic.get("summary").json()["total_queries"]
        seen: list[int] = []

        def read() -> None:
            for _ in range(10):
                seen.append(traffic.get("summary").json()["total_queries"])

        with ThreadPoolExecutor(2) as pool:
            reader = pool.submit(read)
            for n in range(10):
                response = client.post(
                    "/api/v1/chat", json={"message": f"Live question {n}?"}, headers=traffic.headers
                )
                assert response.status_code == 200
            reader.result()
        after = traffic.get("summary").json()["total_queries"]
    assert after == before + 10
    assert seen == sorted(seen) and before <= min(seen) and max(seen) <= after
    traffic.expected.queries += 10  # later tests in this module see the live questions too
    traffic.expected.per_code[None] += 10
    traffic.expected.per_day[datetime.now(UTC).date()] += 10
    for n in range(10):
        traffic.expected.per_query[normalise_query(f"Live question {n}?")] += 1


def test_another_workspace_sees_none_of_it(traffic: Traffic) -> None:
    with httpx.Client(base_url=traffic.server.url, timeout=30) as client:
        stranger = owner(client)  # type: ignore[arg-type]
        summary = client.get(
            "/api/v1/analytics/summary", params=traffic.window, headers=stranger
        ).json()
        foreign = client.get(
            "/api/v1/analytics/summary",
            params={**traffic.window, "embed_code_id": str(traffic.codes[0])},
            headers=stranger,
        )
    assert summary["total_queries"] == 0 and summary["total_sessions"] == 0
    assert foreign.status_code in (200, 404)
    if foreign.status_code == 200:
        assert foreign.json()["total_queries"] == 0


@pytest.mark.parametrize(
    "params",
    [
        {"interval": "minute"},
        {"tz": "Mars/Olympus"},
        {"from": "2026-05-01", "to": "2026-04-01"},
        {"from": "yesterday"},
        {"embed_code_id": "not-a-uuid"},
    ],
    ids=["interval", "tz", "reversed-window", "bad-date", "bad-code"],
)
def test_nonsense_parameters_are_422_not_a_wrong_figure(
    traffic: Traffic, params: dict[str, str]
) -> None:
    response = traffic.get("queries-over-time", **params)
    assert response.status_code == 422, response.text
    assert response.json()["code"] == "validation_error"
