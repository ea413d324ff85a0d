"""In-process realtime: asyncio queues, one per subscription (one server process)."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import structlog

from application.events import Event

log = structlog.get_logger()
QUEUE_SIZE = 256


class InMemoryRealtime:
    def __init__(self) -> None:
        self._queues: defaultdict[str, set[asyncio.Queue[Event]]] = defaultdict(set)

    async def publish(self, event: Event) -> None:
        self.deliver(event)

    def deliver(self, event: Event) -> None:
        for channel in event.channels():
            self.deliver_on(channel, event)

    def deliver_on(self, channel: str, event: Event) -> None:
        for queue in list(self._queues.get(channel, ())):
            offer(queue, event)

    @asynccontextmanager
    async def subscribe(self, *channels: str) -> AsyncIterator[AsyncIterator[Event]]:
        queue = self.attach(channels)
        try:
            yield drain(queue)
        finally:
            self.detach(channels, queue)

    def attach(self, channels: tuple[str, ...]) -> asyncio.Queue[Event]:
        queue: asyncio.Queue[Event] = asyncio.Queue(QUEUE_SIZE)
        for channel in channels:
            self._queues[channel].add(queue)
        return queue

    def detach(self, channels: tuple[str, ...], queue: asyncio.Queue[Event]) -> None:
        for channel in channels:
            self._queues[channel].discard(queue)
            if not self._queues[channel]:
                del self._queues[channel]


def offer(queue: asyncio.Queue[Event], event: Event) -> None:
    """A stalled socket loses its oldest event, not the server its memory."""
    if queue.full():
        queue.get_nowait()
        log.warning("realtime.slow_subscriber")
    queue.put_nowait(event)


async def drain(queue: asyncio.Queue[Event]) -> AsyncIterator[Event]:
    while True:
        yield await queue.get()
