"""PostgreSQL unit of work: one transaction, scoped to a tenant for row-level security."""

from __future__ import annotations

import contextlib
from types import TracebackType
from typing import Self

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncTransaction

from adapters.outbound.postgres.conversations import PostgresConversationRepository
from adapters.outbound.postgres.embed_codes import PostgresEmbedCodeRepository
from adapters.outbound.postgres.knowledge import (
    PostgresChunkRepository,
    PostgresDocumentRepository,
    PostgresJobRepository,
)
from adapters.outbound.postgres.outage import (
    DATABASE_OUTAGE,
    as_unavailable,
    is_outage,
    outage_translated,
)
from adapters.outbound.postgres.repositories import (
    PostgresApiKeyRepository,
    PostgresRefreshTokenRepository,
    PostgresUserRepository,
    PostgresWorkspaceRepository,
)
from adapters.outbound.postgres.scope import begin_scoped
from adapters.outbound.postgres.usage import PostgresUsageCounters
from domain.ids import WorkspaceId


class PostgresUnitOfWork:
    def __init__(self, engine: AsyncEngine, scope: WorkspaceId | None) -> None:
        self._engine, self._scope = engine, scope
        self._conn: AsyncConnection | None = None
        self._tx: AsyncTransaction | None = None
        self.committed = False

    async def __aenter__(self) -> Self:
        try:
            self._conn = await begin_scoped(self._engine, self._scope)
        except Exception as error:
            if is_outage(error):
                raise as_unavailable(error) from error
            raise
        self._tx = self._conn.get_transaction()
        self.workspaces = PostgresWorkspaceRepository(self._conn)
        self.users = PostgresUserRepository(self._conn)
        self.api_keys = PostgresApiKeyRepository(self._conn)
        self.refresh_tokens = PostgresRefreshTokenRepository(self._conn)
        self.documents = PostgresDocumentRepository(self._conn)
        self.chunks = PostgresChunkRepository(self._conn)
        self.jobs = PostgresJobRepository(self._conn)
        self.conversations = PostgresConversationRepository(self._conn)
        self.usage = PostgresUsageCounters(self._conn)
        self.embed_codes = PostgresEmbedCodeRepository(self._conn)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        assert self._conn is not None and self._tx is not None
        try:
            if self._tx.is_active:
                await self._tx.rollback()
        except Exception as error:
            # A connection killed under us (pg_terminate_backend, a restart) has already
            # rolled back on the server: there is nothing left to undo, and a read that
            # finished before it died stands. Only a failure that is no outage is news.
            if not is_outage(error):
                raise
        finally:
            with contextlib.suppress(Exception):
                await self._conn.close()
        if exc is not None and is_outage(exc):
            raise as_unavailable(exc) from exc
        if exc is None:
            DATABASE_OUTAGE.recovered()

    async def commit(self) -> None:
        assert self._tx is not None
        await self._tx.commit()  # an outage here surfaces through __aexit__
        self.committed = True


class PostgresUnitOfWorkFactory:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    def tenant(self, workspace_id: WorkspaceId) -> PostgresUnitOfWork:
        return PostgresUnitOfWork(self._engine, workspace_id)

    def system(self) -> PostgresUnitOfWork:
        return PostgresUnitOfWork(self._engine, None)

    async def ping(self) -> None:
        async with outage_translated(), self._engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
