"""One contract for every JobQueue: leases, expiry after a crash, retries, release."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest

from adapters.outbound.memory.clock import FixedClock
from adapters.outbound.memory.knowledge import InMemoryJobQueue
from adapters.outbound.memory.unit_of_work import InMemoryUnitOfWorkFactory
from adapters.outbound.postgres.engine import runtime_engine
from adapters.outbound.postgres.job_queue import PostgresJobQueue
from adapters.outbound.postgres.unit_of_work import PostgresUnitOfWorkFactory
from application.ports.job_queue import JobQueue
from application.ports.unit_of_work import UnitOfWorkFactory
from domain.accounts import Workspace
from domain.documents import Document, DocumentStatus, MimeType
from domain.ids import DocumentId, JobId, WorkspaceId
from domain.knowledge import IngestionJob
from domain.plans import Plan


@dataclass
class Queue:
    uow: UnitOfWorkFactory
    queue: JobQueue
    clock: FixedClock


@pytest.fixture(params=["memory", "postgres"])
async def q(request: pytest.FixtureRequest) -> AsyncIterator[Queue]:
    clock = FixedClock(datetime(2026, 6, 1, 9, 0, tzinfo=UTC))
    if request.param == "memory":
        uow = InMemoryUnitOfWorkFactory()
        yield Queue(uow, InMemoryJobQueue(uow.store, clock), clock)
        return
    engine = runtime_engine(request.getfixturevalue("empty_database_url"), pool_size=4)
    yield Queue(PostgresUnitOfWorkFactory(engine), PostgresJobQueue(engine, clock), clock)
    await engine.dispose()


async def enqueue(q: Queue, count: int = 1) -> list[IngestionJob]:
    ws = WorkspaceId(uuid.uuid4())
    now = q.clock.now()
    async with q.uow.system() as tx:
        await tx.workspaces.add(Workspace(ws, "W", Plan.PRO, now))
        await tx.commit()
    jobs = []
    for i in range(count):
        doc = Document(
            DocumentId(uuid.uuid4()),
            ws,
            f"d{i}",
            "d.txt",
            MimeType.TEXT,
            1,
            uuid.uuid4().hex,
            DocumentStatus.QUEUED,
            now,
            now,
        )
        job = IngestionJob(JobId(uuid.uuid4()), ws, doc.id, now)
        async with q.uow.tenant(ws) as tx:
            await tx.documents.add(doc, b"x")
            await tx.jobs.add(job)
            await tx.commit()
        jobs.append(job)
        q.clock.advance(1)
    return jobs


async def test_jobs_are_claimed_oldest_first_and_once(q: Queue) -> None:
    first, second = await enqueue(q, 2)
    other = (await enqueue(q))[0]
    a = await q.queue.claim("worker-a", lease_seconds=60)
    b = await q.queue.claim("worker-b", lease_seconds=60)
    # One running job per workspace: the second worker takes the other workspace's job.
    assert (a and a.id, b and b.id) == (first.id, other.id)
    assert a is not None and a.attempts == 1
    assert await q.queue.claim("worker-c", lease_seconds=60) is None
    assert await q.queue.pending() == 3
    assert await q.queue.complete(first.id, "worker-a")
    c = await q.queue.claim("worker-c", lease_seconds=60)
    assert c is not None and c.id == second.id


async def test_a_workspace_runs_one_job_at_a_time_and_workspaces_take_turns(q: Queue) -> None:
    """A tenant that uploads many heavy files cannot hold every worker: the others wait
    their turn, and a workspace served longer ago goes first."""
    a1, a2 = await enqueue(q, 2)
    b1, b2 = await enqueue(q, 2)
    order = []
    for _ in range(4):
        job = await q.queue.claim("w", lease_seconds=60)
        assert job is not None
        order.append(job.id)
        assert await q.queue.complete(job.id, "w")
        q.clock.advance(1)
    assert order == [a1.id, b1.id, a2.id, b2.id]
    assert await q.queue.claim("w", lease_seconds=60) is None


async def test_a_crashed_workers_job_comes_back_when_its_lease_runs_out(q: Queue) -> None:
    (job,) = await enqueue(q)
    assert await q.queue.claim("crashed", lease_seconds=30) is not None
    q.clock.advance(20)
    assert await q.queue.claim("other", lease_seconds=30) is None
    q.clock.advance(11)
    again = await q.queue.claim("other", lease_seconds=30)
    assert again is not None and again.id == job.id and again.attempts == 2


async def test_extending_a_lease_keeps_the_job(q: Queue) -> None:
    await enqueue(q)
    claimed = await q.queue.claim("busy", lease_seconds=30)
    assert claimed is not None
    q.clock.advance(25)
    await q.queue.extend(claimed.id, "busy", 30)
    q.clock.advance(25)
    assert await q.queue.claim("other", lease_seconds=30) is None


async def test_a_retried_job_waits_for_its_delay(q: Queue) -> None:
    (job,) = await enqueue(q)
    await q.queue.claim("w", lease_seconds=60)
    assert await q.queue.retry(job.id, "w", "embedder down", delay_seconds=10)
    assert await q.queue.claim("w", lease_seconds=60) is None
    q.clock.advance(10)
    again = await q.queue.claim("w", lease_seconds=60)
    assert again is not None and again.attempts == 2


async def test_completed_and_failed_jobs_are_never_claimed_again(q: Queue) -> None:
    done, failed = await enqueue(q, 2)
    await q.queue.claim("w", 60)
    assert await q.queue.complete(done.id, "w")
    await q.queue.claim("w", 60)
    assert await q.queue.fail(failed.id, "w", "gave up")
    q.clock.advance(3600)
    assert await q.queue.claim("w", 60) is None
    assert await q.queue.pending() == 0
    async with q.uow.tenant(done.workspace_id) as tx:
        assert not await tx.jobs.has_open_job(done.workspace_id, done.document_id)


async def test_released_jobs_are_free_at_once_without_costing_an_attempt(q: Queue) -> None:
    (job,) = await enqueue(q)
    await q.queue.claim("stopping", lease_seconds=600)
    await q.queue.release("stopping")
    again = await q.queue.claim("next", lease_seconds=600)
    assert again is not None and again.id == job.id and again.attempts == 1
    async with q.uow.tenant(job.workspace_id) as tx:
        assert await tx.jobs.has_open_job(job.workspace_id, job.document_id)


async def test_a_worker_that_lost_its_lease_settles_nothing(q: Queue) -> None:
    (job,) = await enqueue(q)
    await q.queue.claim("slow", lease_seconds=10)
    q.clock.advance(11)
    taken = await q.queue.claim("fresh", lease_seconds=60)
    assert taken is not None and taken.id == job.id
    assert not await q.queue.complete(job.id, "slow")
    assert not await q.queue.fail(job.id, "slow", "late")
    assert not await q.queue.retry(job.id, "slow", "late", 0)
    assert await q.queue.complete(job.id, "fresh")


async def test_a_job_whose_worker_died_on_every_attempt_is_reaped(q: Queue) -> None:
    (job,) = await enqueue(q)
    for attempt in range(job.max_attempts):
        claimed = await q.queue.claim(f"doomed-{attempt}", lease_seconds=5)
        assert claimed is not None and claimed.attempts == attempt + 1
        q.clock.advance(6)  # the worker died: its lease runs out
    assert await q.queue.claim("next", lease_seconds=5) is None
    reaped = await q.queue.reap()
    assert [r.id for r in reaped] == [job.id]
    assert await q.queue.reap() == []
    assert await q.queue.pending() == 0


async def test_a_document_left_processing_without_an_open_job_is_found(q: Queue) -> None:
    (job,) = await enqueue(q)
    await q.queue.claim("w", lease_seconds=60)
    async with q.uow.tenant(job.workspace_id) as tx:
        document = await tx.documents.get(job.workspace_id, job.document_id, for_update=True)
        assert document is not None
        document.start_processing(q.clock.now())
        await tx.documents.save(document)
        await tx.commit()
    assert await q.queue.stranded(older_than_seconds=60) == []  # its job is still open
    assert await q.queue.fail(job.id, "w", "died before settling the document")
    q.clock.advance(61)
    stranded = await q.queue.stranded(older_than_seconds=60)
    assert [(s.workspace_id, s.document_id) for s in stranded] == [
        (job.workspace_id, job.document_id)
    ]
