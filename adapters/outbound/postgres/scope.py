"""Scoping a transaction for row-level security (see migration 0001's policies), and opening
one on a live connection.

Two round trips are saved on every transaction: the transaction's `BEGIN` and the scope go
to the server together (a psycopg pipeline), and a pooled connection is not pinged before
use (no `pool_pre_ping`): one that died since its last use (a database restart) fails on
that first exchange, before anything of ours ran on it, and is replaced."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Mapping, Sequence
from typing import Any

import psycopg
from psycopg.rows import dict_row, namedtuple_row
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from adapters.outbound.postgres.outage import is_outage, outage_translated
from domain.ids import WorkspaceId

# After a database restart every pooled connection is dead: each is dropped in turn, and the
# pool then opens a new one (whose failure is an outage). More than a pool ever holds; the
# retriever's own pipelined transactions follow the same bound.
MAX_DEAD_CONNECTIONS = 64
_SCOPE_SQL = (
    "SELECT set_config('ccgpt.workspace_id', %s, true), set_config('ccgpt.scope', %s, true)"
)

# The same scope, with the workspace as the named parameter `ws` (for `pipelined`).
_TENANT_SCOPE = (
    b"SELECT set_config('ccgpt.workspace_id', %(ws)s, true) AS workspace, "
    b"set_config('ccgpt.scope', 'tenant', true) AS scope"
)


async def scope_transaction(conn: AsyncConnection, workspace_id: WorkspaceId | None) -> None:
    """Until the transaction ends, rows are visible for this workspace only, or, with
    None, for the system (cross-tenant lookups: authentication, the job queue)."""
    workspace, scope = (str(workspace_id), "tenant") if workspace_id else ("", "system")
    raw = (await conn.get_raw_connection()).driver_connection
    assert raw is not None  # psycopg 3: the only driver this adapter is built on
    async with raw.pipeline():
        await raw.execute(_SCOPE_SQL, (workspace, scope))


async def begin_scoped(engine: AsyncEngine, workspace_id: WorkspaceId | None) -> AsyncConnection:
    """A connection in a scoped transaction (the caller commits or rolls back, and closes)."""
    for _ in range(MAX_DEAD_CONNECTIONS):
        conn = await engine.connect()  # a new connection that fails here is an outage
        try:
            await conn.begin()
            await scope_transaction(conn, workspace_id)
        except BaseException as error:
            stale = isinstance(error, Exception) and is_outage(error)
            with contextlib.suppress(Exception):
                await (conn.invalidate() if stale else conn.close())
            if not stale:
                raise
            continue
        return conn
    raise ConnectionError("every pooled database connection failed")


async def pipelined(
    raw: psycopg.AsyncConnection[Any],
    begin: bytes,
    queries: Sequence[bytes],
    params: Mapping[str, Any],
) -> list[list[Any]]:
    """`begin`, the queries and COMMIT sent as one psycopg pipeline (one round trip) on an
    autocommit connection (psycopg adds no BEGIN of its own): the rows of each query."""
    if not raw.autocommit:
        raise RuntimeError("a pipelined transaction needs an autocommit engine")
    cursors = []
    async with raw.pipeline():
        await raw.execute(begin)
        for query in queries:
            cursor = raw.cursor(row_factory=namedtuple_row)
            await cursor.execute(query, params)
            cursors.append(cursor)
        await raw.execute(b"COMMIT")
    return [await cursor.fetchall() for cursor in cursors]


async def reads_together(
    conn: AsyncConnection, queries: Sequence[tuple[bytes, Mapping[str, Any]]]
) -> list[list[dict[str, Any]]]:
    """Queries of the connection's open transaction sent as one psycopg pipeline (one round
    trip), run in turn by the server: the rows of each, as column -> value. Each still
    sees what committed before it ran (a lock the first waits for is held by the next)."""
    raw: psycopg.AsyncConnection[Any] = (await conn.get_raw_connection()).driver_connection  # type: ignore[assignment]
    cursors = []
    async with raw.pipeline():
        for query, params in queries:
            cursor = raw.cursor(row_factory=dict_row)
            await cursor.execute(query, params)
            cursors.append(cursor)
    return [await cursor.fetchall() for cursor in cursors]


async def read_in_one_round_trip(
    engine: AsyncEngine, workspace_id: WorkspaceId, query: bytes, params: Mapping[str, Any]
) -> list[Any]:
    """The rows of one read-only query in the workspace's scope: BEGIN, scope, query and
    COMMIT sent as one psycopg pipeline, so one round trip where a scoped transaction takes
    three. `engine` must be autocommit (`retrieval_engine`: psycopg adds no BEGIN of its
    own). A connection that fails mid-way is dropped, not pooled; an outage comes out as
    DatabaseUnavailable."""
    async with outage_translated(), engine.connect() as conn:
        raw: psycopg.AsyncConnection[Any] = (await conn.get_raw_connection()).driver_connection  # type: ignore[assignment]
        try:
            params = {**params, "ws": str(workspace_id)}
            _, rows = await pipelined(raw, b"BEGIN READ ONLY", [_TENANT_SCOPE, query], params)
            return rows
        except BaseException:
            await conn.invalidate()  # a statement failed or we were cancelled mid-pipeline
            raise


@contextlib.asynccontextmanager
async def scoped(
    engine: AsyncEngine, workspace_id: WorkspaceId | None
) -> AsyncIterator[AsyncConnection]:
    """One scoped transaction, committed when the block ends without error; an outage
    comes out as DatabaseUnavailable."""
    async with outage_translated():
        conn = await begin_scoped(engine, workspace_id)
        try:
            yield conn
            await conn.commit()
        finally:
            with contextlib.suppress(Exception):
                await conn.close()
