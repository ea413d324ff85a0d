"""The ingestion queue in PostgreSQL: leases taken with FOR UPDATE SKIP LOCKED.

A job row is written in the same transaction as its document, so a document is never
queued without its job nor the other way round. A worker leases a job for a while and
extends the lease as it works; a crashed worker's lease runs out and another takes over.
Settling a job needs the lease, so a late worker cannot override the one now holding it.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select, text, update
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.outbound.postgres import tables as t
from adapters.outbound.postgres.scope import scoped
from application.ports.clock import Clock
from domain.ids import DocumentId, JobId, WorkspaceId
from domain.knowledge import IngestionJob

# Claims are serialised by this lock (each takes a millisecond), so "no other job of the
# workspace is running" stays true between the check and the update.
_CLAIM_LOCK = text("SELECT pg_advisory_xact_lock(726354191)")
# Fair across tenants: a workspace with a live job waits, and of the others the one served
# longest ago goes first (round robin), then its oldest ready job.
_CLAIM = text(
    """
    UPDATE ingestion_jobs SET status = 'running', attempts = attempts + 1,
           locked_by = :worker, locked_until = :until, updated_at = :now, claimed_at = :now
    WHERE id = (
        SELECT j.id FROM ingestion_jobs j
        WHERE ((j.status = 'queued' AND j.run_after <= :now)
               OR (j.status = 'running' AND j.locked_until < :now
                   AND j.attempts < j.max_attempts))
          AND NOT EXISTS (
              SELECT 1 FROM ingestion_jobs r
              WHERE r.workspace_id = j.workspace_id AND r.status = 'running'
                AND r.locked_until >= :now
          )
        ORDER BY (
            SELECT max(c.claimed_at) FROM ingestion_jobs c WHERE c.workspace_id = j.workspace_id
        ) NULLS FIRST, j.run_after, j.created_at
        LIMIT 1
        FOR UPDATE SKIP LOCKED
    )
    RETURNING id, workspace_id, document_id, attempts, max_attempts, created_at
    """
)
_REAP = text(
    """
    UPDATE ingestion_jobs SET status = 'failed', locked_by = NULL, locked_until = NULL,
           last_error = 'the worker died on every attempt', updated_at = :now
    WHERE status = 'running' AND locked_until < :now AND attempts >= max_attempts
    RETURNING id, workspace_id, document_id, attempts, max_attempts, created_at
    """
)

_STRANDED = text(
    """
    SELECT d.workspace_id, d.id, d.created_at FROM documents d
    WHERE d.status = 'processing' AND d.updated_at < :cutoff
      AND NOT EXISTS (
          SELECT 1 FROM ingestion_jobs j
          WHERE j.document_id = d.id AND j.status IN ('queued', 'running')
      )
    LIMIT 100
    """
)


class PostgresJobQueue:
    def __init__(self, engine: AsyncEngine, clock: Clock) -> None:
        self._engine, self._clock = engine, clock

    async def claim(self, worker: str, lease_seconds: int) -> IngestionJob | None:
        now = self._clock.now()
        params = {"worker": worker, "now": now, "until": now + timedelta(seconds=lease_seconds)}
        async with scoped(self._engine, None) as conn:
            await conn.execute(_CLAIM_LOCK)
            row = (await conn.execute(_CLAIM, params)).first()
        return _job(row) if row is not None else None

    async def extend(self, job_id: JobId, worker: str, lease_seconds: int) -> None:
        until = self._clock.now() + timedelta(seconds=lease_seconds)
        await self._settle(job_id, worker, {"locked_until": until}, keep_lease=True)

    async def complete(self, job_id: JobId, worker: str) -> bool:
        return await self._settle(job_id, worker, {"status": "done"})

    async def retry(self, job_id: JobId, worker: str, error: str, delay_seconds: int) -> bool:
        run_after = self._clock.now() + timedelta(seconds=delay_seconds)
        values = {"status": "queued", "run_after": run_after, "last_error": error[:1000]}
        return await self._settle(job_id, worker, values)

    async def fail(self, job_id: JobId, worker: str, error: str) -> bool:
        return await self._settle(job_id, worker, {"status": "failed", "last_error": error[:1000]})

    async def reap(self) -> list[IngestionJob]:
        async with scoped(self._engine, None) as conn:
            rows = (await conn.execute(_REAP, {"now": self._clock.now()})).all()
        return [_job(row) for row in rows]

    async def stranded(self, older_than_seconds: int) -> list[IngestionJob]:
        cutoff = self._clock.now() - timedelta(seconds=older_than_seconds)
        async with scoped(self._engine, None) as conn:
            rows = (await conn.execute(_STRANDED, {"cutoff": cutoff})).all()
        return [
            IngestionJob(
                JobId(uuid.uuid4()), WorkspaceId(r.workspace_id), DocumentId(r.id), r.created_at
            )
            for r in rows
        ]

    async def release(self, worker: str) -> None:
        jobs = t.ingestion_jobs
        async with scoped(self._engine, None) as conn:
            await conn.execute(
                update(jobs)
                .where(jobs.c.locked_by == worker, jobs.c.status == "running")
                .values(
                    status="queued",
                    attempts=func.greatest(jobs.c.attempts - 1, 0),
                    locked_by=None,
                    locked_until=None,
                    run_after=self._clock.now(),
                )
            )

    async def pending(self) -> int:
        jobs = t.ingestion_jobs
        async with scoped(self._engine, None) as conn:
            query = select(func.count()).where(jobs.c.status.in_(("queued", "running")))
            return int((await conn.execute(query)).scalar_one())

    async def _settle(
        self, job_id: JobId, worker: str, values: dict[str, object], keep_lease: bool = False
    ) -> bool:
        """Updates the job only while `worker` holds it; says whether it did."""
        jobs = t.ingestion_jobs
        if not keep_lease:
            values = {**values, "locked_by": None, "locked_until": None}
        async with scoped(self._engine, None) as conn:
            result = await conn.execute(
                update(jobs)
                .where(jobs.c.id == job_id, jobs.c.locked_by == worker, jobs.c.status == "running")
                .values(**values, updated_at=self._clock.now())
            )
        return bool(result.rowcount)


def _job(row: Any) -> IngestionJob:
    return IngestionJob(
        JobId(row.id),
        WorkspaceId(row.workspace_id),
        DocumentId(row.document_id),
        row.created_at,
        row.attempts,
        row.max_attempts,
    )
