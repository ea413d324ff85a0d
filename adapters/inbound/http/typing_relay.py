"""Typing indicators from one side of a socket, coalesced before they reach every watcher:
a change is published at most every `interval` seconds (the latest state wins), repeats of
the same state are not published again, and a `true` that no `false` follows expires after
`expire` seconds (a tab closed mid-word does not leave dots forever)."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable

INTERVAL_SECONDS = 0.5
EXPIRE_SECONDS = 6.0


class TypingRelay:
    def __init__(
        self,
        publish: Callable[[bool], Awaitable[None]],
        interval: float = INTERVAL_SECONDS,
        expire: float = EXPIRE_SECONDS,
    ) -> None:
        self._publish, self._interval, self._expire = publish, interval, expire
        self._published = False
        self._wanted = False
        self._last = 0.0
        self._flush: asyncio.Task[None] | None = None
        self._expiry: asyncio.Task[None] | None = None

    async def set(self, state: bool) -> None:
        self._wanted = state
        self._cancel("_expiry")
        if state:
            self._expiry = asyncio.create_task(self._expire_later())
        await self._maybe_publish()

    async def stop(self) -> None:
        """The socket closes: anything still `true` becomes `false` for the watchers."""
        self._cancel("_flush")
        self._cancel("_expiry")
        if self._published:
            self._published = False
            await self._publish(False)

    async def _maybe_publish(self) -> None:
        if self._wanted == self._published:
            return
        wait = self._last + self._interval - time.monotonic()
        if wait > 0:
            if self._flush is None or self._flush.done():
                self._flush = asyncio.create_task(self._publish_after(wait))
            return
        self._published, self._last = self._wanted, time.monotonic()
        await self._publish(self._wanted)

    async def _publish_after(self, wait: float) -> None:
        await asyncio.sleep(wait)
        await self._maybe_publish()

    async def _expire_later(self) -> None:
        await asyncio.sleep(self._expire)
        self._wanted = False
        await self._maybe_publish()

    def _cancel(self, name: str) -> None:
        task: asyncio.Task[None] | None = getattr(self, name)
        if task is not None and not task.done() and task is not asyncio.current_task():
            task.cancel()
        setattr(self, name, None)


async def stop_quietly(relay: TypingRelay) -> None:
    with contextlib.suppress(Exception):
        await relay.stop()
