"""What the ingestion worker does when no document waits."""

from __future__ import annotations

from typing import Protocol

import structlog

log = structlog.get_logger()


class Preparation(Protocol):
    async def execute(self) -> int:
        """One batch of work; how much it did (0: nothing was waiting)."""
        ...


class IdleWork:
    """Steps in order: a step runs only once every step before it has nothing left (the
    sentence vectors that make answers cheaper come before the query maps). A step that
    fails is passed over, so it cannot starve the steps after it; when nothing else had
    work, its failure is raised (the worker logs it and tries again later)."""

    def __init__(self, *steps: Preparation) -> None:
        self._steps = steps

    async def execute(self) -> int:
        failure: Exception | None = None
        for step in self._steps:
            try:
                done = await step.execute()
            except Exception as exc:
                log.warning("idle_work.step_failed", step=type(step).__name__, error=repr(exc))
                failure = failure or exc
                continue
            if done:
                return done
        if failure is not None:
            raise failure
        return 0
