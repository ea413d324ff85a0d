"""The ingestion worker: leases jobs from the queue and runs the ingest use case.

It runs inside `ccgpt serve` by default and alone in `ccgpt worker` processes. A job's
lease is extended while it runs; on shutdown the worker hands its job back at once, and
if it dies instead, the lease runs out and any worker takes the job up again.

With nothing to ingest, it does the idle work (`IdleWork`): it embeds the sentences of chunks
that have none stored yet (`PrepareSentenceVectors`), then, with the query map on, each
chunk's teacher vector and the maps of workspaces whose chunks changed (`PrepareQueryMaps`),
a batch at a time, checking the queue between batches: after each document it made ready,
and every `sweep_seconds` for chunks other processes left.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import time
import uuid

import structlog
from prometheus_client import Counter

from application.idle_work import Preparation
from application.ingestion_outcome import Outcome
from application.ports.job_queue import JobQueue
from application.use_cases.abandon_ingestion import AbandonIngestion
from application.use_cases.ingest_document import IngestDocument
from domain.knowledge import IngestionJob

log = structlog.get_logger()
JOBS = Counter("ccgpt_ingestion_jobs_total", "Ingestion jobs by outcome", ["outcome"])
# The name is older than the query map: it counts all idle work (chunks whose sentence or
# teacher vectors were stored, and query maps fitted).
PREPARED = Counter(
    "ccgpt_sentence_vectors_prepared_total", "Idle work done: chunks prepared and maps fitted"
)


class IngestionWorker:
    def __init__(
        self,
        queue: JobQueue,
        ingest: IngestDocument,
        abandon: AbandonIngestion,
        concurrency: int = 1,
        lease_seconds: int = 60,
        poll_seconds: float = 1.0,
        prepare: Preparation | None = None,
        sweep_seconds: float = 600.0,
    ) -> None:
        self._queue, self._ingest, self._abandon = queue, ingest, abandon
        self._prepare, self._sweep_seconds = prepare, sweep_seconds
        self._prepare_due, self._next_sweep = True, 0.0
        self._preparing = asyncio.Lock()
        self._concurrency, self._lease, self._poll = concurrency, lease_seconds, poll_seconds
        self.name = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        self._tasks: list[asyncio.Task[None]] = []

    def start(self) -> None:
        self._tasks = [
            asyncio.create_task(self._loop(), name=f"ingest-{i}") for i in range(self._concurrency)
        ]
        log.info("worker.started", worker=self.name, concurrency=self._concurrency)

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks = []
        with contextlib.suppress(Exception):
            await self._queue.release(self.name)
        log.info("worker.stopped", worker=self.name)

    async def run_until_idle(self, prepare: bool = True) -> int:
        """Processes jobs until none is ready (tests, `ccgpt eval`), then, with `prepare`,
        stores the sentence vectors of every chunk without; returns how many jobs ran."""
        await self._reap()
        done = 0
        while (job := await self._queue.claim(self.name, self._lease)) is not None:
            await self._process(job)
            done += 1
        if prepare and self._prepare is not None:
            while prepared := await self._prepare.execute():
                PREPARED.inc(prepared)
        return done

    async def _loop(self) -> None:
        while True:
            try:
                job = await self._queue.claim(self.name, self._lease)
            except Exception as exc:  # the database is down: wait, never die
                log.warning("worker.claim_failed", error=type(exc).__name__)
                job = None
            if job is None:
                await self._reap()
                if not await self._prepare_some():
                    await asyncio.sleep(self._poll)
                continue
            await self._process(job)

    async def _prepare_some(self) -> bool:
        """One batch of sentence vectors, when due; whether it found any to make."""
        now = time.monotonic()
        if self._prepare is None or self._preparing.locked():
            return False
        if not self._prepare_due and now < self._next_sweep:
            return False
        async with self._preparing:
            self._prepare_due = False
            try:
                prepared = await self._prepare.execute()
            except Exception as exc:  # the database or the model failed: try again later
                log.warning("idle_work.failed", error=type(exc).__name__)
                prepared = 0
        if prepared:
            PREPARED.inc(prepared)
            self._prepare_due = True
            return True
        self._next_sweep = now + self._sweep_seconds
        return False

    async def _reap(self) -> None:
        """Jobs whose worker died on every attempt: their documents fail, readably."""
        try:
            for job in await self._queue.reap():
                JOBS.labels("reaped").inc()
                await self._abandon.execute(
                    job, "Ingestion stopped its worker on every attempt; try a different file."
                )
            for job in await self._queue.stranded(older_than_seconds=self._lease):
                JOBS.labels("stranded").inc()
                await self._abandon.execute(
                    job, "Ingestion was interrupted; reindex the document to try again."
                )
        except Exception as exc:
            log.warning("worker.reap_failed", error=type(exc).__name__)

    async def _process(self, job: IngestionJob) -> None:
        heartbeat = asyncio.create_task(self._keep_lease(job))
        try:
            outcome = await self._ingest.execute(job)
            if not await self._queue.complete(job.id, self.name):
                log.warning("ingestion.lease_lost", document_id=str(job.document_id))
                return
            JOBS.labels(outcome.value).inc()
            if outcome is Outcome.READY:
                self._prepare_due = True
            log.info("ingestion.done", document_id=str(job.document_id), outcome=outcome.value)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            await self._after_error(job, exc)
        finally:
            heartbeat.cancel()

    async def _after_error(self, job: IngestionJob, exc: Exception) -> None:
        reason = f"{type(exc).__name__}: {exc}"[:300]
        try:
            # Only the lease holder settles a job: a worker that lost its lease stops here.
            if job.exhausted:
                if await self._queue.fail(job.id, self.name, reason):
                    await self._abandon.execute(job, f"Ingestion kept failing ({reason}).")
                    JOBS.labels("gave_up").inc()
            elif await self._queue.retry(job.id, self.name, reason, job.backoff_seconds()):
                JOBS.labels("retried").inc()
            log.warning(
                "ingestion.error",
                document_id=str(job.document_id),
                attempt=job.attempts,
                error=reason,
            )
        except Exception:  # the lease will expire and the job come back
            log.exception("ingestion.error_not_recorded", document_id=str(job.document_id))

    async def _keep_lease(self, job: IngestionJob) -> None:
        while True:
            await asyncio.sleep(max(1.0, self._lease / 3))
            with contextlib.suppress(Exception):
                await self._queue.extend(job.id, self.name, self._lease)
