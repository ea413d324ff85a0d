"""Realtime across server processes: Redis pub/sub, degrading to this process when Redis is
down (events then reach this process's sockets only, until Redis is back).

One pub/sub connection per process carries every channel its sockets listen to (counted,
so a channel is unsubscribed when its last socket goes); one reader task hands each Redis
message to the sockets of this process on that channel. Publishing and re-subscribing
respect the process's Redis breaker: while it is open, nobody waits on Redis."""

from __future__ import annotations

import asyncio
import contextlib
from collections import Counter as Tally
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

import structlog
from prometheus_client import Counter
from redis.asyncio import Redis
from redis.asyncio.client import PubSub

from adapters.outbound.event_wire import decode, encode
from adapters.outbound.memory.realtime import InMemoryRealtime, drain
from adapters.outbound.redis.breaker import RedisBreaker
from application.events import Event

log = structlog.get_logger()
PREFIX = "ccgpt:rt:"
READ_SECONDS = 1.0
FALLBACKS = Counter(
    "ccgpt_realtime_fallbacks_total",
    "Realtime events delivered in this process only because Redis could not be reached",
)


class RedisRealtime:
    def __init__(self, url: str, breaker: RedisBreaker) -> None:
        self._breaker = breaker
        self._client = Redis.from_url(
            url, socket_timeout=None, socket_connect_timeout=breaker.timeout
        )
        self._local = InMemoryRealtime()
        self._listening: Tally[str] = Tally()  # channel -> sockets of this process on it
        self._confirmed: dict[str, asyncio.Event] = {}
        self._pubsub: PubSub | None = None
        self._reader: asyncio.Task[None] | None = None

    async def publish(self, event: Event) -> None:
        if not self._breaker.available:
            self._fall_back(event, None)
            return
        payload = encode(event)
        try:
            async with self._client.pipeline(transaction=False) as pipe:
                for channel in event.channels():
                    pipe.publish(PREFIX + channel, payload)
                await asyncio.wait_for(pipe.execute(), self._breaker.timeout)
        except Exception as exc:  # any failure of Redis: deliver here, never raise
            self._fall_back(event, exc)

    def _fall_back(self, event: Event, error: Exception | None) -> None:
        FALLBACKS.inc()
        if error is None:
            self._breaker.fell_back()
        else:
            self._breaker.failed(error)
        self._local.deliver(event)

    @asynccontextmanager
    async def subscribe(self, *channels: str) -> AsyncIterator[AsyncIterator[Event]]:
        """Redis messages and this process's fallback deliveries, in one stream. Returns
        once Redis confirmed the channels (or the breaker says Redis is away)."""
        queue = self._local.attach(channels)
        fresh = [c for c in channels if self._listening[c] == 0]
        self._listening.update(channels)
        for channel in fresh:
            self._confirmed[channel] = asyncio.Event()
        try:
            await self._redis_subscribe(fresh)
            yield drain(queue)
        finally:
            self._local.detach(channels, queue)
            self._listening.subtract(channels)
            gone = [c for c in channels if self._listening[c] <= 0]
            for channel in gone:
                del self._listening[channel]
                self._confirmed.pop(channel, None)
            await self._redis_unsubscribe(gone)

    async def _redis_subscribe(self, channels: list[str]) -> None:
        if not channels or not self._breaker.available:
            return
        try:
            if self._pubsub is None:
                self._pubsub = self._client.pubsub()
            await asyncio.wait_for(
                self._pubsub.subscribe(*(PREFIX + c for c in channels)), self._breaker.timeout
            )
            self._ensure_reader()
            waits = [self._confirmed[c].wait() for c in channels if c in self._confirmed]
            await asyncio.wait_for(asyncio.gather(*waits), self._breaker.timeout * 4)
        except Exception as exc:  # the reader re-subscribes once Redis is back
            self._breaker.failed(exc)
            self._ensure_reader()

    async def _redis_unsubscribe(self, channels: list[str]) -> None:
        if not channels or self._pubsub is None or not self._breaker.available:
            return
        with contextlib.suppress(Exception):
            await asyncio.wait_for(
                self._pubsub.unsubscribe(*(PREFIX + c for c in channels)), self._breaker.timeout
            )

    def _ensure_reader(self) -> None:
        if self._reader is None or self._reader.done():
            self._reader = asyncio.get_running_loop().create_task(self._read())

    async def _read(self) -> None:
        """Hands each message of the one pub/sub connection to this process's sockets;
        after a failure, waits for the breaker to close and subscribes everything again."""
        while True:
            try:
                if self._pubsub is None:
                    if not self._breaker.available or not self._listening:
                        await asyncio.sleep(self._breaker.timeout)
                        continue
                    self._pubsub = self._client.pubsub()
                    await asyncio.wait_for(
                        self._pubsub.subscribe(*(PREFIX + c for c in self._listening)),
                        self._breaker.timeout,
                    )
                message = await self._pubsub.get_message(timeout=READ_SECONDS)
                if message:
                    self._handle(message)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                self._breaker.failed(exc)
                await self._drop_pubsub()

    def _handle(self, message: dict[str, object]) -> None:
        raw_channel = message.get("channel")
        name = raw_channel.decode() if isinstance(raw_channel, bytes) else str(raw_channel)
        channel = name.removeprefix(PREFIX)
        if message.get("type") == "subscribe":
            confirmed = self._confirmed.get(channel)
            if confirmed is not None:
                confirmed.set()
        elif message.get("type") == "message":
            data = message.get("data")
            if isinstance(data, bytes | str):
                self._local.deliver_on(channel, decode(data))

    async def _drop_pubsub(self) -> None:
        pubsub, self._pubsub = self._pubsub, None
        if pubsub is not None:
            with contextlib.suppress(Exception):
                # Typed from redis 8 on, untyped before: called through a typed name so
                # mypy accepts both.
                close: Callable[[], Awaitable[None]] = pubsub.aclose
                await close()

    async def aclose(self) -> None:
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._reader
        await self._drop_pubsub()
        await self._client.aclose()
