"""JobQueue port: the worker side of the persistent ingestion queue."""

from __future__ import annotations

from typing import Protocol

from domain.ids import DocumentId, JobId, WorkspaceId
from domain.knowledge import IngestionJob


class JobQueue(Protocol):
    """Leases jobs to workers; a lease that is not extended expires, so a crashed worker's
    job is taken up again. Settling a job needs the lease: a worker that lost it (and a
    newer one took the job) changes nothing and is told so. Jobs are enqueued through
    the unit of work (`tx.jobs`)."""

    async def claim(self, worker: str, lease_seconds: int) -> IngestionJob | None: ...

    async def extend(self, job_id: JobId, worker: str, lease_seconds: int) -> None: ...

    async def complete(self, job_id: JobId, worker: str) -> bool: ...

    async def retry(self, job_id: JobId, worker: str, error: str, delay_seconds: int) -> bool: ...

    async def fail(self, job_id: JobId, worker: str, error: str) -> bool: ...

    async def reap(self) -> list[IngestionJob]:
        """Fails jobs whose lease ran out after their last attempt (their worker kept
        dying on them) and returns them, so their documents can be marked failed."""
        ...

    async def stranded(self, older_than_seconds: int) -> list[IngestionJob]:
        """Documents left `processing` with no open job (a worker died between settling
        its job and its document), as jobs to settle; their ids are fresh."""
        ...

    async def release(self, worker: str) -> None:
        """Hands back every job `worker` holds (graceful shutdown)."""
        ...

    async def pending(self) -> int: ...


class JobRepository(Protocol):
    """The transactional side: enqueue in the same transaction as the document."""

    async def add(self, job: IngestionJob) -> None: ...

    async def has_open_job(self, workspace_id: WorkspaceId, document_id: DocumentId) -> bool:
        """A queued or running job exists for the document."""
        ...
