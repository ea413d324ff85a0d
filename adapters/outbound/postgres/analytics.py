"""The analytics read model over the records migration 0009's triggers keep."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from adapters.outbound.postgres.scope import scoped
from application.ports.analytics import (
    BucketCounts,
    DocumentUsage,
    EmbedCodeUsage,
    QueryCount,
    Slice,
    Totals,
)
from domain.analytics import LOW_CONFIDENCE
from domain.ids import DocumentId, WorkspaceId

# SQL is built from this module's constants only; every value travels as a parameter.
_LOW = int(LOW_CONFIDENCE * 1000)
# domain.analytics.SessionRecord.outcome, in SQL.
OUTCOME = """
CASE WHEN taken_over OR agent_wrote THEN 'handoff'
     WHEN rated_down THEN 'unresolved'
     WHEN CAST(:now AS timestamptz)
          - coalesce(greatest(last_answer_at, last_visitor_at), started_at) < interval '24 hours'
         THEN 'pending'
     WHEN grounded_answers > 0 AND last_bot_action = 'answered' AND last_answer_at IS NOT NULL
          AND (last_visitor_at IS NULL OR last_visitor_at <= last_answer_at) THEN 'resolved'
     ELSE 'unresolved' END
"""
_WORK_MEM = text("SET LOCAL work_mem = '64MB'")
_QUESTIONS = "workspace_id = :ws AND asked_at >= :start AND asked_at < :end"
_SESSIONS = "workspace_id = :ws AND started_at >= :start AND started_at < :end AND queries > 0"
_CITATIONS = "workspace_id = :ws AND cited_at >= :start AND cited_at < :end"
_BY_CODE = " AND embed_code_id = :code"
_GAP = f" AND (action = 'no_answer' OR confidence_milli < {_LOW} OR rating = 'down')"

_QUESTION_TOTALS = f"""
SELECT count(*) AS queries,
       count(*) FILTER (WHERE action = 'answered') AS answered,
       count(*) FILTER (WHERE action = 'no_answer') AS no_answer,
       count(latency_ms) AS replies,
       coalesce(sum(latency_ms), 0) AS latency_ms_sum,
       percentile_disc(0.95) WITHIN GROUP (ORDER BY latency_ms) AS p95_latency_ms,
       coalesce(sum(confidence_milli), 0) AS confidence_milli_sum,
       count(confidence_milli) AS confidence_count,
       count(*) FILTER (WHERE confidence_milli < {_LOW}) AS low_confidence,
       count(*) FILTER (WHERE rating = 'up') AS feedback_up,
       count(*) FILTER (WHERE rating = 'down') AS feedback_down
FROM analytics_questions WHERE {_QUESTIONS}
"""  # noqa: S608
_SESSION_TOTALS = f"""
SELECT count(*) AS sessions,
       count(DISTINCT visitor_key) AS unique_visitors,
       count(*) FILTER (WHERE outcome = 'handoff') AS handoff_sessions,
       count(*) FILTER (WHERE outcome = 'resolved') AS resolved_sessions,
       count(*) FILTER (WHERE outcome = 'pending') AS pending_sessions
FROM (SELECT visitor_key, {OUTCOME} AS outcome FROM analytics_sessions WHERE {_SESSIONS}
"""  # noqa: S608


def _where(base: str, where: Slice) -> str:
    return base + (_BY_CODE if where.embed_code_id is not None else "")


def _params(workspace_id: WorkspaceId, where: Slice, **extra: Any) -> dict[str, Any]:
    return {
        "ws": workspace_id,
        "start": where.start,
        "end": where.end,
        "now": where.now,
        "code": where.embed_code_id,
        **extra,
    }


class PostgresAnalyticsReadModel:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    @asynccontextmanager
    async def _read(self, workspace_id: WorkspaceId) -> AsyncIterator[AsyncConnection]:
        async with scoped(self._engine, workspace_id) as conn:
            # Sorts and hashes of a large workspace's month stay in memory, not on disk.
            await conn.execute(_WORK_MEM)
            yield conn

    async def totals(self, workspace_id: WorkspaceId, where: Slice) -> Totals:
        params = _params(workspace_id, where)
        code = _BY_CODE if where.embed_code_id is not None else ""
        async with self._read(workspace_id) as conn:
            q = (await conn.execute(text(_QUESTION_TOTALS + code), params)).mappings().one()
            s = (await conn.execute(text(_SESSION_TOTALS + code + ") x"), params)).mappings().one()
        return Totals(**{**dict(q), **dict(s)})

    async def buckets(
        self, workspace_id: WorkspaceId, where: Slice, bounds: list[datetime]
    ) -> list[BucketCounts]:
        params = _params(workspace_id, where, bounds=bounds)
        questions = text(
            "SELECT width_bucket(asked_at, CAST(:bounds AS timestamptz[])) AS i, count(*) AS n "  # noqa: S608
            f"FROM analytics_questions WHERE {_where(_QUESTIONS, where)} GROUP BY 1"
        )
        sessions = text(
            f"""
            SELECT i, count(*) AS n,
                   count(*) FILTER (WHERE outcome = 'resolved') AS resolved,
                   count(*) FILTER (WHERE outcome = 'pending') AS pending,
                   count(*) FILTER (WHERE outcome = 'handoff') AS handoff
            FROM (SELECT width_bucket(started_at, CAST(:bounds AS timestamptz[])) AS i,
                         {OUTCOME} AS outcome
                  FROM analytics_sessions WHERE {_where(_SESSIONS, where)}) x
            GROUP BY i
            """  # noqa: S608
        )
        async with self._read(workspace_id) as conn:
            per_question = {r.i: r.n for r in await conn.execute(questions, params)}
            per_session = {r.i: r for r in await conn.execute(sessions, params)}
        counts = []
        for i in range(1, len(bounds)):
            s = per_session.get(i)
            counts.append(
                BucketCounts(
                    queries=per_question.get(i, 0),
                    sessions=s.n if s else 0,
                    resolved_sessions=s.resolved if s else 0,
                    pending_sessions=s.pending if s else 0,
                    handoff_sessions=s.handoff if s else 0,
                )
            )
        return counts

    async def top_queries(
        self, workspace_id: WorkspaceId, where: Slice, limit: int, *, unanswered: bool = False
    ) -> list[QueryCount]:
        only = " AND action = 'no_answer'" if unanswered else ""
        return await self._query_counts(workspace_id, where, limit, only)

    async def gap_questions(
        self, workspace_id: WorkspaceId, where: Slice, limit: int
    ) -> list[QueryCount]:
        return await self._query_counts(workspace_id, where, limit, _GAP)

    async def gap_visitors(
        self, workspace_id: WorkspaceId, where: Slice, groups: list[list[str]]
    ) -> list[int]:
        queries = [query for group in groups for query in group]
        index = [i for i, group in enumerate(groups) for _ in group]
        query = text(
            f"""
            SELECT g.i, count(DISTINCT q.visitor_key) AS n
            FROM analytics_questions q
            JOIN unnest(CAST(:queries AS text[]), CAST(:index AS integer[])) AS g(query, i)
              ON g.query = q.query
            WHERE {_where(_QUESTIONS, where)}{_GAP}
            GROUP BY g.i
            """  # noqa: S608
        )
        params = _params(workspace_id, where, queries=queries, index=index)
        async with self._read(workspace_id) as conn:
            found = {r.i: r.n for r in await conn.execute(query, params)}
        return [int(found.get(i, 0)) for i in range(len(groups))]

    async def _query_counts(
        self, workspace_id: WorkspaceId, where: Slice, limit: int, only: str
    ) -> list[QueryCount]:
        query = text(
            f"""
            SELECT query, count(*) AS count,
                   count(*) FILTER (WHERE action = 'answered') AS answered,
                   min(asked_at) AS first_asked_at, max(asked_at) AS last_asked_at
            FROM analytics_questions WHERE {_where(_QUESTIONS, where)}{only} AND query <> ''
            GROUP BY query ORDER BY count(*) DESC, query COLLATE "C" LIMIT :limit
            """  # noqa: S608
        )
        async with self._read(workspace_id) as conn:
            rows = await conn.execute(query, _params(workspace_id, where, limit=limit))
            return [QueryCount(**dict(row)) for row in rows.mappings()]

    async def documents(self, workspace_id: WorkspaceId, where: Slice) -> list[DocumentUsage]:
        query = text(
            f"""
            SELECT d.id, d.title, coalesce(c.citations, 0) AS citations,
                   coalesce(c.sessions, 0) AS sessions, c.last_cited_at
            FROM documents d LEFT JOIN (
                SELECT document_id, count(*) AS citations,
                       count(DISTINCT session_id) AS sessions, max(cited_at) AS last_cited_at
                FROM analytics_citations WHERE {_where(_CITATIONS, where)}
                GROUP BY document_id
            ) c ON c.document_id = d.id
            WHERE d.workspace_id = :ws
            """  # noqa: S608
        )
        async with self._read(workspace_id) as conn:
            rows = await conn.execute(query, _params(workspace_id, where))
            return [
                DocumentUsage(DocumentId(r.id), r.title, r.citations, r.sessions, r.last_cited_at)
                for r in rows
            ]

    async def embed_codes(self, workspace_id: WorkspaceId, where: Slice) -> list[EmbedCodeUsage]:
        params = _params(workspace_id, where)
        codes = "SELECT id, name FROM embed_codes WHERE workspace_id = :ws" + (  # noqa: S608
            " AND id = :code" if where.embed_code_id is not None else ""
        )
        sessions = (
            "SELECT embed_code_id, sum(n) AS sessions, count(*) AS visitors FROM ("  # noqa: S608
            "SELECT embed_code_id, visitor_key, count(*) AS n "
            f"FROM analytics_sessions WHERE {_where(_SESSIONS, where)} GROUP BY 1, 2) x GROUP BY 1"
        )
        questions = (
            "SELECT embed_code_id, count(*) AS queries, max(asked_at) AS last "  # noqa: S608
            f"FROM analytics_questions WHERE {_where(_QUESTIONS, where)} GROUP BY 1"
        )
        async with self._read(workspace_id) as conn:
            names: dict[uuid.UUID | None, str] = {
                r.id: r.name for r in await conn.execute(text(codes), params)
            }
            per_session = {r.embed_code_id: r for r in await conn.execute(text(sessions), params)}
            per_question = {r.embed_code_id: r for r in await conn.execute(text(questions), params)}
        return _usage(names, per_session, per_question)

    async def knowledge_size(self, workspace_id: WorkspaceId) -> tuple[int, int]:
        query = text(
            "SELECT count(*) AS documents, coalesce(sum(chunk_count), 0) AS chunks "
            "FROM documents WHERE workspace_id = :ws"
        )
        async with self._read(workspace_id) as conn:
            row = (await conn.execute(query, {"ws": workspace_id})).one()
        return int(row.documents), int(row.chunks)


API_TRAFFIC = "API"


def _usage(
    names: dict[uuid.UUID | None, str], per_session: dict[Any, Any], per_question: dict[Any, Any]
) -> list[EmbedCodeUsage]:
    if None in per_session or None in per_question:
        names[None] = API_TRAFFIC
    items = []
    for code_id, name in names.items():
        s, q = per_session.get(code_id), per_question.get(code_id)
        items.append(
            EmbedCodeUsage(
                code_id,
                name,
                sessions=int(s.sessions) if s else 0,  # sum() of bigint is numeric: a Decimal
                queries=q.queries if q else 0,
                unique_visitors=s.visitors if s else 0,
                last_used_at=q.last if q else None,
            )
        )
    return items
