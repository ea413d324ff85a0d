"""UnitOfWork port: one transaction over all repositories."""

from __future__ import annotations

from types import TracebackType
from typing import Protocol, Self

from application.ports.api_keys import ApiKeyRepository
from application.ports.conversations import ConversationRepository
from application.ports.documents import ChunkRepository, DocumentRepository
from application.ports.embed_codes import EmbedCodeRepository
from application.ports.job_queue import JobRepository
from application.ports.refresh_tokens import RefreshTokenRepository
from application.ports.usage import UsageCounters
from application.ports.users import UserRepository
from application.ports.workspaces import WorkspaceRepository
from domain.ids import WorkspaceId


class UnitOfWork(Protocol):
    """An async context manager that rolls back unless `commit()` was called."""

    workspaces: WorkspaceRepository
    users: UserRepository
    api_keys: ApiKeyRepository
    refresh_tokens: RefreshTokenRepository
    documents: DocumentRepository
    chunks: ChunkRepository
    jobs: JobRepository
    conversations: ConversationRepository
    usage: UsageCounters
    embed_codes: EmbedCodeRepository

    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    async def commit(self) -> None: ...


class UnitOfWorkFactory(Protocol):
    """Opens units of work scoped to one tenant, or to the system for cross-tenant lookups.

    A tenant-scoped unit of work can only ever see that workspace's rows (row-level
    security in PostgreSQL); the system scope is for authentication lookups only.
    """

    def tenant(self, workspace_id: WorkspaceId) -> UnitOfWork: ...

    def system(self) -> UnitOfWork: ...

    async def ping(self) -> None:
        """Raises if the store cannot be reached."""
        ...
