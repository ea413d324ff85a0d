"""Drives AnswerOrphanedQuestions: once at start, then every `every_seconds`, in the
background of a server or worker process. A failing sweep (the database still away) is
logged and tried again next time; it never stops the process."""

from __future__ import annotations

import asyncio
import contextlib

import structlog

from application.use_cases.answer_orphaned_questions import AnswerOrphanedQuestions
from domain.errors import ServiceUnavailable

log = structlog.get_logger()


class OrphanSweeper:
    def __init__(self, sweep: AnswerOrphanedQuestions, every_seconds: float = 60.0) -> None:
        self._sweep, self._every = sweep, every_seconds
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="orphan-sweeper")

    async def _run(self) -> None:
        while True:
            try:
                await self._sweep.execute()
            except asyncio.CancelledError:
                raise
            except ServiceUnavailable:
                log.warning("answers.orphan_sweep_postponed")  # an outage: next time
            except Exception:
                log.exception("answers.orphan_sweep_failed")
            await asyncio.sleep(self._every)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
