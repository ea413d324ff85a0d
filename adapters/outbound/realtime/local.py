"""In-process realtime: asyncio queues, one per subscription (one server process)."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import structlog

from application.ports.realtime import RealtimeEvent, channels_of

log = structlog.get_logger()
QUEUE_SIZE = 256


class LocalRealtime:
    def __init__(self) -> None:
        self._queues: defaultdict[str, set[asyncio.Queue[RealtimeEvent]]] = defaultdict(set)

    async def publish(self, event: RealtimeEvent) -> None:
        self.deliver(event)

    def deliver(self, event: RealtimeEvent) -> None:
        for channel in channels_of(event):
            for queue in list(self._queues.get(channel, ())):
                offer(queue, event)

    @asynccontextmanager
    async def subscribe(self, *channels: str) -> AsyncIterator[AsyncIterator[RealtimeEvent]]:
        queue = self.attach(channels)
        try:
            yield drain(queue)
        finally:
            self.detach(channels, queue)

    def attach(self, channels: tuple[str, ...]) -> asyncio.Queue[RealtimeEvent]:
        queue: asyncio.Queue[RealtimeEvent] = asyncio.Queue(QUEUE_SIZE)
        for channel in channels:
            self._queues[channel].add(queue)
        return queue

    def detach(self, channels: tuple[str, ...], queue: asyncio.Queue[RealtimeEvent]) -> None:
        for channel in channels:
            self._queues[channel].discard(queue)
            if not self._queues[channel]:
                del self._queues[channel]


def offer(queue: asyncio.Queue[RealtimeEvent], event: RealtimeEvent) -> None:
    """A stalled socket loses its oldest event, not the server its memory."""
    if queue.full():
        queue.get_nowait()
        log.warning("realtime.slow_subscriber")
    queue.put_nowait(event)


async def drain(queue: asyncio.Queue[RealtimeEvent]) -> AsyncIterator[RealtimeEvent]:
    while True:
        yield await queue.get()
