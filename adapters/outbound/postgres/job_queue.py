"""The ingestion queue in PostgreSQL: leases taken with FOR UPDATE SKIP LOCKED.

A job row is written in the same transaction as its document, so a document is never
queued without its job nor the other way round. A worker leases a job for a while and
extends the lease as it works; a crashed worker's lease runs out and another takes over.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select, text, update
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.outbound.postgres import tables as t
from adapters.outbound.postgres.scope import scope_transaction
from application.ports.clock import Clock
from domain.ids import DocumentId, JobId, WorkspaceId
from domain.knowledge import IngestionJob

_CLAIM = text(
    """
    UPDATE ingestion_jobs SET status = 'running', attempts = attempts + 1,
           locked_by = :worker, locked_until = :until, updated_at = :now
    WHERE id = (
        SELECT id FROM ingestion_jobs
        WHERE (status = 'queued' AND run_after <= :now)
           OR (status = 'running' AND locked_until < :now)
        ORDER BY run_after
        LIMIT 1
        FOR UPDATE SKIP LOCKED
    )
    RETURNING id, workspace_id, document_id, attempts, max_attempts, created_at
    """
)


class PostgresJobQueue:
    def __init__(self, engine: AsyncEngine, clock: Clock) -> None:
        self._engine, self._clock = engine, clock

    async def claim(self, worker: str, lease_seconds: int) -> IngestionJob | None:
        now = self._clock.now()
        async with self._engine.begin() as conn:
            await scope_transaction(conn, None)
            params = {"worker": worker, "now": now, "until": now + timedelta(seconds=lease_seconds)}
            row = (await conn.execute(_CLAIM, params)).first()
        if row is None:
            return None
        return IngestionJob(
            JobId(row.id),
            WorkspaceId(row.workspace_id),
            DocumentId(row.document_id),
            row.created_at,
            row.attempts,
            row.max_attempts,
        )

    async def extend(self, job_id: JobId, worker: str, lease_seconds: int) -> None:
        until = self._clock.now() + timedelta(seconds=lease_seconds)
        await self._update(job_id, {"locked_until": until}, worker=worker)

    async def complete(self, job_id: JobId) -> None:
        await self._update(job_id, {"status": "done", "locked_by": None, "locked_until": None})

    async def retry(self, job_id: JobId, error: str, delay_seconds: int) -> None:
        run_after = self._clock.now() + timedelta(seconds=delay_seconds)
        values = {"status": "queued", "run_after": run_after, "last_error": error[:1000]}
        await self._update(job_id, {**values, "locked_by": None, "locked_until": None})

    async def fail(self, job_id: JobId, error: str) -> None:
        values = {"status": "failed", "last_error": error[:1000]}
        await self._update(job_id, {**values, "locked_by": None, "locked_until": None})

    async def release(self, worker: str) -> None:
        jobs = t.ingestion_jobs
        async with self._engine.begin() as conn:
            await scope_transaction(conn, None)
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
        async with self._engine.begin() as conn:
            await scope_transaction(conn, None)
            query = select(func.count()).where(jobs.c.status.in_(("queued", "running")))
            return int((await conn.execute(query)).scalar_one())

    async def _update(
        self, job_id: JobId, values: dict[str, object], worker: str | None = None
    ) -> None:
        jobs = t.ingestion_jobs
        condition = [jobs.c.id == job_id]
        if worker is not None:
            condition.append(jobs.c.locked_by == worker)
        async with self._engine.begin() as conn:
            await scope_transaction(conn, None)
            await conn.execute(
                update(jobs).where(*condition).values(**values, updated_at=self._clock.now())
            )
