"""Vector and keyword candidates from PostgreSQL + pgvector, always within one workspace.

Filtered HNSW is a trap (MEASUREMENTS.md): with a workspace filter, the index scan finds
the globally nearest rows and the filter then drops nearly all of them. So we choose the
path ourselves: an exact scan for a small workspace (fast through the workspace index),
and for a large one HNSW with iterative scanning and a larger candidate list. How large
is large depends on the workspace's share of the index too: filtered, HNSW has to walk
past every other tenant's rows, so a 5,000-chunk tenant holding 5% of all chunks found
only 0.90-0.94 of its exact 60 nearest and was barely faster, while one holding all of
them is found 7-10x faster than by scanning, at recall 0.99-1.00 (the search benchmark's
database, `benchmarks/search_latency.py`). A workspace with an index of its own
(`vector_indexes`, built by the idle worker from 4,000 chunks) walks that instead, never
passing other tenants' rows.

One search is one round trip: the transaction (BEGIN, the row-level-security scope, the
statements, COMMIT) goes out as one psycopg pipeline on a connection of the retrieval
engine (`retrieval_engine`: autocommit, so psycopg adds no BEGIN of its own, and no ping
on checkout; a connection found broken is replaced once). The statements share one
snapshot (REPEATABLE READ), so statistics, candidates and the knowledge version agree.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg.pq import TransactionStatus
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.outbound.postgres.outage import outage_translated
from adapters.outbound.postgres.scope import MAX_DEAD_CONNECTIONS, pipelined
from adapters.outbound.postgres.vector_indexes import own_index_name
from application.ports.retriever import Candidates, TermStatistics
from application.search import KEYWORD_POSTINGS
from domain.ids import ChunkId, DocumentId, WorkspaceId
from domain.knowledge import FoundChunk
from domain.search_terms import TermCounts

EXACT_SCAN_MAX_CHUNKS = 20_000  # above: always HNSW
HNSW_MIN_CHUNKS = 4_000  # above, and holding at least HNSW_MIN_SHARE of all chunks: HNSW
HNSW_MIN_SHARE = 0.1
# The whole table's size: PostgreSQL's estimate (pg_class.reltuples, kept by autovacuum);
# unknown (never analyzed) counts as too large to share.
_ALL_CHUNKS = (
    "(SELECT CASE WHEN reltuples > 0 THEN reltuples ELSE 'infinity' END "
    "FROM pg_class WHERE oid = 'public.chunks'::regclass)"
)


# Whether the workspace has a complete HNSW index of its own (`vector_indexes`): a catalog
# lookup by name, `own_index` being `own_index_name(ws)`.
_OWN_INDEX = (
    "EXISTS (SELECT FROM pg_class c JOIN pg_index i ON i.indexrelid = c.oid "
    "WHERE c.relname = %(own_index)s AND c.relnamespace = 'public'::regnamespace "
    "AND i.indisvalid)"
)


def approximate_path(
    chunks: str, all_chunks: str = _ALL_CHUNKS, own_index: str = _OWN_INDEX
) -> str:
    """SQL: whether a workspace of `chunks` chunks takes the approximate (HNSW) path: a
    large one always; from HNSW_MIN_CHUNKS, one with an index of its own, or that fills
    enough of the shared index for its filtered walk to pay."""
    return (
        f"({chunks} > %(exact_max)s OR ({chunks} > %(exact_min)s AND "
        f"({own_index} OR {chunks} >= %(hnsw_share)s * {all_chunks})))"
    )


_APPROXIMATE = approximate_path("s.n")

_BEGIN = b"BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"
# Row-level security (migration 0001) reads the workspace from ccgpt.workspace_id. The HNSW
# settings only matter on the approximate path; sorting is turned off there, or the planner
# may still sort a whole large tenant by hand instead of walking the index. The keyword
# postings of a large tenant (a few thousand rows) are grouped in memory, not on disk.
_SCOPE = b"""
    SELECT set_config('ccgpt.workspace_id', %(ws)s::text, true) AS workspace,
           set_config('ccgpt.scope', 'tenant', true) AS scope,
           set_config('hnsw.ef_search', %(ef_search)s::text, true) AS ef_search,
           set_config('hnsw.iterative_scan', 'relaxed_order', true) AS iterative_scan,
           set_config('work_mem', '16MB', true) AS work_mem
"""
_SORT = (
    "set_config('enable_sort', CASE WHEN " + _APPROXIMATE + " THEN 'off' "
    "ELSE 'on' END, true) AS sort"
)
_SIZE = """
    SELECT s.n AS chunks, {sort}
    FROM (SELECT coalesce(sum(chunk_count), 0) AS n FROM documents
          WHERE workspace_id = %(ws)s::uuid) s
""".replace("{sort}", _SORT).encode()
# What the retrieval cache compares: any change to a document row (a new xmin), an added or
# deleted document, or a new chunk count changes it. Chunks change only with their document.
_VERSION = b"""
    SELECT count(*) AS documents, coalesce(sum(chunk_count), 0) AS chunks,
           max(updated_at) AS updated, coalesce(sum(xmin::text::bigint), 0) AS rows
    FROM documents WHERE workspace_id = %(ws)s::uuid
"""
# The exact path: `+ 0` keeps the planner off the HNSW index, for a complete answer. Each
# path runs only when the workspace's size calls for it (a one-time filter).
_DENSE = """
    size AS MATERIALIZED (
        SELECT {approximate} AS approximate
        FROM (SELECT coalesce(sum(chunk_count), 0) AS n FROM documents
              WHERE workspace_id = %(ws)s::uuid) s
    ),
    exact AS MATERIALIZED (
        SELECT c.id, c.embedding <=> %(v)s::vector AS distance FROM chunks c
        WHERE c.workspace_id = %(ws)s::uuid AND NOT (SELECT approximate FROM size)
        ORDER BY (c.embedding <=> %(v)s::vector) + 0, c.id
        LIMIT %(n)s
    ),
    approximate AS MATERIALIZED (
        SELECT c.id, c.embedding <=> %(v)s::vector AS distance FROM chunks c
        WHERE c.workspace_id = %(ws)s::uuid AND (SELECT approximate FROM size)
        ORDER BY c.embedding <=> %(v)s::vector
        LIMIT %(n)s
    ),
    dense AS (SELECT * FROM exact UNION ALL SELECT * FROM approximate)
""".replace("{approximate}", _APPROXIMATE)
# Before the candidates, per query term: the workspace's size and its document frequency
# (returned), and into settings the candidates statement reads: the term's keyword weight,
# `application.search.keyword_weights` in SQL (the BM25 IDF of each informative term, in at
# most half of the chunks, or of every term when none is; float8 as Python computes it),
# and the terms that find candidates, `application.search.finding_terms` in SQL. Settings,
# because a statement is planned when it runs: the postings index is searched for those
# terms. Each term's frequency is a lookup by primary key whatever the planner believes of
# the workspace (the LIMIT keeps the subquery from being flattened into a join): with stale
# statistics a fresh workspace's terms were read whole and joined by filter, 1,635 rows for
# 7 terms, 3.2 of the statement's 3.5 ms.
_KEYWORD_PLAN = """
    WITH size AS (
        SELECT coalesce(sum(chunk_count), 0) AS n FROM documents WHERE workspace_id = %(ws)s::uuid
    ),
    statistics AS (
        SELECT q.term, q.i, coalesce(w.chunks, 0) AS df, s.n
        FROM unnest(%(terms)s::text[]) WITH ORDINALITY AS q(term, i)
        CROSS JOIN size s
        LEFT JOIN LATERAL (SELECT w.chunks FROM workspace_terms w
                           WHERE w.workspace_id = %(ws)s::uuid AND w.term = q.term
                           LIMIT 1) w ON true
    ),
    weights AS (
        SELECT t.i, t.term, t.df, ln(1::float8 + ((m.total - m.df)::float8 + 0.5::float8)
                                                / (m.df::float8 + 0.5::float8)) AS w
        FROM statistics t
        CROSS JOIN LATERAL (SELECT greatest(t.n, 1) AS total,
                                   least(t.df, greatest(t.n, 1)) AS df) m
        WHERE t.df <= t.n / 2.0 OR NOT EXISTS (SELECT FROM statistics u WHERE u.df <= u.n / 2.0)
    ),
    ranked AS (
        SELECT term, row_number() OVER rarest AS r, sum(df) OVER rarest AS postings
        FROM weights WINDOW rarest AS (ORDER BY df, i ROWS UNBOUNDED PRECEDING)
    )
    SELECT s.n AS chunks, t.term, t.df,
        {sort},
        set_config('ccgpt.keyword_weights', (
            SELECT coalesce(array_agg(coalesce(w.w, 0) ORDER BY u.i), '{}')
            FROM statistics u LEFT JOIN weights w USING (i))::text, true) AS weights,
        set_config('ccgpt.keyword_terms', (
            SELECT coalesce(array_agg(term), '{}') FROM ranked
            WHERE r = 1 OR postings <= %(postings)s)::text, true) AS finding,
        set_config('ccgpt.keyword_common', (
            SELECT coalesce(array_agg(term), '{}') FROM ranked
            WHERE r > 1 AND postings > %(postings)s)::text, true) AS common
    FROM size s LEFT JOIN statistics t ON true
""".replace("{sort}", _SORT).encode()
# The chunks holding a finding term, from the postings table's primary key alone
# (migration 0016: an index-only range per term), with the finding terms each holds; then,
# for the chunks found, the common informative terms each holds (a lookup in the same
# index). What the search returns of the chunks is read under row-level security below.
_KEYWORD = """
    postings AS MATERIALIZED (
        SELECT p.chunk_id AS id, array_agg(p.term) AS held
        FROM chunk_postings p
        WHERE p.workspace_id = %(ws)s::uuid
          AND p.term = ANY(current_setting('ccgpt.keyword_terms')::text[])
        GROUP BY p.chunk_id
    ),
    common AS MATERIALIZED (
        SELECT p.chunk_id AS id, array_agg(p.term) AS held
        FROM chunk_postings p JOIN postings f ON f.id = p.chunk_id
        WHERE p.workspace_id = %(ws)s::uuid
          AND p.term = ANY(current_setting('ccgpt.keyword_common')::text[])
        GROUP BY p.chunk_id
    ),
    keyword AS MATERIALIZED (
        SELECT p.id, {score} AS score
        FROM (SELECT f.id, f.held || coalesce(c.held, '{{}}') AS held
              FROM postings f LEFT JOIN common c ON c.id = f.id) p
        ORDER BY score DESC, p.id
        LIMIT %(n)s
    )
"""
# A chunk scores the summed weight of the informative terms it holds, in query order, as
# `keyword_weights` says.
_TERM_SCORE = "(CASE WHEN %(t{i})s::text = ANY(p.held) THEN {weight} ELSE 0::float8 END)"
_WEIGHT = "(SELECT (current_setting('ccgpt.keyword_weights')::float8[])[{k}])"
# For BM25, of each candidate: how often each asked term occurs in it (migration 0014),
# in the order asked, and its length in terms.
_COUNTS = """
    (SELECT coalesce(array_agg(coalesce(c.term_counts[array_position(c.terms, q.t)], 0)
                               ORDER BY q.i), '{}')
     FROM unnest(%(terms)s::text[]) WITH ORDINALITY AS q(t, i)) AS asked,
    (SELECT coalesce(sum(n), 0) FROM unnest(c.term_counts) AS n) AS length"""
_ROWS = """
    SELECT c.id, c.document_id, d.title, c.text, c.heading, c.page, {columns}
    FROM {found} JOIN chunks c ON c.id = f.id JOIN documents d ON d.id = c.document_id
"""


def _candidates_sql(term_count: int, with_vector: bool) -> bytes:
    score = " + ".join(
        _TERM_SCORE.format(i=i, weight=_WEIGHT.format(k=i + 1)) for i in range(term_count)
    )
    ctes = [_KEYWORD.format(score=score or "0::float8")]
    if with_vector:
        ctes.append(_DENSE)
        cosine = "1 - (c.embedding <=> %(v)s::vector)"
        found = (
            "(SELECT id, distance, NULL::float8 AS score FROM dense UNION ALL "
            "SELECT id, NULL, score FROM keyword) f"
        )
    else:
        cosine = "NULL::float8"
        found = "(SELECT id, NULL::float8 AS distance, score FROM keyword) f"
    columns = (
        "f.distance IS NOT NULL AS dense, "
        f"CASE WHEN f.distance IS NOT NULL THEN 1 - f.distance ELSE {cosine} END AS cosine, "
        "f.score AS keyword, f.distance, " + _COUNTS
    )
    rows = _ROWS.format(columns=columns, found=found)
    return ("WITH " + ",".join(ctes) + rows).encode()


_NEAREST = (
    "WITH "
    + _DENSE
    + _ROWS.format(
        columns="true AS dense, 1 - f.distance AS cosine, NULL::float8 AS keyword, f.distance",
        found="dense f",
    )
).encode()


class PostgresRetriever:
    """`engine` comes from `retrieval_engine` (autocommit, no ping): one round trip per
    call. Also answers the retrieval cache's `knowledge_version`, and gives it each result
    with the version it was read at (`versioned_*`), in the same round trip."""

    def __init__(
        self,
        engine: AsyncEngine,
        exact_scan_max_chunks: int = EXACT_SCAN_MAX_CHUNKS,
        keyword_postings: int = KEYWORD_POSTINGS,
        hnsw_min_chunks: int = HNSW_MIN_CHUNKS,
    ) -> None:
        self._engine, self._exact_max = engine, exact_scan_max_chunks
        self._exact_min = min(hnsw_min_chunks, exact_scan_max_chunks)
        self._postings = keyword_postings

    async def nearest(
        self, workspace_id: WorkspaceId, vector: list[float], limit: int
    ) -> list[FoundChunk]:
        return (await self.versioned_nearest(workspace_id, vector, limit, versioned=False))[1]

    async def candidates(
        self, workspace_id: WorkspaceId, terms: list[str], vector: list[float] | None, limit: int
    ) -> Candidates:
        found = await self.versioned_candidates(workspace_id, terms, vector, limit, versioned=False)
        return found[1]

    async def knowledge_version(self, workspace_id: WorkspaceId) -> Hashable:
        return (await self._transaction(workspace_id, {"n": 0}, [], versioned=True)).version

    async def versioned_nearest(
        self, workspace_id: WorkspaceId, vector: list[float], limit: int, versioned: bool = True
    ) -> tuple[Hashable, list[FoundChunk]]:
        params = {"v": _vector_literal(vector), "n": limit}
        read = await self._transaction(workspace_id, params, [_SIZE, _NEAREST], versioned)
        rows = sorted(read.results[1], key=lambda r: (r.distance, str(r.id)))
        return read.version, [_found(r, r.cosine) for r in rows]

    async def versioned_candidates(
        self,
        workspace_id: WorkspaceId,
        terms: list[str],
        vector: list[float] | None,
        limit: int,
        versioned: bool = True,
    ) -> tuple[Hashable, Candidates]:
        params: dict[str, Any] = {"terms": list(terms), "n": limit, "postings": self._postings}
        params |= {f"t{i}": term for i, term in enumerate(terms)}
        if vector is not None:
            params["v"] = _vector_literal(vector)
        statements = [_KEYWORD_PLAN, _candidates_sql(len(terms), vector is not None)]
        read = await self._transaction(workspace_id, params, statements, versioned)
        plan, rows = read.results
        statistics = TermStatistics(
            int(plan[0].chunks), {r.term: int(r.df) for r in plan if r.term and r.df}
        )
        dense = sorted((r for r in rows if r.dense), key=lambda r: (r.distance, str(r.id)))
        keyword = sorted(
            (r for r in rows if r.keyword is not None), key=lambda r: (-r.keyword, str(r.id))
        )
        counts = {
            ChunkId(r.id): TermCounts(
                int(r.length), {t: n for t, n in zip(terms, r.asked, strict=True) if n}
            )
            for r in rows
        }
        candidates = Candidates(
            statistics,
            [_found(r, r.cosine, r.cosine) for r in dense],
            [_found(r, r.keyword, r.cosine) for r in keyword],
            counts,
        )
        return read.version, candidates

    def parameters(self, workspace_id: WorkspaceId, params: dict[str, Any]) -> dict[str, Any]:
        """`params` (`n` the number of rows wanted) with what every statement is bound
        with besides: the workspace, its own index's name and the path's thresholds."""
        return {
            **params,
            "ws": str(workspace_id),
            "exact_max": self._exact_max,
            "exact_min": self._exact_min,
            "hnsw_share": HNSW_MIN_SHARE,
            "own_index": own_index_name(workspace_id),
            "ef_search": max(100, 4 * int(params["n"])),
        }

    async def _transaction(
        self,
        workspace_id: WorkspaceId,
        params: dict[str, Any],
        statements: Sequence[bytes],
        versioned: bool = False,
    ) -> _Read:
        """BEGIN, scope, [version,] the statements, COMMIT: one pipeline, whose results
        are [the version and] the rows of each statement."""
        params = self.parameters(workspace_id, params)
        queries = [_SCOPE, *([_VERSION] if versioned else []), *statements]
        async with outage_translated():
            for attempt in range(1, MAX_DEAD_CONNECTIONS + 1):
                async with self._engine.connect() as conn:
                    driver = (await conn.get_raw_connection()).driver_connection
                    raw: psycopg.AsyncConnection[Any] = driver  # type: ignore[assignment]
                    try:
                        results = await pipelined(raw, _BEGIN, queries, params)
                    except psycopg.Error:
                        if not raw.broken:
                            await _rolled_back(raw)
                            raise
                        await conn.invalidate()  # the server dropped it (a restart)
                        if attempt == MAX_DEAD_CONNECTIONS:
                            raise
                        continue
                    except BaseException:  # cancelled mid-pipeline: not fit for reuse
                        await conn.invalidate()
                        raise
                    if versioned:
                        return _Read(tuple(results[1][0]), results[2:])
                    return _Read(None, results[1:])
        raise AssertionError("unreachable")


@dataclass(frozen=True, slots=True)
class _Read:
    version: Hashable
    results: list[list[Any]]


async def _rolled_back(raw: psycopg.AsyncConnection[Any]) -> None:
    if raw.info.transaction_status != TransactionStatus.IDLE:
        await raw.execute(b"ROLLBACK")


def _vector_literal(vector: list[float]) -> str:
    return "[" + ",".join(f"{x:.7g}" for x in vector) + "]"


def _found(row: Any, score: float, similarity: float | None = None) -> FoundChunk:
    return FoundChunk(
        chunk_id=ChunkId(row.id),
        document_id=DocumentId(row.document_id),
        document_title=row.title,
        text=row.text,
        heading=row.heading,
        page=row.page,
        score=float(score),
        similarity=None if similarity is None else float(similarity),
    )
