"""PostgreSQL repositories of the knowledge base: documents, chunks, job enqueueing."""

from __future__ import annotations

from sqlalchemy import delete, exists, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from adapters.outbound.postgres import rows
from adapters.outbound.postgres import tables as t
from adapters.outbound.postgres.repositories import fetch_page
from application.pagination import Cursor, Page, PageRequest
from domain.documents import Document
from domain.errors import Conflict
from domain.ids import DocumentId, WorkspaceId
from domain.knowledge import Chunk, IngestionJob
from domain.search_terms import chunk_term_counts


class PostgresDocumentRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def add(self, document: Document, content: bytes) -> None:
        try:
            async with self._conn.begin_nested():
                await self._conn.execute(
                    t.documents.insert().values(**rows.DOCUMENTS.to_row(document))
                )
        except IntegrityError as exc:
            if "documents_workspace_checksum_key" in str(exc.orig):
                raise Conflict(
                    "This workspace already has a document with identical content."
                ) from None
            raise
        await self._conn.execute(
            t.document_contents.insert().values(
                document_id=document.id, workspace_id=document.workspace_id, data=content
            )
        )

    async def get(
        self, workspace_id: WorkspaceId, document_id: DocumentId, *, for_update: bool = False
    ) -> Document | None:
        query = select(t.documents).where(
            t.documents.c.workspace_id == workspace_id, t.documents.c.id == document_id
        )
        if for_update:
            query = query.with_for_update()
        row = (await self._conn.execute(query)).first()
        return rows.DOCUMENTS.from_row(row) if row else None

    async def find_by_checksum(self, workspace_id: WorkspaceId, checksum: str) -> Document | None:
        query = select(t.documents).where(
            t.documents.c.workspace_id == workspace_id, t.documents.c.checksum == checksum
        )
        row = (await self._conn.execute(query)).first()
        return rows.DOCUMENTS.from_row(row) if row else None

    async def content(self, workspace_id: WorkspaceId, document_id: DocumentId) -> bytes | None:
        query = select(t.document_contents.c.data).where(
            t.document_contents.c.workspace_id == workspace_id,
            t.document_contents.c.document_id == document_id,
        )
        data = (await self._conn.execute(query)).scalar_one_or_none()
        return bytes(data) if data is not None else None

    async def list(self, workspace_id: WorkspaceId, page: PageRequest) -> Page[Document]:
        query = select(t.documents).where(t.documents.c.workspace_id == workspace_id)
        return await fetch_page(self._conn, t.documents, query, page, rows.DOCUMENTS.from_row)

    async def save(self, document: Document) -> None:
        await self._conn.execute(
            update(t.documents)
            .where(
                t.documents.c.workspace_id == document.workspace_id, t.documents.c.id == document.id
            )
            .values(**rows.DOCUMENTS.to_row(document))
        )

    async def delete(self, workspace_id: WorkspaceId, document_id: DocumentId) -> None:
        # Bytes, chunks (with their vectors) and jobs go by ON DELETE CASCADE, in this transaction.
        await self._conn.execute(
            delete(t.documents).where(
                t.documents.c.workspace_id == workspace_id, t.documents.c.id == document_id
            )
        )


class PostgresChunkRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def replace(
        self, workspace_id: WorkspaceId, document_id: DocumentId, chunks: list[Chunk]
    ) -> None:
        await self._conn.execute(
            delete(t.chunks).where(
                t.chunks.c.workspace_id == workspace_id, t.chunks.c.document_id == document_id
            )
        )
        if chunks:
            await self._conn.execute(
                t.chunks.insert(),
                [rows.CHUNKS.to_row(c) | _terms(c) for c in chunks],
            )

    async def list(
        self, workspace_id: WorkspaceId, document_id: DocumentId, page: PageRequest
    ) -> Page[Chunk]:
        after = page.after.position if page.after else -1
        query = (
            select(t.chunks)
            .where(
                t.chunks.c.workspace_id == workspace_id,
                t.chunks.c.document_id == document_id,
                t.chunks.c.ordinal > after,
            )
            .order_by(t.chunks.c.ordinal)
            .limit(page.limit + 1)
        )
        found = (await self._conn.execute(query)).all()
        items = [rows.CHUNKS.from_row(r) for r in found[: page.limit]]
        more = len(found) > page.limit
        last = Cursor.at_position(items[-1].ordinal).encode() if more and items else None
        return Page(items, last)


class PostgresJobRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def add(self, job: IngestionJob) -> None:
        await self._conn.execute(
            t.ingestion_jobs.insert().values(
                id=job.id,
                workspace_id=job.workspace_id,
                document_id=job.document_id,
                status="queued",
                attempts=job.attempts,
                max_attempts=job.max_attempts,
                run_after=job.created_at,
                created_at=job.created_at,
                updated_at=job.created_at,
            )
        )

    async def has_open_job(self, workspace_id: WorkspaceId, document_id: DocumentId) -> bool:
        query = select(
            exists().where(
                t.ingestion_jobs.c.workspace_id == workspace_id,
                t.ingestion_jobs.c.document_id == document_id,
                t.ingestion_jobs.c.status.in_(("queued", "running")),
            )
        )
        return bool((await self._conn.execute(query)).scalar_one())


def _terms(chunk: Chunk) -> dict[str, list[str] | list[int]]:
    """The chunk's keyword terms and how often each occurs, as search reads them."""
    bag = chunk_term_counts(chunk.heading, chunk.text)
    return {"terms": list(bag), "term_counts": list(bag.values())}
