"""Realtime across server processes: Redis pub/sub, degrading to this process when Redis
is down (events then reach this process's sockets only, until Redis is back)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import msgspec
import structlog
from prometheus_client import Counter
from redis.asyncio import Redis
from redis.asyncio.client import PubSub

from adapters.outbound.memory.realtime import InMemoryRealtime, drain, offer
from application.events import EVENT_TYPES, Event

log = structlog.get_logger()
PREFIX = "ccgpt:rt:"
RETRY_SECONDS = 1.0
FALLBACKS = Counter(
    "ccgpt_realtime_fallbacks_total",
    "Realtime events delivered in this process only because Redis could not be reached",
)


_BY_NAME: dict[str, type[Event]] = {kind.__name__: kind for kind in EVENT_TYPES}


class _Envelope(msgspec.Struct, frozen=True):
    """An event on the wire between processes: its class name, then its fields."""

    kind: str
    event: msgspec.Raw


def encode(event: Event) -> bytes:
    return _ENCODER.encode(_Envelope(type(event).__name__, msgspec.Raw(_ENCODER.encode(event))))


def decode(raw: bytes | str) -> Event:
    envelope = msgspec.json.decode(raw, type=_Envelope)
    return msgspec.json.decode(envelope.event, type=_BY_NAME[envelope.kind])


_ENCODER = msgspec.json.Encoder()


class RedisRealtime:
    def __init__(self, url: str, timeout_seconds: float = 0.25) -> None:
        self._timeout = timeout_seconds
        self._client = Redis.from_url(
            url, socket_timeout=None, socket_connect_timeout=timeout_seconds
        )
        self._local = InMemoryRealtime()

    async def publish(self, event: Event) -> None:
        payload = encode(event)
        try:
            async with self._client.pipeline(transaction=False) as pipe:
                for channel in event.channels():
                    pipe.publish(PREFIX + channel, payload)
                await asyncio.wait_for(pipe.execute(), self._timeout)
        except Exception as exc:  # any failure of Redis: deliver here, never raise
            FALLBACKS.inc()
            log.warning("realtime.redis_unavailable", error=type(exc).__name__)
            self._local.deliver(event)

    @asynccontextmanager
    async def subscribe(self, *channels: str) -> AsyncIterator[AsyncIterator[Event]]:
        """Redis messages and this process's fallback deliveries, in one stream."""
        queue = self._local.attach(channels)
        listening = asyncio.Event()
        names = [PREFIX + channel for channel in channels]
        pump = asyncio.create_task(self._pump(names, queue, listening))
        # Events published after this returns must arrive: wait for Redis to confirm
        # (or for it to fail, and the local fallback to be all there is).
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(listening.wait(), self._timeout * 8)
        try:
            yield drain(queue)
        finally:
            pump.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await pump
            self._local.detach(channels, queue)

    async def _pump(
        self, channels: list[str], queue: asyncio.Queue[Event], listening: asyncio.Event
    ) -> None:
        """Copies the channels' Redis messages into the queue; re-subscribes after a failure."""
        confirmations = 0
        while True:
            pubsub: PubSub = self._client.pubsub()
            try:
                await asyncio.wait_for(pubsub.subscribe(*channels), self._timeout * 4)
                while True:
                    message = await pubsub.get_message(timeout=RETRY_SECONDS)
                    if not message:
                        continue
                    if message.get("type") == "subscribe":  # Redis confirmed: we listen
                        confirmations += 1
                        if confirmations >= len(channels):
                            listening.set()
                    elif message.get("type") == "message":
                        offer(queue, decode(message["data"]))
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("realtime.subscribe_failed", error=type(exc).__name__)
                listening.set()
                await asyncio.sleep(RETRY_SECONDS)
            finally:
                with contextlib.suppress(Exception):
                    await pubsub.aclose()  # type: ignore[no-untyped-call]

    async def aclose(self) -> None:
        await self._client.aclose()
