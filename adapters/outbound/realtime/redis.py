"""Realtime across server processes: Redis pub/sub, degrading to this process when Redis
is down (events then reach this process's sockets only, until Redis is back)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import structlog
from prometheus_client import Counter
from redis.asyncio import Redis
from redis.asyncio.client import PubSub

from adapters.outbound.realtime.local import LocalRealtime, drain, offer
from application.ports.realtime import RealtimeEvent, channels_of
from domain.ids import SessionId, WorkspaceId

log = structlog.get_logger()
PREFIX = "ccgpt:rt:"
RETRY_SECONDS = 1.0
FALLBACKS = Counter(
    "ccgpt_realtime_fallbacks_total",
    "Realtime events delivered in this process only because Redis could not be reached",
)


def encode(event: RealtimeEvent) -> str:
    return json.dumps(
        {
            "workspace_id": str(event.workspace_id),
            "session_id": str(event.session_id) if event.session_id else None,
            "type": event.type,
            "data": dict(event.data),
        }
    )


def decode(raw: bytes | str) -> RealtimeEvent:
    body: dict[str, Any] = json.loads(raw)
    return RealtimeEvent(
        WorkspaceId(uuid.UUID(body["workspace_id"])),
        SessionId(uuid.UUID(body["session_id"])) if body.get("session_id") else None,
        str(body["type"]),
        body.get("data") or {},
    )


class RedisRealtime:
    def __init__(self, url: str, timeout_seconds: float = 0.25) -> None:
        self._timeout = timeout_seconds
        self._client = Redis.from_url(
            url, socket_timeout=None, socket_connect_timeout=timeout_seconds
        )
        self._local = LocalRealtime()

    async def publish(self, event: RealtimeEvent) -> None:
        payload = encode(event)
        try:
            async with self._client.pipeline(transaction=False) as pipe:
                for channel in channels_of(event):
                    pipe.publish(PREFIX + channel, payload)
                await asyncio.wait_for(pipe.execute(), self._timeout)
        except Exception as exc:  # any failure of Redis: deliver here, never raise
            FALLBACKS.inc()
            log.warning("realtime.redis_unavailable", error=type(exc).__name__)
            self._local.deliver(event)

    @asynccontextmanager
    async def subscribe(self, *channels: str) -> AsyncIterator[AsyncIterator[RealtimeEvent]]:
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
        self, channels: list[str], queue: asyncio.Queue[RealtimeEvent], listening: asyncio.Event
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
