"""Health probes for the outbound dependencies."""

from __future__ import annotations

import asyncio

import structlog

from application.ports.health import Status
from application.ports.job_queue import JobQueue
from application.ports.unit_of_work import UnitOfWorkFactory

log = structlog.get_logger()


class DatabaseProbe:
    def __init__(self, uow: UnitOfWorkFactory, timeout_seconds: float = 2.0) -> None:
        self._uow, self._timeout = uow, timeout_seconds

    async def status(self) -> Status:
        try:
            await asyncio.wait_for(self._uow.ping(), self._timeout)
        except Exception as exc:  # any failure at all means "down", never a 500
            log.warning("health.database_down", error=type(exc).__name__)
            return "down"
        return "ok"


class NotConfiguredProbe:
    """For a dependency this deployment does not use."""

    async def status(self) -> Status:
        return "not_configured"


class QueueProbe:
    """The ingestion queue answers (its backlog is in the logs and metrics)."""

    def __init__(self, queue: JobQueue, timeout_seconds: float = 2.0) -> None:
        self._queue, self._timeout = queue, timeout_seconds

    async def status(self) -> Status:
        try:
            await asyncio.wait_for(self._queue.pending(), self._timeout)
        except Exception as exc:
            log.warning("health.queue_down", error=type(exc).__name__)
            return "down"
        return "ok"
