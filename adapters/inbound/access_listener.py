"""Forgets what this process remembered of a workspace's access (application.recently_read)
when any process announces a change of it (`AccessChanged`, on the `ACCESS_ANYWHERE`
channel). Runs in the background of every server process; with Redis down, events from
other processes do not arrive and the memory's few seconds bound how stale it gets."""

from __future__ import annotations

import asyncio
import contextlib

import structlog

from application.events import ACCESS_ANYWHERE, AccessChanged
from application.ports.realtime import Realtime, SubscriberTooSlow
from application.recently_read import AccessMemory

log = structlog.get_logger()


class AccessListener:
    def __init__(self, realtime: Realtime, memory: AccessMemory, retry_seconds: float = 1.0):
        self._realtime, self._memory, self._retry = realtime, memory, retry_seconds
        self._task: asyncio.Task[None] | None = None
        self._listening = asyncio.Event()

    async def start(self) -> None:
        """Returns once listening, so no change announced after the start is missed."""
        self._task = asyncio.create_task(self._run(), name="access-listener")
        waiting = asyncio.create_task(self._listening.wait())
        await asyncio.wait({self._task, waiting}, return_when=asyncio.FIRST_COMPLETED)
        waiting.cancel()

    async def _run(self) -> None:
        while True:
            try:
                async with self._realtime.subscribe(ACCESS_ANYWHERE) as events:
                    self._listening.set()
                    async for event in events:
                        if isinstance(event, AccessChanged):
                            self._memory.forget(event.workspace_id)
            except asyncio.CancelledError:
                raise
            except SubscriberTooSlow:
                self._memory.forget()  # some changes went by unseen: forget them all
            except Exception:
                log.exception("access_listener.failed")
                self._memory.forget()
            await asyncio.sleep(self._retry)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
