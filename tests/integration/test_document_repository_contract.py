"""One contract for every DocumentRepository: the memory fake and PostgreSQL behave alike."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from application.pagination import PageRequest
from application.ports.unit_of_work import UnitOfWorkFactory
from domain.accounts import Workspace
from domain.documents import Document, DocumentStatus, MimeType
from domain.errors import Conflict
from domain.ids import ChunkId, DocumentId, JobId, WorkspaceId
from domain.knowledge import Chunk, IngestionJob
from domain.plans import Plan

NOW = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)


async def new_workspace(uow: UnitOfWorkFactory) -> WorkspaceId:
    workspace = Workspace(WorkspaceId(uuid.uuid4()), "Acme", Plan.PRO, NOW)
    async with uow.system() as tx:
        await tx.workspaces.add(workspace)
        await tx.commit()
    return workspace.id


def document(ws: WorkspaceId, minutes: int = 0, **fields: Any) -> Document:
    at = NOW + timedelta(minutes=minutes)
    values: dict[str, Any] = {
        "title": "Returns",
        "filename": "returns.md",
        "mime_type": MimeType.MARKDOWN,
        "size_bytes": 42,
        "checksum": uuid.uuid4().hex,
        "status": DocumentStatus.QUEUED,
        "created_at": at,
        "updated_at": at,
        **fields,
    }
    return Document(DocumentId(uuid.uuid4()), ws, **values)


def chunk(doc: Document, ordinal: int) -> Chunk:
    vector = (1.0,) + (0.0,) * 383
    return Chunk(
        ChunkId(uuid.uuid4()), doc.workspace_id, doc.id, ordinal, "text", None, None, 1, vector
    )


async def store(uow: UnitOfWorkFactory, *docs: Document, with_work: bool = False) -> None:
    """Adds the documents with their bytes; `with_work` adds two chunks and a queued job."""
    for doc in docs:
        async with uow.tenant(doc.workspace_id) as tx:
            await tx.documents.add(doc, f"bytes of {doc.id}".encode())
            if with_work:
                await tx.chunks.replace(doc.workspace_id, doc.id, [chunk(doc, 0), chunk(doc, 1)])
                await tx.jobs.add(IngestionJob(JobId(uuid.uuid4()), doc.workspace_id, doc.id, NOW))
            await tx.commit()


async def assert_whole(uow: UnitOfWorkFactory, doc: Document) -> None:
    """The document is there with its bytes, chunks and open job."""
    ws = doc.workspace_id
    async with uow.tenant(ws) as tx:
        assert await tx.documents.get(ws, doc.id) == doc
        assert await tx.documents.content(ws, doc.id) == f"bytes of {doc.id}".encode()
        assert len((await tx.chunks.list(ws, doc.id, PageRequest())).items) == 2
        assert await tx.jobs.has_open_job(ws, doc.id)


# --- list --------------------------------------------------------------------


async def test_list_pages_oldest_first_then_by_id(uow: UnitOfWorkFactory) -> None:
    ws = await new_workspace(uow)
    stored = [
        document(ws, 1, title="B", status=DocumentStatus.READY, chunk_count=7),
        document(ws, 0, title="A", mime_type=MimeType.PDF, size_bytes=9_000_000),
        document(ws, 1, title="C", status=DocumentStatus.FAILED, error="unreadable"),
        document(ws, 2, title="D", updated_at=NOW + timedelta(days=3)),
        document(ws, 1, title="E", filename="e.txt", mime_type=MimeType.TEXT),
    ]
    await store(uow, *stored)
    expected = sorted(stored, key=lambda d: (d.created_at, d.id))
    async with uow.tenant(ws) as tx:
        first = await tx.documents.list(ws, PageRequest(limit=3))
        assert first.items == expected[:3] and first.next_cursor is not None
        rest = await tx.documents.list(ws, PageRequest.parse(3, first.next_cursor))
        assert rest.items == expected[3:] and rest.next_cursor is None
        exact = await tx.documents.list(ws, PageRequest(limit=5))
        assert exact.items == expected and exact.next_cursor is None


async def test_list_shows_one_workspace_only(uow: UnitOfWorkFactory) -> None:
    ws_a, ws_b = await new_workspace(uow), await new_workspace(uow)
    mine, theirs = document(ws_a), document(ws_b)
    await store(uow, mine, theirs)
    async with uow.tenant(ws_b) as tx:
        assert (await tx.documents.list(ws_b, PageRequest())).items == [theirs]
        assert (await tx.documents.list(ws_a, PageRequest())).items == []
    async with uow.system() as tx:
        assert (await tx.documents.list(ws_a, PageRequest())).items == [mine]


# --- find_by_checksum --------------------------------------------------------


async def test_find_by_checksum_looks_in_one_workspace(uow: UnitOfWorkFactory) -> None:
    ws_a, ws_b = await new_workspace(uow), await new_workspace(uow)
    mine = document(ws_a)
    theirs = document(ws_b, checksum=mine.checksum)  # the same bytes in two workspaces is fine
    await store(uow, mine, theirs)
    async with uow.tenant(ws_a) as tx:
        assert await tx.documents.find_by_checksum(ws_a, mine.checksum) == mine
        assert await tx.documents.find_by_checksum(ws_a, uuid.uuid4().hex) is None
        assert await tx.documents.find_by_checksum(ws_b, mine.checksum) is None
    async with uow.system() as tx:
        assert await tx.documents.find_by_checksum(ws_b, mine.checksum) == theirs


async def test_the_same_content_twice_in_a_workspace_is_a_conflict(
    uow: UnitOfWorkFactory,
) -> None:
    ws = await new_workspace(uow)
    first = document(ws)
    await store(uow, first)
    with pytest.raises(Conflict):
        await store(uow, document(ws, 1, checksum=first.checksum))
    async with uow.tenant(ws) as tx:
        assert (await tx.documents.list(ws, PageRequest())).items == [first]


# --- delete ------------------------------------------------------------------


async def test_delete_takes_the_bytes_chunks_and_jobs_with_it(uow: UnitOfWorkFactory) -> None:
    ws = await new_workspace(uow)
    gone, kept = document(ws, 0), document(ws, 1)
    await store(uow, gone, kept, with_work=True)
    async with uow.tenant(ws) as tx:
        await tx.documents.delete(ws, gone.id)
        await tx.commit()
    async with uow.tenant(ws) as tx:
        assert await tx.documents.get(ws, gone.id) is None
        assert await tx.documents.content(ws, gone.id) is None
        assert (await tx.chunks.list(ws, gone.id, PageRequest())).items == []
        assert not await tx.jobs.has_open_job(ws, gone.id)
        assert await tx.documents.find_by_checksum(ws, gone.checksum) is None
        assert (await tx.documents.list(ws, PageRequest())).items == [kept]
    await assert_whole(uow, kept)
    await store(uow, document(ws, 2, checksum=gone.checksum))  # its content may come back


async def test_delete_rolls_back_with_its_transaction(uow: UnitOfWorkFactory) -> None:
    ws = await new_workspace(uow)
    doc = document(ws)
    await store(uow, doc, with_work=True)
    async with uow.tenant(ws) as tx:
        await tx.documents.delete(ws, doc.id)  # never committed
    await assert_whole(uow, doc)


async def test_deleting_an_unknown_document_changes_nothing(uow: UnitOfWorkFactory) -> None:
    ws = await new_workspace(uow)
    doc = document(ws)
    await store(uow, doc, with_work=True)
    async with uow.tenant(ws) as tx:
        await tx.documents.delete(ws, DocumentId(uuid.uuid4()))
        await tx.commit()
    await assert_whole(uow, doc)


async def test_delete_never_reaches_into_another_workspace(uow: UnitOfWorkFactory) -> None:
    ws_a, ws_b = await new_workspace(uow), await new_workspace(uow)
    doc = document(ws_a)
    await store(uow, doc, with_work=True)
    async with uow.tenant(ws_b) as tx:  # another tenant naming the right workspace
        await tx.documents.delete(ws_a, doc.id)
        await tx.commit()
    await assert_whole(uow, doc)
    async with uow.system() as tx:  # unscoped, but with the wrong workspace id
        await tx.documents.delete(ws_b, doc.id)
        await tx.commit()
    await assert_whole(uow, doc)
