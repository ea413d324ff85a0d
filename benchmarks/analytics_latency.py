"""Analytics latency at a million messages: `python -m benchmarks.analytics_latency`.

Seeds `benchmarks.seed_analytics` traffic into an embedded PostgreSQL, then times every
analytics endpoint's use case for the largest workspace over the last 30 days (in
Europe/Amsterdam), and beside it a raw scan of the messages computing the same figures,
so the ratio shows what the trigger-kept records buy. Prints p50/p95 per endpoint, then
streams the largest workspace's export and reports how far the process's memory grew.
`--keep DIR` keeps (and on the next run reuses) the seeded database.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psutil
from sqlalchemy import create_engine, text
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.inbound.http.schemas.data_rights import jsonl_line
from adapters.outbound.postgres.analytics import PostgresAnalyticsReadModel
from adapters.outbound.postgres.conversation_archive import PostgresConversationArchive
from adapters.outbound.postgres.engine import runtime_engine, sqlalchemy_url
from adapters.outbound.postgres.migrate import migrate
from adapters.outbound.postgres.question_vectors import PostgresQuestionVectors
from adapters.outbound.postgres.retriever import PostgresRetriever
from adapters.outbound.postgres.scope import scope_transaction
from application.analytics import ReportInput, open_report
from application.principal import Principal
from application.use_cases.find_content_gaps import FindContentGaps
from application.use_cases.get_analytics_summary import GetAnalyticsSummary
from application.use_cases.get_answer_quality import GetAnswerQuality
from application.use_cases.get_document_usage import GetDocumentUsage
from application.use_cases.get_embed_code_usage import GetEmbedCodeUsage
from application.use_cases.get_queries_over_time import GetQueriesOverTime
from application.use_cases.get_top_queries import GetTopQueries
from benchmarks.seed_analytics import MESSAGES, WORKSPACES, seed
from bootstrap.embedded_postgres import EmbeddedPostgres
from domain.ids import WorkspaceId
from domain.roles import Role

TZ = "Europe/Amsterdam"
_QUESTIONS = """
    FROM messages q
    LEFT JOIN messages a ON a.reply_to = q.id AND a.role = 'assistant'
    LEFT JOIN feedback f ON f.message_id = a.id
    WHERE q.workspace_id = :ws AND q.role = 'visitor'
      AND q.created_at >= :start AND q.created_at < :end
"""
RAW = {
    "summary": f"""
        SELECT count(*), count(*) FILTER (WHERE a.action = 'answered'), avg(a.latency_ms),
               percentile_disc(0.95) WITHIN GROUP (ORDER BY a.latency_ms),
               count(*) FILTER (WHERE f.rating = 'up'), count(*) FILTER (WHERE f.rating = 'down'),
               count(DISTINCT q.session_id),
               count(DISTINCT coalesce(c.visitor_id, c.id::text))
        {
        _QUESTIONS.replace(
            "LEFT JOIN feedback", "JOIN conversations c ON c.id = q.session_id LEFT JOIN feedback"
        )
    }
    """,
    "queries-over-time": """
        SELECT date_trunc('day', q.created_at, :tz), count(*), count(DISTINCT q.session_id)
        FROM messages q WHERE q.workspace_id = :ws AND q.role = 'visitor'
          AND q.created_at >= :start AND q.created_at < :end GROUP BY 1
    """,
    "top-queries": f"""
        SELECT lower(regexp_replace(q.text, '[^\\w\\s]', ' ', 'g')) AS query, count(*),
               count(*) FILTER (WHERE a.action = 'answered'), max(q.created_at)
        {_QUESTIONS} GROUP BY 1 ORDER BY 2 DESC LIMIT 10
    """,
    "documents": """
        SELECT d.id, d.title, count(m.id), count(DISTINCT m.session_id), max(m.created_at)
        FROM documents d LEFT JOIN (
            SELECT m.id, m.session_id, m.created_at, (src ->> 'document_id')::uuid AS document_id
            FROM messages m CROSS JOIN LATERAL jsonb_array_elements(m.sources) src
            WHERE m.workspace_id = :ws AND m.role = 'assistant'
              AND m.created_at >= :start AND m.created_at < :end
        ) m ON m.document_id = d.id
        WHERE d.workspace_id = :ws GROUP BY d.id, d.title
    """,
    "embed-codes": """
        SELECT c.embed_code_id, count(DISTINCT c.id), count(*),
               count(DISTINCT coalesce(c.visitor_id, c.id::text)), max(q.created_at)
        FROM messages q JOIN conversations c ON c.id = q.session_id
        WHERE q.workspace_id = :ws AND q.role = 'visitor'
          AND q.created_at >= :start AND q.created_at < :end GROUP BY 1
    """,
    "quality": f"""
        SELECT count(*) FILTER (WHERE f.rating = 'up'), count(*) FILTER (WHERE f.rating = 'down'),
               avg(a.confidence), count(*) FILTER (WHERE a.confidence < 0.5),
               (SELECT array_agg(x) FROM (
                   SELECT q2.query AS x FROM messages q2 JOIN messages a2 ON a2.reply_to = q2.id
                   WHERE q2.workspace_id = :ws AND q2.created_at >= :start
                     AND q2.created_at < :end AND a2.action = 'no_answer'
                   GROUP BY q2.query ORDER BY count(*) DESC LIMIT 10) u)
        {_QUESTIONS}
    """,
}


class CheapEmbedder:
    """Deterministic vectors from a hash: the gap report's own cost, not a model's."""

    name = "bench-hash"

    async def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return [self._vector(t) for t in texts]

    async def embed_query(self, text: str) -> list[float]:
        return self._vector(text)

    def count_tokens(self, text: str) -> int:
        return len(text.split())

    def _vector(self, text: str) -> list[float]:
        digest = hashlib.sha512(text.encode()).digest() * 6
        return [b / 255 - 0.5 for b in digest[:384]]


class Now:
    def now(self) -> datetime:
        return datetime.now(UTC)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def timed(run: Callable[[], Awaitable[Any]], runs: int) -> list[float]:
    await run()  # warm: connections, plans, the gap report's embeddings
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        await run()
        timings.append((time.perf_counter() - started) * 1000)
    return timings


def reports(engine: AsyncEngine, ws: WorkspaceId) -> dict[str, Callable[[], Awaitable[Any]]]:
    analytics, clock = PostgresAnalyticsReadModel(engine), Now()
    today = clock.now().date()
    inp = ReportInput(today - timedelta(days=29), today, TZ)
    owner = Principal(ws, Role.OWNER)
    gaps = FindContentGaps(
        analytics,
        PostgresQuestionVectors(engine),
        CheapEmbedder(),
        PostgresRetriever(engine),
        clock,
    )
    return {
        "summary": lambda: GetAnalyticsSummary(analytics, clock).execute(owner, inp),
        "queries-over-time": lambda: GetQueriesOverTime(analytics, clock).execute(
            owner, inp, "day"
        ),
        "top-queries": lambda: GetTopQueries(analytics, clock).execute(owner, inp, 10),
        "documents": lambda: GetDocumentUsage(analytics, clock).execute(owner, inp),
        "embed-codes": lambda: GetEmbedCodeUsage(analytics, clock).execute(owner, inp),
        "quality": lambda: GetAnswerQuality(analytics, clock).execute(owner, inp),
        "gaps": lambda: gaps.execute(owner, inp, 20),
    }


def raw_scan(engine: AsyncEngine, ws: WorkspaceId, sql: str) -> Callable[[], Awaitable[Any]]:
    today = datetime.now(UTC).date()
    inp = ReportInput(today - timedelta(days=29), today, TZ)
    where = open_report(Principal(ws, Role.OWNER), inp, Now())[1]
    params = {"ws": ws, "start": where.start, "end": where.end, "tz": TZ}

    async def run() -> Any:
        async with engine.connect() as conn, conn.begin():
            await scope_transaction(conn, ws)
            return (await conn.execute(text(sql), params)).all()

    return run


async def measure(url: str, ws: WorkspaceId, runs: int) -> None:
    engine = runtime_engine(url, pool_size=4)
    print(f"{'endpoint':<19}{'p50 ms':>8}{'p95 ms':>8}{'raw p50':>9}{'raw p95':>9}{'raw/p50':>9}")
    for name, run in reports(engine, ws).items():
        ours = await timed(run, runs)
        raw = await timed(raw_scan(engine, ws, RAW[name]), runs) if name in RAW else None
        line = f"{name:<19}{percentile(ours, 0.5):>8.1f}{percentile(ours, 0.95):>8.1f}"
        if raw:
            ratio = percentile(raw, 0.5) / percentile(ours, 0.5)
            line += f"{percentile(raw, 0.5):>9.1f}{percentile(raw, 0.95):>9.1f}{ratio:>8.1f}x"
        print(line, flush=True)
    await engine.dispose()


async def export_footprint(url: str, ws: WorkspaceId) -> None:
    """Streams the whole workspace as JSONL and watches the process's memory meanwhile."""
    engine = runtime_engine(url, pool_size=2)
    archive, process = PostgresConversationArchive(engine), psutil.Process()
    baseline = peak = process.memory_info().rss
    sessions = messages = size = 0
    started = time.perf_counter()
    async for session in archive.sessions(ws, None, None):
        sessions, messages = sessions + 1, messages + len(session.messages)
        size += len(jsonl_line(session))
        if sessions % 500 == 0:
            peak = max(peak, process.memory_info().rss)
    await engine.dispose()
    print(
        f"export: {messages:,} messages in {sessions:,} sessions, {size / 1e6:.0f} MB of JSONL "
        f"in {time.perf_counter() - started:.1f} s; process memory grew "
        f"{(peak - baseline) / 1e6:.1f} MB at most",
        flush=True,
    )


def largest_workspace(url: str) -> uuid.UUID | None:
    engine = create_engine(sqlalchemy_url(url))
    with engine.connect() as conn:
        found = conn.execute(
            text("SELECT workspace_id FROM messages GROUP BY 1 ORDER BY count(*) DESC LIMIT 1")
        ).scalar()
    engine.dispose()
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, default=MESSAGES)
    parser.add_argument("--workspaces", type=int, default=WORKSPACES)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--keep", type=Path, help="a data directory to keep and reuse")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        server = EmbeddedPostgres(args.keep or Path(scratch))
        url = server.start()
        try:
            migrate(url)
            ws = largest_workspace(url) or seed(url, args.messages, args.workspaces)
            print(f"largest workspace {ws}, last 30 days in {TZ}, {args.runs} runs each")
            asyncio.run(measure(url, WorkspaceId(ws), args.runs))
            asyncio.run(export_footprint(url, WorkspaceId(ws)))
        finally:
            server.stop()


if __name__ == "__main__":
    main()
