"""In-process realtime: asyncio queues, one per subscription (one server process)."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import structlog

from application.events import Event
from application.ports.realtime import SubscriberTooSlow

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


_TOO_SLOW = object()  # in place of the events a stalled subscriber did not take


def offer(queue: asyncio.Queue[Any], event: Event) -> None:
    """A stalled subscriber is told so (its iterator raises SubscriberTooSlow) rather than
    silently losing events, and never costs the server more than QUEUE_SIZE events."""
    if queue.full():
        while not queue.empty():
            queue.get_nowait()
        queue.put_nowait(_TOO_SLOW)
        log.warning("realtime.slow_subscriber")
        return
    queue.put_nowait(event)


async def drain(queue: asyncio.Queue[Any]) -> AsyncIterator[Event]:
    while True:
        item = await queue.get()
        if item is _TOO_SLOW:
            raise SubscriberTooSlow
        yield item
