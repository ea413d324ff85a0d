"""DocumentRepository and ChunkRepository ports."""

from __future__ import annotations

from typing import Protocol

from application.pagination import Page, PageRequest
from domain.documents import Document
from domain.ids import DocumentId, WorkspaceId
from domain.knowledge import Chunk


class DocumentRepository(Protocol):
    """Documents with their original bytes."""

    async def add(self, document: Document, content: bytes) -> None: ...

    async def get(
        self, workspace_id: WorkspaceId, document_id: DocumentId, *, for_update: bool = False
    ) -> Document | None: ...

    async def find_by_checksum(
        self, workspace_id: WorkspaceId, checksum: str
    ) -> Document | None: ...

    async def content(self, workspace_id: WorkspaceId, document_id: DocumentId) -> bytes | None: ...

    async def list(self, workspace_id: WorkspaceId, page: PageRequest) -> Page[Document]: ...

    async def save(self, document: Document) -> None: ...

    async def delete(self, workspace_id: WorkspaceId, document_id: DocumentId) -> None:
        """Removes the document, its bytes, chunks and jobs in this transaction."""
        ...


class ChunkRepository(Protocol):
    """Chunks with their vectors, written per document."""

    async def replace(
        self, workspace_id: WorkspaceId, document_id: DocumentId, chunks: list[Chunk]
    ) -> None:
        """The document's chunks become exactly `chunks` (so a re-run never duplicates)."""
        ...

    async def list(
        self, workspace_id: WorkspaceId, document_id: DocumentId, page: PageRequest
    ) -> Page[Chunk]: ...
