"""Turns at the database for answers: how many answers of this process may be storing,
searching or recording at once (`CCGPT_ANSWERS_AT_ONCE`).

Under a crowd (500 sockets asking at once), every answer used to take pooled connections
and hold them while the event loop served everyone else; waits for a connection passed the
pool's timeout and visitors got 503s. Taking turns bounds the connections answers hold (two
each at most, so the rest of the pool stays free for sign-ins, sessions and the console),
and waiting for a turn has no deadline: a crowd means slower answers, never refused ones.
A chat model's writing is not a turn: a slow remote model holds no connection."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator


class Turns:
    def __init__(self, at_once: int = 0) -> None:
        """`at_once` <= 0: no limit."""
        self._at_once = at_once
        self._semaphore: asyncio.Semaphore | None = None  # made in the loop that uses it

    @contextlib.asynccontextmanager
    async def turn(self) -> AsyncIterator[None]:
        if self._at_once <= 0:
            yield
            return
        if self._semaphore is None:
            self._semaphore = asyncio.Semaphore(self._at_once)
        async with self._semaphore:
            yield
