"""In-memory knowledge base: documents, chunks, jobs, and a retriever over them."""

from __future__ import annotations

import copy
import uuid
from collections import Counter
from collections.abc import Hashable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from adapters.outbound.memory.repositories import paginate
from adapters.outbound.memory.store import MemoryStore, ScopedRepository
from application.pagination import Cursor, Page, PageRequest
from application.ports.clock import Clock
from application.ports.retriever import Candidates, TermStatistics
from application.search import KEYWORD_POSTINGS, finding_terms, keyword_weights
from domain.documents import Document, DocumentStatus
from domain.errors import Conflict
from domain.ids import ChunkId, DocumentId, JobId, WorkspaceId
from domain.knowledge import Chunk, FoundChunk, IngestionJob
from domain.search_terms import TermCounts, chunk_term_counts


class InMemoryDocumentRepository(ScopedRepository):
    async def add(self, document: Document, content: bytes) -> None:
        self._check(document.workspace_id)
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
        # Keyed on the workspace too, like every row here: never another tenant's jobs.
        jobs = self._store.jobs.values()
        for job_id in [j.id for j in jobs if (j.job.workspace_id, j.job.document_id) == key]:
            del self._store.jobs[job_id]


class InMemoryChunkRepository(ScopedRepository):
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
    claimed_at: datetime | None = None

    @property
    def id(self) -> JobId:
        return self.job.id

    def live(self, now: datetime) -> bool:
        return self.status == "running" and not _expired(self, now)


class InMemoryJobRepository(ScopedRepository):
    async def add(self, job: IngestionJob) -> None:
        self._check(job.workspace_id)
        self._store.jobs[job.id] = _QueuedJob(copy.deepcopy(job), run_after=job.created_at)

    async def has_open_job(self, workspace_id: WorkspaceId, document_id: DocumentId) -> bool:
        return any(
            q.job.document_id == document_id and q.status in ("queued", "running")
            for q in self._store.jobs.values()
            if q.job.workspace_id == workspace_id and self._sees(workspace_id)
        )


class InMemoryJobQueue:
    """Takes the store's transaction lock, so a unit of work rolling back never undoes
    a claim or a completion that happened while it was open."""

    def __init__(self, store: MemoryStore, clock: Clock) -> None:
        self._store, self._clock = store, clock

    async def claim(self, worker: str, lease_seconds: int) -> IngestionJob | None:
        async with self._store.lock:
            now = self._clock.now()
            jobs = list(self._store.jobs.values())
            busy = {q.job.workspace_id for q in jobs if q.live(now)}
            ready: list[_QueuedJob] = [
                q
                for q in jobs
                if q.job.workspace_id not in busy
                and (
                    (q.status == "queued" and q.run_after is not None and q.run_after <= now)
                    or (q.status == "running" and _expired(q, now) and not q.job.exhausted)
                )
            ]
            if not ready:
                return None
            served: dict[WorkspaceId, datetime] = {}
            for q in jobs:
                if q.claimed_at is not None:
                    ws = q.job.workspace_id
                    served[ws] = max(served.get(ws, q.claimed_at), q.claimed_at)
            queued = min(
                ready,
                key=lambda q: (
                    q.job.workspace_id in served,
                    served.get(q.job.workspace_id, now),
                    q.run_after or now,
                    q.job.created_at,
                ),
            )
            queued.claimed_at = now
            queued.status, queued.locked_by = "running", worker
            queued.locked_until = now + timedelta(seconds=lease_seconds)
            queued.job.attempts += 1
            return copy.deepcopy(queued.job)

    async def extend(self, job_id: JobId, worker: str, lease_seconds: int) -> None:
        async with self._store.lock:
            queued = self._held(job_id, worker)
            if queued is not None:
                queued.locked_until = self._clock.now() + timedelta(seconds=lease_seconds)

    async def complete(self, job_id: JobId, worker: str) -> bool:
        return await self._settle(job_id, worker, "done", None)

    async def retry(self, job_id: JobId, worker: str, error: str, delay_seconds: int) -> bool:
        run_after = self._clock.now() + timedelta(seconds=delay_seconds)
        return await self._settle(job_id, worker, "queued", error, run_after)

    async def fail(self, job_id: JobId, worker: str, error: str) -> bool:
        return await self._settle(job_id, worker, "failed", error)

    async def reap(self) -> list[IngestionJob]:
        async with self._store.lock:
            now = self._clock.now()
            dead = [
                q
                for q in self._store.jobs.values()
                if q.status == "running" and _expired(q, now) and q.job.exhausted
            ]
            for queued in dead:
                queued.status, queued.locked_by, queued.locked_until = "failed", None, None
                queued.last_error = "the worker died on every attempt"
            return [copy.deepcopy(q.job) for q in dead]

    async def stranded(self, older_than_seconds: int) -> list[IngestionJob]:
        cutoff = self._clock.now() - timedelta(seconds=older_than_seconds)
        open_documents = {
            q.job.document_id
            for q in self._store.jobs.values()
            if q.status in ("queued", "running")
        }
        return [
            IngestionJob(JobId(uuid.uuid4()), doc.workspace_id, doc.id, doc.created_at)
            for doc in self._store.documents.values()
            if doc.status is DocumentStatus.PROCESSING
            and doc.updated_at < cutoff
            and doc.id not in open_documents
        ]

    async def release(self, worker: str) -> None:
        async with self._store.lock:
            for queued in self._store.jobs.values():
                if queued.locked_by == worker and queued.status == "running":
                    queued.job.attempts = max(0, queued.job.attempts - 1)
                    queued.status, queued.locked_by, queued.locked_until = "queued", None, None
                    queued.run_after = self._clock.now()

    async def pending(self) -> int:
        return sum(1 for q in self._store.jobs.values() if q.status in ("queued", "running"))

    def _held(self, job_id: JobId, worker: str) -> _QueuedJob | None:
        queued: _QueuedJob | None = self._store.jobs.get(job_id)
        if queued is None or queued.locked_by != worker or queued.status != "running":
            return None
        return queued

    async def _settle(
        self,
        job_id: JobId,
        worker: str,
        status: str,
        error: str | None,
        run_after: datetime | None = None,
    ) -> bool:
        async with self._store.lock:
            queued = self._held(job_id, worker)
            if queued is None:
                return False
            queued.status, queued.locked_by, queued.locked_until = status, None, None
            queued.last_error = error or queued.last_error
            queued.run_after = run_after or queued.run_after
            return True


def _expired(queued: _QueuedJob, now: datetime) -> bool:
    return queued.locked_until is not None and queued.locked_until < now


class InMemoryRetriever:
    """Exact cosine search, and term matching ranked exactly as the PostgreSQL adapter ranks.
    (`versioned_*` are for the retrieval cache: the result with the knowledge version.)"""

    def __init__(self, store: MemoryStore, keyword_postings: int = KEYWORD_POSTINGS) -> None:
        self._store, self._postings = store, keyword_postings
        self._bags: dict[ChunkId, Counter[str]] = {}  # chunks never change, only go

    def _chunks(self, workspace_id: WorkspaceId) -> list[tuple[Document, Chunk]]:
        return [
            (self._store.documents[(ws, doc_id)], chunk)
            for (ws, doc_id), chunks in self._store.chunks.items()
            if ws == workspace_id and (ws, doc_id) in self._store.documents
            for chunk in chunks
        ]

    def _held(self, chunk: Chunk) -> Counter[str]:
        held = self._bags.get(chunk.id)
        if held is None:
            held = self._bags[chunk.id] = chunk_term_counts(chunk.heading, chunk.text)
        return held

    async def nearest(
        self, workspace_id: WorkspaceId, vector: list[float], limit: int
    ) -> list[FoundChunk]:
        scored = [(_cosine(vector, chunk), doc, chunk) for doc, chunk in self._chunks(workspace_id)]
        scored.sort(key=lambda item: (-item[0], str(item[2].id)))
        return [_found(doc, chunk, score) for score, doc, chunk in scored[:limit]]

    async def candidates(
        self, workspace_id: WorkspaceId, terms: list[str], vector: list[float] | None, limit: int
    ) -> Candidates:
        chunks = self._chunks(workspace_id)
        held = [self._held(chunk) for _, chunk in chunks]
        counts = {t: sum(1 for bag in held if t in bag) for t in terms}
        statistics = TermStatistics(len(held), {t: n for t, n in counts.items() if n})
        weights = keyword_weights(terms, statistics)
        finding = finding_terms(terms, statistics, self._postings)
        scored = []
        for (doc, chunk), bag in zip(chunks, held, strict=True):
            if any(term in bag for term in finding):
                scored.append((sum(w for term, w in weights.items() if term in bag), doc, chunk))
        scored.sort(key=lambda item: (-item[0], str(item[2].id)))
        matching = [
            replace(_found(doc, chunk, score), similarity=_similarity(vector, chunk))
            for score, doc, chunk in scored[:limit]
        ]
        nearest = await self.nearest(workspace_id, vector, limit) if vector is not None else []
        bags = {chunk.id: bag for (_, chunk), bag in zip(chunks, held, strict=True)}
        asked = {c.chunk_id: TermCounts.of(bags[c.chunk_id], terms) for c in [*nearest, *matching]}
        return Candidates(
            statistics, [replace(c, similarity=c.score) for c in nearest], matching, asked
        )

    async def knowledge_version(self, workspace_id: WorkspaceId) -> Hashable:
        """Everything a result is made of: any change to a document or its chunks shows."""
        return hash(
            tuple(
                sorted(
                    (str(doc_id), repr(doc), tuple(str(c.id) for c in chunks))
                    for (ws, doc_id), doc in self._store.documents.items()
                    if ws == workspace_id
                    for chunks in [self._store.chunks.get((ws, doc_id), [])]
                )
            )
        )

    async def versioned_nearest(
        self, workspace_id: WorkspaceId, vector: list[float], limit: int
    ) -> tuple[Hashable, list[FoundChunk]]:
        version = await self.knowledge_version(workspace_id)
        return version, await self.nearest(workspace_id, vector, limit)

    async def versioned_candidates(
        self, workspace_id: WorkspaceId, terms: list[str], vector: list[float] | None, limit: int
    ) -> tuple[Hashable, Candidates]:
        version = await self.knowledge_version(workspace_id)
        return version, await self.candidates(workspace_id, terms, vector, limit)


def _similarity(vector: list[float] | None, chunk: Chunk) -> float | None:
    return None if vector is None else _cosine(vector, chunk)


def _cosine(vector: list[float], chunk: Chunk) -> float:
    return sum(a * b for a, b in zip(vector, chunk.embedding, strict=True))


def _found(doc: Document, chunk: Chunk, score: float) -> FoundChunk:
    return FoundChunk(
        chunk.id, chunk.document_id, doc.title, chunk.text, chunk.heading, chunk.page, score
    )
