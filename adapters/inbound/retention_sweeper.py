"""Applies every workspace's `retention_days` on a schedule, inside `ccgpt serve`/`worker`.

Erasing is idempotent, so several processes sweeping at once only repeat each other.
"""

from __future__ import annotations

import asyncio
import contextlib

import structlog

from application.use_cases.apply_retention import ApplyRetention

log = structlog.get_logger()


class RetentionSweeper:
    def __init__(self, apply: ApplyRetention, interval_seconds: float = 3600.0) -> None:
        self._apply, self._interval = apply, interval_seconds
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._loop(), name="retention-sweeper")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _loop(self) -> None:
        while True:
            try:
                await self._apply.execute()
            except Exception:  # a failed sweep is retried at the next one
                log.exception("retention.sweep_failed")
            await asyncio.sleep(self._interval)
