"""One contract for every AnalyticsReadModel: exact figures on known traffic, in three zones.

The reports are read through their use cases (as an agent, who may read analytics), so the
window, bucket and rate logic is covered along with each adapter's aggregation.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

import pytest

from adapters.outbound.memory.analytics import InMemoryAnalyticsReadModel
from adapters.outbound.memory.clock import FixedClock
from adapters.outbound.memory.conversation_archive import InMemoryConversationArchive
from adapters.outbound.memory.question_vectors import InMemoryQuestionVectors
from adapters.outbound.memory.unit_of_work import InMemoryUnitOfWorkFactory
from adapters.outbound.postgres.analytics import PostgresAnalyticsReadModel
from adapters.outbound.postgres.conversation_archive import PostgresConversationArchive
from adapters.outbound.postgres.engine import runtime_engine
from adapters.outbound.postgres.question_vectors import PostgresQuestionVectors
from adapters.outbound.postgres.unit_of_work import PostgresUnitOfWorkFactory
from application.analytics import ReportInput, open_report
from application.ports.analytics import AnalyticsReadModel, QueryCount
from application.ports.conversation_archive import ConversationArchive
from application.ports.question_vectors import QuestionVectors
from application.ports.unit_of_work import UnitOfWorkFactory
from application.principal import Principal
from application.use_cases.apply_retention import ApplyRetention
from application.use_cases.get_analytics_summary import GetAnalyticsSummary, Summary
from application.use_cases.get_answer_quality import GetAnswerQuality
from application.use_cases.get_document_usage import GetDocumentUsage
from application.use_cases.get_embed_code_usage import GetEmbedCodeUsage
from application.use_cases.get_queries_over_time import GetQueriesOverTime
from application.use_cases.get_top_queries import GetTopQueries
from domain.errors import ValidationFailed
from domain.ids import WorkspaceId
from domain.roles import Role
from tests.integration.analytics_dataset import (
    NOW,
    Dataset,
    at,
    known_traffic,
    new_workspace,
    other_tenant_traffic,
)

WINDOW = (date(2026, 3, 28), date(2026, 4, 1))


@dataclass
class Harness:
    uow: UnitOfWorkFactory
    analytics: AnalyticsReadModel
    archive: ConversationArchive
    clock: FixedClock
    vectors: QuestionVectors

    def reader(self, kind: Any) -> Any:
        return kind(self.analytics, self.clock)


@pytest.fixture(params=["memory", "postgres"])
async def harness(request: pytest.FixtureRequest) -> AsyncIterator[Harness]:
    clock = FixedClock(NOW)
    if request.param == "memory":
        uow = InMemoryUnitOfWorkFactory()
        archive = InMemoryConversationArchive(uow.store)
        memory = InMemoryQuestionVectors(uow.store)
        yield Harness(uow, InMemoryAnalyticsReadModel(uow.store), archive, clock, memory)
        return
    engine = runtime_engine(request.getfixturevalue("database_url"), pool_size=4)
    yield Harness(
        PostgresUnitOfWorkFactory(engine),
        PostgresAnalyticsReadModel(engine),
        PostgresConversationArchive(engine),
        clock,
        PostgresQuestionVectors(engine),
    )
    await engine.dispose()


@pytest.fixture
async def data(harness: Harness) -> Dataset:
    await other_tenant_traffic(harness.uow)
    return await known_traffic(harness.uow)


def agent(ws: WorkspaceId) -> Principal:
    return Principal(ws, Role.AGENT)


def report(tz: str = "UTC", **extra: Any) -> ReportInput:
    return ReportInput(WINDOW[0], WINDOW[1], tz, **extra)


# tz -> every field of the summary.
SUMMARIES = {
    "UTC": Summary(
        total_queries=7, total_sessions=5, unique_visitors=4, answered_rate=0.5714,
        avg_response_ms=500, p95_response_ms=1000, positive_feedback_rate=0.5,
        handoff_rate=0.2, documents=3, chunks=6, resolved_sessions=1, pending_sessions=1,
        resolution_rate=0.25,
    ),
    "Europe/Amsterdam": Summary(
        total_queries=7, total_sessions=5, unique_visitors=4, answered_rate=0.5714,
        avg_response_ms=500, p95_response_ms=1000, positive_feedback_rate=0.5,
        handoff_rate=0.2, documents=3, chunks=6, resolved_sessions=1, pending_sessions=1,
        resolution_rate=0.25,
    ),
    # S5 falls on 04-02 in Kolkata: outside the window.
    "Asia/Kolkata": Summary(
        total_queries=6, total_sessions=4, unique_visitors=3, answered_rate=0.5,
        avg_response_ms=500, p95_response_ms=1000, positive_feedback_rate=0.5,
        handoff_rate=0.25, documents=3, chunks=6, resolved_sessions=1, pending_sessions=0,
        resolution_rate=0.25,
    ),
}  # fmt: skip

# tz -> (bucket_start, queries, sessions, resolved, pending, handoff) per day.
DAYS = {
    "UTC": [
        ("2026-03-28T00:00:00+00:00", 1, 1, 1, 0, 0),
        ("2026-03-29T00:00:00+00:00", 5, 3, 0, 0, 1),
        ("2026-03-30T00:00:00+00:00", 0, 0, 0, 0, 0),
        ("2026-03-31T00:00:00+00:00", 0, 0, 0, 0, 0),
        ("2026-04-01T00:00:00+00:00", 1, 1, 0, 1, 0),
    ],
    "Europe/Amsterdam": [
        ("2026-03-28T00:00:00+01:00", 0, 0, 0, 0, 0),
        ("2026-03-29T00:00:00+01:00", 6, 4, 1, 0, 1),
        ("2026-03-30T00:00:00+02:00", 0, 0, 0, 0, 0),
        ("2026-03-31T00:00:00+02:00", 0, 0, 0, 0, 0),
        ("2026-04-01T00:00:00+02:00", 1, 1, 0, 1, 0),
    ],
    "Asia/Kolkata": [
        ("2026-03-28T00:00:00+05:30", 0, 0, 0, 0, 0),
        ("2026-03-29T00:00:00+05:30", 4, 3, 1, 0, 0),
        ("2026-03-30T00:00:00+05:30", 2, 1, 0, 0, 1),
        ("2026-03-31T00:00:00+05:30", 0, 0, 0, 0, 0),
        ("2026-04-01T00:00:00+05:30", 0, 0, 0, 0, 0),
    ],
}


def points(series: Any) -> list[tuple[Any, ...]]:
    return [
        (
            p.bucket_start.isoformat(),
            p.counts.queries,
            p.counts.sessions,
            p.counts.resolved_sessions,
            p.counts.pending_sessions,
            p.counts.handoff_sessions,
        )
        for p in series.points
    ]


@pytest.mark.parametrize("tz", sorted(SUMMARIES))
async def test_summary_is_exact_in_each_zone(harness: Harness, data: Dataset, tz: str) -> None:
    summary = await harness.reader(GetAnalyticsSummary).execute(
        agent(data.workspace.id), report(tz)
    )
    assert summary == SUMMARIES[tz]


@pytest.mark.parametrize("tz", sorted(DAYS))
async def test_days_start_at_local_midnight_and_add_up(
    harness: Harness, data: Dataset, tz: str
) -> None:
    principal = agent(data.workspace.id)
    series = await harness.reader(GetQueriesOverTime).execute(principal, report(tz), "day")
    assert points(series) == DAYS[tz]
    summary = SUMMARIES[tz]
    assert sum(p.counts.queries for p in series.points) == summary.total_queries
    assert sum(p.counts.sessions for p in series.points) == summary.total_sessions
    assert sum(p.counts.resolved_sessions for p in series.points) == summary.resolved_sessions
    assert sum(p.counts.pending_sessions for p in series.points) == summary.pending_sessions
    rates = [(p.resolution_rate, p.handoff_rate) for p in series.points if p.counts.sessions]
    assert (
        rates
        == {
            "UTC": [(1.0, 0.0), (0.0, 0.3333), (0.0, 0.0)],
            "Europe/Amsterdam": [(0.25, 0.25), (0.0, 0.0)],
            "Asia/Kolkata": [(0.3333, 0.0), (0.0, 1.0)],
        }[tz]
    )


async def test_hours_across_the_clock_change(harness: Harness, data: Dataset) -> None:
    day = ReportInput(date(2026, 3, 29), date(2026, 3, 29), "Europe/Amsterdam")
    series = await harness.reader(GetQueriesOverTime).execute(agent(data.workspace.id), day, "hour")
    starts = [p.bucket_start.isoformat() for p in series.points]
    assert len(starts) == 23  # the night the clocks go forward has no 02:00
    assert starts[:3] == [
        "2026-03-29T00:00:00+01:00",
        "2026-03-29T01:00:00+01:00",
        "2026-03-29T03:00:00+02:00",
    ]
    busy = {p.bucket_start.isoformat(): p.counts.queries for p in series.points if p.counts.queries}
    assert busy == {
        "2026-03-29T00:00:00+01:00": 1,  # S1 at 00:30
        "2026-03-29T01:00:00+01:00": 2,  # S2 at 01:45 and 01:50
        "2026-03-29T20:00:00+02:00": 3,  # S3 at 20:20, S4 at 20:40 and 20:50
    }


async def test_hours_in_a_half_hour_zone(harness: Harness, data: Dataset) -> None:
    day = ReportInput(date(2026, 3, 29), date(2026, 3, 30), "Asia/Kolkata")
    series = await harness.reader(GetQueriesOverTime).execute(agent(data.workspace.id), day, "hour")
    assert len(series.points) == 48
    busy = {p.bucket_start.isoformat(): p.counts.queries for p in series.points if p.counts.queries}
    assert busy == {
        "2026-03-29T05:00:00+05:30": 1,
        "2026-03-29T06:00:00+05:30": 2,
        "2026-03-29T23:00:00+05:30": 1,
        "2026-03-30T00:00:00+05:30": 2,
    }


async def test_weeks_start_on_monday(harness: Harness, data: Dataset) -> None:
    series = await harness.reader(GetQueriesOverTime).execute(
        agent(data.workspace.id), report(), "week"
    )
    assert points(series) == [
        ("2026-03-23T00:00:00+00:00", 6, 4, 1, 0, 1),
        ("2026-03-30T00:00:00+00:00", 1, 1, 0, 1, 0),
    ]


async def test_top_queries_are_normalised(harness: Harness, data: Dataset) -> None:
    items = await harness.reader(GetTopQueries).execute(agent(data.workspace.id), report(), None)
    assert [(q.query, q.count, q.answered, q.last_asked_at) for q in items] == [
        ("how do i return an item", 2, 2, at("2026-03-29T00:45:00")),
        ("where is my parcel", 2, 1, at("2026-03-29T18:40:00")),
        ("do you ship to mars", 1, 0, at("2026-03-29T00:50:00")),
        ("hello", 1, 0, at("2026-03-29T18:50:00")),
        ("what is the warranty", 1, 1, at("2026-04-01T20:00:00")),
    ]
    assert [q.first_asked_at for q in items][:2] == [
        at("2026-03-28T23:30:00"),
        at("2026-03-29T18:20:00"),
    ]
    assert sum(q.count for q in items) == SUMMARIES["UTC"].total_queries
    top = await harness.reader(GetTopQueries).execute(agent(data.workspace.id), report(), 1)
    assert [q.query for q in top] == ["how do i return an item"]


async def test_documents_include_the_never_cited(harness: Harness, data: Dataset) -> None:
    items = await harness.reader(GetDocumentUsage).execute(agent(data.workspace.id), report())
    assert [(d.document_id, d.title, d.citations, d.sessions, d.last_cited_at) for d in items] == [
        (data.returns, "Returns", 3, 3, at("2026-04-01T20:00:01")),
        (data.shipping, "Shipping", 2, 2, at("2026-03-29T18:20:01")),
        (data.warranty, "Warranty", 0, 0, None),
    ]


@pytest.mark.parametrize("tz", ["UTC", "Asia/Kolkata"])
async def test_embed_codes_add_up_to_the_summary(harness: Harness, data: Dataset, tz: str) -> None:
    items = await harness.reader(GetEmbedCodeUsage).execute(agent(data.workspace.id), report(tz))
    got = [(u.embed_code_id, u.name, u.sessions, u.queries, u.unique_visitors) for u in items]
    expected = {
        "UTC": [
            (data.help_centre, "Help centre", 2, 3, 1),
            (data.shop, "Shop", 2, 3, 2),
            (None, "API", 1, 1, 1),
        ],
        "Asia/Kolkata": [(data.help_centre, "Help centre", 2, 3, 1), (data.shop, "Shop", 2, 3, 2)],
    }
    assert got == expected[tz]
    assert sum(u.sessions for u in items) == SUMMARIES[tz].total_sessions
    assert sum(u.queries for u in items) == SUMMARIES[tz].total_queries


async def test_one_embed_code(harness: Harness, data: Dataset) -> None:
    principal = agent(data.workspace.id)
    shop = report(embed_code_id=data.shop)
    summary = await harness.reader(GetAnalyticsSummary).execute(principal, shop)
    assert (summary.total_queries, summary.total_sessions, summary.unique_visitors) == (3, 2, 2)
    assert (summary.handoff_rate, summary.resolution_rate, summary.answered_rate) == (
        0.5,
        0,
        0.3333,
    )
    items = await harness.reader(GetEmbedCodeUsage).execute(principal, shop)
    assert [(u.name, u.sessions) for u in items] == [("Shop", 2)]
    docs = await harness.reader(GetDocumentUsage).execute(principal, shop)
    assert [(d.title, d.citations) for d in docs] == [
        ("Shipping", 1),
        ("Returns", 0),
        ("Warranty", 0),
    ]


@pytest.mark.parametrize("tz", ["UTC", "Asia/Kolkata"])
async def test_quality(harness: Harness, data: Dataset, tz: str) -> None:
    quality = await harness.reader(GetAnswerQuality).execute(agent(data.workspace.id), report(tz))
    assert (quality.feedback_up, quality.feedback_down, quality.positive_rate) == (1, 1, 0.5)
    assert quality.avg_confidence == {"UTC": 0.508, "Asia/Kolkata": 0.43}[tz]
    assert quality.low_confidence_count == 3
    assert [(u.query, u.count) for u in quality.unanswered] == [
        ("do you ship to mars", 1),
        ("where is my parcel", 1),
    ]
    assert quality.handoff_rate == SUMMARIES[tz].handoff_rate


async def test_gap_questions(harness: Harness, data: Dataset) -> None:
    where = open_report(agent(data.workspace.id), report(), harness.clock)[1]
    gaps = await harness.analytics.gap_questions(data.workspace.id, where, 10)
    assert [(g.query, g.count, g.answered) for g in gaps] == [
        ("where is my parcel", 2, 1),
        ("do you ship to mars", 1, 0),
    ]


async def test_gap_visitors_are_distinct_per_group(harness: Harness, data: Dataset) -> None:
    where = open_report(agent(data.workspace.id), report(), harness.clock)[1]
    groups = [
        ["where is my parcel"],
        ["do you ship to mars"],
        ["where is my parcel", "do you ship to mars"],
        ["how do i return an item"],
        [],
    ]
    assert await harness.analytics.gap_visitors(data.workspace.id, where, groups) == [2, 1, 3, 0, 0]


async def test_pending_sessions_resolve_once_the_visitor_stays_quiet(
    harness: Harness, data: Dataset
) -> None:
    harness.clock.advance(24 * 3600)
    summary = await harness.reader(GetAnalyticsSummary).execute(agent(data.workspace.id), report())
    assert (summary.resolved_sessions, summary.pending_sessions) == (2, 0)
    assert summary.resolution_rate == 0.4 and summary.handoff_rate == 0.2


async def test_another_workspace_sees_zeros(harness: Harness, data: Dataset) -> None:
    empty = await new_workspace(harness.uow)
    summary = await harness.reader(GetAnalyticsSummary).execute(agent(empty.id), report())
    assert summary == Summary(0, 0, 0, 0.0, 0, 0, 0.0, 0.0, 0, 0, 0, 0, 0.0)
    series = await harness.reader(GetQueriesOverTime).execute(agent(empty.id), report(), "day")
    assert [p.counts.queries for p in series.points] == [0] * 5
    assert await harness.reader(GetTopQueries).execute(agent(empty.id), report(), None) == []
    assert await harness.reader(GetDocumentUsage).execute(agent(empty.id), report()) == []
    assert await harness.reader(GetEmbedCodeUsage).execute(agent(empty.id), report()) == []


async def test_bad_windows_are_refused(harness: Harness, data: Dataset) -> None:
    principal = agent(data.workspace.id)
    for bad in (
        ReportInput(WINDOW[0], WINDOW[1], "Mars/Olympus_Mons"),
        ReportInput(WINDOW[0], WINDOW[1], "+05:30"),
        ReportInput(WINDOW[1], WINDOW[0], "UTC"),
        ReportInput(date(2024, 1, 1), date(2026, 1, 1), "UTC"),
    ):
        with pytest.raises(ValidationFailed):
            await harness.reader(GetAnalyticsSummary).execute(principal, bad)
    with pytest.raises(ValidationFailed):
        await harness.reader(GetQueriesOverTime).execute(principal, report(), "minute")


async def every_figure(harness: Harness, ws: WorkspaceId, tz: str) -> list[Any]:
    """Every report of the window, as the use cases answer it."""
    principal, inp = agent(ws), report(tz)
    return [
        await harness.reader(GetAnalyticsSummary).execute(principal, inp),
        await harness.reader(GetQueriesOverTime).execute(principal, inp, "day"),
        await harness.reader(GetQueriesOverTime).execute(principal, inp, "week"),
        await harness.reader(GetTopQueries).execute(principal, inp, 100),
        await harness.reader(GetDocumentUsage).execute(principal, inp),
        await harness.reader(GetEmbedCodeUsage).execute(principal, inp),
        await harness.reader(GetAnswerQuality).execute(principal, inp),
        await harness.analytics.gap_questions(
            ws, open_report(principal, inp, harness.clock)[1], 10
        ),
    ]


ZONES = ("UTC", "Europe/Amsterdam", "Asia/Kolkata")
TOP_QUERIES, QUALITY, GAPS = 3, 6, 7  # the figures of every_figure that hold question texts
# Visitor v1's questions, normalised; nobody else asked them.
V1_QUESTIONS = {"old question", "how do i return an item", "do you ship to mars"}


def without_texts(figures: list[Any], gone: Callable[[QueryCount], bool]) -> list[Any]:
    """`figures` as they read once the texts of `gone` questions are erased: every count
    stays, those questions leave the lists that name questions by their text."""
    kept = list(figures)
    kept[TOP_QUERIES] = [q for q in figures[TOP_QUERIES] if not gone(q)]
    quality = figures[QUALITY]
    kept[QUALITY] = replace(quality, unanswered=[q for q in quality.unanswered if not gone(q)])
    kept[GAPS] = [q for q in figures[GAPS] if not gone(q)]
    return kept


def texts_in(figures: list[Any]) -> set[str]:
    lists = (figures[TOP_QUERIES], figures[QUALITY].unanswered, figures[GAPS])
    return {q.query for found in lists for q in found}


async def test_erasing_a_visitor_erases_them_and_keeps_every_figure(
    harness: Harness, data: Dataset
) -> None:
    ws = data.workspace.id
    before = {tz: await every_figure(harness, ws, tz) for tz in ZONES}
    assert before["UTC"][0] == SUMMARIES["UTC"]
    assert await harness.archive.erase_visitor(ws, "v1") == 3  # s1, s2 and the old one
    assert await harness.archive.visitor_sessions(ws, "v1") == []
    async with harness.uow.tenant(ws) as tx:
        for name in ("old", "s1", "s2"):
            assert await tx.conversations.get(ws, data.sessions[name]) is None
            assert await tx.conversations.messages(ws, data.sessions[name]) == []
        assert await tx.conversations.get(ws, data.sessions["s3"]) is not None
    # "old question" was asked before the window.
    assert texts_in(before["UTC"]) & V1_QUESTIONS == V1_QUESTIONS - {"old question"}
    for tz in ZONES:
        after = await every_figure(harness, ws, tz)
        # Their texts are gone from the reports too (an analytics copy is a message text).
        assert not texts_in(after) & V1_QUESTIONS, tz
        assert after == without_texts(before[tz], lambda q: q.query in V1_QUESTIONS), tz


async def test_erasure_and_retention_forget_the_embeddings_of_texts_no_longer_asked(
    harness: Harness, data: Dataset
) -> None:
    ws, vector = data.workspace.id, unit(1)
    asked = ["how do i return an item", "do you ship to mars", "where is my parcel", "hello"]
    await harness.vectors.save(ws, "m", dict.fromkeys(asked, vector))
    await harness.archive.erase_visitor(ws, "v1")
    assert await harness.vectors.missing(ws, "m", asked) == asked[:2]
    await harness.archive.erase_before(ws, at("2026-03-29T18:45:30"))
    assert await harness.vectors.missing(ws, "m", asked) == asked[:3]


async def test_erasure_stays_in_its_workspace(harness: Harness, data: Dataset) -> None:
    other = await other_tenant_traffic(harness.uow)
    assert await harness.archive.erase_visitor(other.id, "v1") == 1
    assert len(await harness.archive.visitor_sessions(data.workspace.id, "v1")) == 3
    assert await harness.archive.erase_visitor(other.id, "v2") == 0


async def test_retention_blanks_old_texts_and_keeps_every_figure(
    harness: Harness, data: Dataset
) -> None:
    ws = data.workspace.id
    before = {tz: await every_figure(harness, ws, tz) for tz in ZONES}
    # Sessions quiet since before 03-29 18:45 go (old, s1, s2, s3); s4's first exchange is
    # blanked (3 messages before the cutoff), its later question and s5 stay.
    cutoff = at("2026-03-29T18:45:30")
    erased = await harness.archive.erase_before(ws, cutoff)
    assert erased == 2 + 2 + 4 + 2 + 3
    async with harness.uow.tenant(ws) as tx:
        assert await tx.conversations.get(ws, data.sessions["s3"]) is None
        s4 = await tx.conversations.messages(ws, data.sessions["s4"])
        assert [m.text for m in s4] == ["", "", "", "hello?"]
        s5 = await tx.conversations.messages(ws, data.sessions["s5"])
        assert [m.text for m in s5] == ["What is the warranty?", "reply"]
    assert "where is my parcel" in texts_in(before["UTC"])  # asked twice, both before the cutoff
    for tz in ZONES:
        after = await every_figure(harness, ws, tz)
        # Texts asked before the cutoff are gone from the reports too; every count stays.
        assert texts_in(after) == {"hello", "what is the warranty"} & texts_in(before[tz]), tz
        assert after == without_texts(before[tz], lambda q: q.last_asked_at < cutoff), tz
    assert await harness.archive.erase_before(ws, cutoff) == 0


async def test_the_archive_streams_sessions_of_a_window_in_order(
    harness: Harness, data: Dataset
) -> None:
    ws = data.workspace.id
    s = data.sessions
    found = [x async for x in harness.archive.sessions(ws, at("2026-03-28T00:00:00"), None)]
    assert [x.conversation.id for x in found] == [
        s["s1"], s["s2"], s["s3"], s["s4"], s["s6"], s["s5"]
    ]  # fmt: skip
    assert [len(x.messages) for x in found] == [2, 4, 2, 4, 0, 2]
    s3 = found[2]
    assert [(f.rating.value, f.message_id) for f in s3.feedback] == [("down", s3.messages[1].id)]
    window = [x async for x in harness.archive.sessions(ws, None, at("2026-03-28T23:30:00"))]
    assert [x.conversation.id for x in window] == [s["old"]]
    everything = [x async for x in harness.archive.sessions(ws, None, None)]
    assert len(everything) == 7


async def test_the_scheduled_sweep_applies_each_workspaces_retention(
    harness: Harness, data: Dataset
) -> None:
    ws = data.workspace.id
    other = await other_tenant_traffic(harness.uow)  # keeps texts forever
    before = {tz: await every_figure(harness, ws, tz) for tz in ZONES}
    async with harness.uow.tenant(ws) as tx:
        workspace = await tx.workspaces.get(ws, for_update=True)
        assert workspace is not None
        workspace.keep_texts_for(4)  # cutoff: 2026-03-29 12:00
        await tx.workspaces.save(workspace)
        await tx.commit()
    sweep = ApplyRetention(harness.archive, harness.clock)
    assert await sweep.execute() == 2 + 2 + 4  # the old session, s1 and s2
    assert await sweep.execute() == 0
    assert [x.conversation.visitor_id async for x in harness.archive.sessions(ws, None, None)] == [
        "v2", None, "v3", None
    ]  # fmt: skip
    assert len(await harness.archive.visitor_sessions(other.id, "v1")) == 1
    cutoff = at("2026-03-29T12:00:00")
    for tz in ZONES:
        after = await every_figure(harness, ws, tz)
        assert after == without_texts(before[tz], lambda q: q.last_asked_at < cutoff), tz
    other_top = await harness.reader(GetTopQueries).execute(agent(other.id), report(), 100)
    assert [q.query for q in other_top] == ["how do i return an item"]


@pytest.fixture(params=["memory", "postgres"])
async def vectors(request: pytest.FixtureRequest) -> AsyncIterator[tuple[Any, UnitOfWorkFactory]]:
    if request.param == "memory":
        uow = InMemoryUnitOfWorkFactory()
        yield InMemoryQuestionVectors(uow.store), uow
        return
    engine = runtime_engine(request.getfixturevalue("database_url"), pool_size=4)
    yield PostgresQuestionVectors(engine), PostgresUnitOfWorkFactory(engine)
    await engine.dispose()


def unit(*xs: float) -> list[float]:
    vector = [*xs, *[0.0] * (384 - len(xs))]
    norm = sum(x * x for x in vector) ** 0.5
    return [x / norm for x in vector]


async def test_question_vectors_are_stored_once_and_compared(
    vectors: tuple[Any, UnitOfWorkFactory],
) -> None:
    store, uow = vectors
    ws, other = (await new_workspace(uow)).id, (await new_workspace(uow)).id
    queries = ["parcel", "package", "refund", "mars"]
    assert await store.missing(ws, "m", queries) == queries
    await store.save(
        ws, "m", {"parcel": unit(1, 0.1), "package": unit(1, 0.3), "refund": unit(0, 1)}
    )
    await store.save(ws, "m", {"parcel": unit(0, 1)})  # the first vector stays
    assert await store.missing(ws, "m", queries) == ["mars"]
    assert await store.missing(ws, "other-model", ["parcel"]) == ["parcel"]
    assert await store.missing(other, "m", ["parcel"]) == ["parcel"]
    got = await store.get(ws, "m", ["parcel", "mars"])
    assert list(got) == ["parcel"] and got["parcel"] == pytest.approx(unit(1, 0.1), abs=1e-6)
    # cos(parcel, package) = 0.97, with refund 0.1 and 0.29; mars has no vector.
    assert await store.close_pairs(ws, "m", queries, 0.9) == {(0, 1)}
    assert await store.close_pairs(ws, "m", queries, 0.2) == {(0, 1), (1, 2)}
    assert await store.close_pairs(other, "m", queries, 0.2) == set()
