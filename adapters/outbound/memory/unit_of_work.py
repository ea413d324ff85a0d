"""In-memory unit of work: snapshots the store on entry, restores it unless committed."""

from __future__ import annotations

from types import TracebackType
from typing import Any, Self

from adapters.outbound.memory.conversations import InMemoryConversationRepository
from adapters.outbound.memory.embed_codes import InMemoryEmbedCodeRepository
from adapters.outbound.memory.knowledge import (
    InMemoryChunkRepository,
    InMemoryDocumentRepository,
    InMemoryJobRepository,
)
from adapters.outbound.memory.repositories import (
    InMemoryApiKeyRepository,
    InMemoryRefreshTokenRepository,
    InMemoryUserRepository,
    InMemoryWorkspaceRepository,
)
from adapters.outbound.memory.store import MemoryStore
from adapters.outbound.memory.usage import InMemoryUsageCounters
from domain.ids import WorkspaceId


class InMemoryUnitOfWork:
    def __init__(self, store: MemoryStore, scope: WorkspaceId | None) -> None:
        self.scope = scope
        self.committed = False
        self._store = store
        self._snapshot: dict[str, Any] | None = None
        self.workspaces = InMemoryWorkspaceRepository(store, scope)
        self.users = InMemoryUserRepository(store, scope)
        self.api_keys = InMemoryApiKeyRepository(store, scope)
        self.refresh_tokens = InMemoryRefreshTokenRepository(store, scope)
        self.documents = InMemoryDocumentRepository(store, scope)
        self.chunks = InMemoryChunkRepository(store, scope)
        self.jobs = InMemoryJobRepository(store, scope)
        self.conversations = InMemoryConversationRepository(store, scope)
        self.usage = InMemoryUsageCounters(store, scope)
        self.embed_codes = InMemoryEmbedCodeRepository(store, scope)

    async def __aenter__(self) -> Self:
        await self._store.lock.acquire()
        self._snapshot = self._store.snapshot()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            if not self.committed and self._snapshot is not None:
                self._store.restore(self._snapshot)
        finally:
            self._store.lock.release()

    async def commit(self) -> None:
        self.committed = True


class InMemoryUnitOfWorkFactory:
    def __init__(self, store: MemoryStore | None = None) -> None:
        self.store = store or MemoryStore()
        self.last: InMemoryUnitOfWork | None = None

    def tenant(self, workspace_id: WorkspaceId) -> InMemoryUnitOfWork:
        return self._open(workspace_id)

    def system(self) -> InMemoryUnitOfWork:
        return self._open(None)

    def _open(self, scope: WorkspaceId | None) -> InMemoryUnitOfWork:
        uow = InMemoryUnitOfWork(self.store, scope)
        self.last = uow
        return uow

    async def ping(self) -> None:
        return None
