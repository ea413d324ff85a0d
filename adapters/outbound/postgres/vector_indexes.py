"""Each large workspace's own HNSW index: a partial index of `chunks` for its rows alone.

Filtered to one tenant, the HNSW index over every tenant's vectors has to walk past the
others' rows (with `hnsw.iterative_scan`), which costs more, and finds fewer of the true
nearest rows, as the database grows. A partial index, `WHERE workspace_id = '<id>'`, holds
that tenant's rows alone: the planner takes it for the tenant's searches (the retriever's
statements are planned with their parameters, never as generic prepared plans), and the
retriever routes the tenant to it once it is valid (`own_index_name`).

Indexes are built and dropped CONCURRENTLY, so neither ingestion nor search waits for
them; DDL needs the schema's owner, so these run on a connection of the login role (the
one migrations use), not the row-level-security role of the runtime engines. Every
process's worker tends them; a session advisory lock lets one at a time do it.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

import psycopg
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.outbound.postgres.scope import scoped
from domain.ids import WorkspaceId

_PREFIX = "ix_chunks_embedding_ws_"
_LOCK = 0x63636770_76696478  # pg_try_advisory_lock's key: "ccgpvidx"
_SIZES = text(
    "SELECT workspace_id, sum(chunk_count) AS chunks FROM documents "
    "GROUP BY workspace_id HAVING sum(chunk_count) > 0"
)
_INDEXED = text(
    """
    SELECT c.relname AS name, i.indisvalid AS valid
    FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
    WHERE i.indrelid = 'public.chunks'::regclass
      AND starts_with(c.relname::text, :prefix)
    """
)
_STATE = b"""
    SELECT i.indisvalid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
    WHERE c.relname = %s AND c.relnamespace = 'public'::regnamespace
"""


def own_index_name(workspace_id: WorkspaceId | uuid.UUID | str) -> str:
    """The name of the workspace's own index (55 characters: under PostgreSQL's 63)."""
    return _PREFIX + uuid.UUID(str(workspace_id)).hex


class PostgresTenantVectorIndexes:
    """`engine` reads (as the runtime role, system scope); `owner_url` gives the login
    role's URL for the DDL (known once the database is started)."""

    def __init__(
        self, engine: AsyncEngine, owner_url: Callable[[], str], lock_timeout_seconds: int = 30
    ) -> None:
        self._engine, self._owner_url = engine, owner_url
        self._lock_timeout = lock_timeout_seconds

    async def sizes(self) -> dict[WorkspaceId, int]:
        async with scoped(self._engine, None) as conn:
            rows = await conn.execute(_SIZES)
            return {WorkspaceId(row.workspace_id): int(row.chunks) for row in rows}

    async def indexed(self) -> dict[WorkspaceId, bool]:
        async with scoped(self._engine, None) as conn:
            rows = await conn.execute(_INDEXED, {"prefix": _PREFIX})
            return {
                WorkspaceId(uuid.UUID(row.name.removeprefix(_PREFIX))): bool(row.valid)
                for row in rows
            }

    async def build(self, workspace_id: WorkspaceId) -> bool:
        name = own_index_name(workspace_id)
        async with await self._owner() as conn:
            if not await _locked(conn):
                return False
            state = await (await conn.execute(_STATE, (name,))).fetchone()
            if state is not None and state[0]:
                return True  # another process made it since the caller looked
            if state is not None:  # a build that failed (or was cut short) left it invalid
                await conn.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {name}".encode())
            # The global index's parameters (migration 0014); the tenant's id is a UUID.
            await conn.execute(
                f"CREATE INDEX CONCURRENTLY {name} ON chunks USING hnsw "
                f"(embedding vector_cosine_ops) WITH (m = 16, ef_construction = 64) "
                f"WHERE workspace_id = '{uuid.UUID(str(workspace_id))}'::uuid".encode()
            )
            return True

    async def drop(self, workspace_id: WorkspaceId) -> bool:
        async with await self._owner() as conn:
            if not await _locked(conn):
                return False
            name = own_index_name(workspace_id)
            await conn.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {name}".encode())
            return True

    async def _owner(self) -> psycopg.AsyncConnection[tuple[object, ...]]:
        conn = await psycopg.AsyncConnection.connect(
            self._owner_url(), autocommit=True, connect_timeout=5
        )
        try:
            # A build holds the table's SHARE UPDATE EXCLUSIVE lock (writes go on); it waits
            # at most this long for one, and one cut short is replaced by the next build.
            await conn.execute(f"SET lock_timeout = '{int(self._lock_timeout)}s'".encode())
            await conn.execute(b"SET maintenance_work_mem = '256MB'")
        except BaseException:
            await conn.close()  # not handed to the caller's `async with`: closed here
            raise
        return conn


async def _locked(conn: psycopg.AsyncConnection[tuple[object, ...]]) -> bool:
    """This session holds the tending lock (until the connection closes)."""
    row = await (await conn.execute(b"SELECT pg_try_advisory_lock(%s)", (_LOCK,))).fetchone()
    return bool(row and row[0])
