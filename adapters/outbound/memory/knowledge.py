"""In-memory knowledge base: documents, chunks, jobs, and a retriever over them."""

from __future__ import annotations

import copy
import math
import re
import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta

from adapters.outbound.memory.repositories import paginate
from adapters.outbound.memory.store import MemoryStore
from application.pagination import Cursor, Page, PageRequest
from application.ports.clock import Clock
from application.ports.retriever import TermStatistics
from domain.documents import Document
from domain.errors import Conflict
from domain.ids import DocumentId, JobId, WorkspaceId
from domain.knowledge import Chunk, FoundChunk, IngestionJob

_WORD = re.compile(r"\w+")


class _Scoped:
    def __init__(self, store: MemoryStore, scope: WorkspaceId | None = None) -> None:
        self._store, self._scope = store, scope

    def _sees(self, workspace_id: uuid.UUID) -> bool:
        return self._scope is None or self._scope == workspace_id


class InMemoryDocumentRepository(_Scoped):
    async def add(self, document: Document, content: bytes) -> None:
        if await self.find_by_checksum(document.workspace_id, document.checksum):
            raise Conflict("This workspace already has a document with identical content.")
        key = (document.workspace_id, document.id)
        self._store.documents[key] = copy.deepcopy(document)
        self._store.contents[key] = content

    async def get(
        self, workspace_id: WorkspaceId, document_id: DocumentId, *, for_update: bool = False
    ) -> Document | None:
        if not self._sees(workspace_id):
            return None
        return copy.deepcopy(self._store.documents.get((workspace_id, document_id)))

    async def find_by_checksum(self, workspace_id: WorkspaceId, checksum: str) -> Document | None:
        found = (
            d
            for (ws, _), d in self._store.documents.items()
            if ws == workspace_id and self._sees(ws) and d.checksum == checksum
        )
        return copy.deepcopy(next(found, None))

    async def content(self, workspace_id: WorkspaceId, document_id: DocumentId) -> bytes | None:
        return (
            self._store.contents.get((workspace_id, document_id))
            if self._sees(workspace_id)
            else None
        )

    async def list(self, workspace_id: WorkspaceId, page: PageRequest) -> Page[Document]:
        rows = [
            d
            for (ws, _), d in self._store.documents.items()
            if ws == workspace_id and self._sees(ws)
        ]
        return paginate(rows, page, lambda d: Cursor(d.created_at, d.id))

    async def save(self, document: Document) -> None:
        key = (document.workspace_id, document.id)
        if self._sees(document.workspace_id) and key in self._store.documents:
            self._store.documents[key] = copy.deepcopy(document)

    async def delete(self, workspace_id: WorkspaceId, document_id: DocumentId) -> None:
        if not self._sees(workspace_id):
            return
        key = (workspace_id, document_id)
        for table in (self._store.documents, self._store.contents, self._store.chunks):
            table.pop(key, None)
        for job_id in [j.id for j in self._store.jobs.values() if j.job.document_id == document_id]:
            del self._store.jobs[job_id]


class InMemoryChunkRepository(_Scoped):
    async def replace(
        self, workspace_id: WorkspaceId, document_id: DocumentId, chunks: list[Chunk]
    ) -> None:
        if self._sees(workspace_id):
            self._store.chunks[(workspace_id, document_id)] = list(chunks)

    async def list(
        self, workspace_id: WorkspaceId, document_id: DocumentId, page: PageRequest
    ) -> Page[Chunk]:
        rows = (
            self._store.chunks.get((workspace_id, document_id), [])
            if self._sees(workspace_id)
            else []
        )
        return paginate(rows, page, lambda c: Cursor.at_position(c.ordinal))


@dataclass
class _QueuedJob:
    job: IngestionJob
    status: str = "queued"
    run_after: datetime | None = None
    locked_by: str | None = None
    locked_until: datetime | None = None
    last_error: str | None = None

    @property
    def id(self) -> JobId:
        return self.job.id


class InMemoryJobRepository(_Scoped):
    async def add(self, job: IngestionJob) -> None:
        self._store.jobs[job.id] = _QueuedJob(copy.deepcopy(job), run_after=job.created_at)

    async def has_open_job(self, workspace_id: WorkspaceId, document_id: DocumentId) -> bool:
        return any(
            q.job.document_id == document_id and q.status in ("queued", "running")
            for q in self._store.jobs.values()
            if q.job.workspace_id == workspace_id and self._sees(workspace_id)
        )


class InMemoryJobQueue:
    def __init__(self, store: MemoryStore, clock: Clock) -> None:
        self._store, self._clock = store, clock

    async def claim(self, worker: str, lease_seconds: int) -> IngestionJob | None:
        now = self._clock.now()
        ready: list[_QueuedJob] = [
            q
            for q in self._store.jobs.values()
            if (q.status == "queued" and q.run_after is not None and q.run_after <= now)
            or (q.status == "running" and q.locked_until is not None and q.locked_until < now)
        ]
        if not ready:
            return None
        queued = min(ready, key=lambda q: (q.run_after or now, q.job.created_at))
        queued.status, queued.locked_by = "running", worker
        queued.locked_until = now + timedelta(seconds=lease_seconds)
        queued.job.attempts += 1
        return copy.deepcopy(queued.job)

    async def extend(self, job_id: JobId, worker: str, lease_seconds: int) -> None:
        queued = self._store.jobs.get(job_id)
        if queued is not None and queued.locked_by == worker:
            queued.locked_until = self._clock.now() + timedelta(seconds=lease_seconds)

    async def complete(self, job_id: JobId) -> None:
        self._settle(job_id, "done", None)

    async def retry(self, job_id: JobId, error: str, delay_seconds: int) -> None:
        queued = self._settle(job_id, "queued", error)
        if queued is not None:
            queued.run_after = self._clock.now() + timedelta(seconds=delay_seconds)

    async def fail(self, job_id: JobId, error: str) -> None:
        self._settle(job_id, "failed", error)

    async def release(self, worker: str) -> None:
        for queued in self._store.jobs.values():
            if queued.locked_by == worker and queued.status == "running":
                queued.job.attempts = max(0, queued.job.attempts - 1)
                self._settle(queued.id, "queued", None)
                queued.run_after = self._clock.now()

    async def pending(self) -> int:
        return sum(1 for q in self._store.jobs.values() if q.status in ("queued", "running"))

    def _settle(self, job_id: JobId, status: str, error: str | None) -> _QueuedJob | None:
        queued = self._store.jobs.get(job_id)
        if queued is not None:
            queued.status, queued.locked_by, queued.locked_until = status, None, None
            queued.last_error = error or queued.last_error
        return queued


class InMemoryRetriever:
    """Exact cosine search, and term matching weighted like the PostgreSQL ranking."""

    def __init__(self, store: MemoryStore) -> None:
        self._store = store

    def _chunks(self, workspace_id: WorkspaceId) -> list[tuple[Document, Chunk]]:
        return [
            (self._store.documents[(ws, doc_id)], chunk)
            for (ws, doc_id), chunks in self._store.chunks.items()
            if ws == workspace_id and (ws, doc_id) in self._store.documents
            for chunk in chunks
        ]

    async def nearest(
        self, workspace_id: WorkspaceId, vector: list[float], limit: int
    ) -> list[FoundChunk]:
        scored = [
            (sum(a * b for a, b in zip(vector, chunk.embedding, strict=True)), doc, chunk)
            for doc, chunk in self._chunks(workspace_id)
        ]
        scored.sort(key=lambda item: (-item[0], str(item[2].id)))
        return [_found(doc, chunk, score) for score, doc, chunk in scored[:limit]]

    async def matching(
        self, workspace_id: WorkspaceId, terms: list[str], limit: int
    ) -> list[FoundChunk]:
        wanted = {t.lower() for t in terms}
        scored = []
        for doc, chunk in self._chunks(workspace_id):
            body = Counter(w.lower() for w in _WORD.findall(chunk.text))
            title = Counter(w.lower() for w in _WORD.findall(chunk.heading or ""))
            weight = sum(body[t] + 2.5 * title[t] for t in wanted)
            if weight:
                score = weight / (weight + math.log2(2 + sum(body.values())))
                scored.append((score, doc, chunk))
        scored.sort(key=lambda item: (-item[0], str(item[2].id)))
        return [_found(doc, chunk, score) for score, doc, chunk in scored[:limit]]

    async def term_statistics(self, workspace_id: WorkspaceId, terms: list[str]) -> TermStatistics:
        bags = [_words(chunk) for _, chunk in self._chunks(workspace_id)]
        return TermStatistics(len(bags), {t: sum(1 for bag in bags if t in bag) for t in terms})


def _words(chunk: Chunk) -> set[str]:
    return {w.lower() for w in _WORD.findall(f"{chunk.heading or ''} {chunk.text}")}


def _found(doc: Document, chunk: Chunk, score: float) -> FoundChunk:
    return FoundChunk(
        chunk.id, chunk.document_id, doc.title, chunk.text, chunk.heading, chunk.page, score
    )
