"""What the ingestion worker does when no document waits."""

from __future__ import annotations

from typing import Protocol


class Preparation(Protocol):
    async def execute(self) -> int:
        """One batch of work; how much it did (0: nothing was waiting)."""
        ...


class IdleWork:
    """Steps in order: a step runs only once every step before it has nothing left (the
    sentence vectors that make answers cheaper come before the query maps)."""

    def __init__(self, *steps: Preparation) -> None:
        self._steps = steps

    async def execute(self) -> int:
        for step in self._steps:
            done = await step.execute()
            if done:
                return done
        return 0
