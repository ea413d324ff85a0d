"""Real Redis faults: a private redis-server frozen with SIGSTOP and thawed again. The
breaker opens on the first timeout, so later calls never wait on Redis; its probe closes it
when Redis answers; readiness stays fast throughout."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from adapters.outbound.memory.rate_limiter import LimitsRateLimiter
from adapters.outbound.redis.breaker import RedisBreaker
from adapters.outbound.redis.rate_limiter import RedisProbe, redis_rate_limiter
from adapters.outbound.redis.realtime import RedisRealtime
from adapters.outbound.redis.resilient import ResilientRateLimiter
from application.events import Event, TypingChanged, session_channel
from application.ports.rate_limiter import RateLimit
from domain.ids import SessionId, WorkspaceId
from tests.integration.redis_server import private_redis

# A failure here loses data, lets someone in, or stops answers.
pytestmark = pytest.mark.critical


async def until_closed(breaker: RedisBreaker, seconds: float = 5) -> None:
    """Polls: the breaker has no event to wait on, by design (callers only read it)."""
    deadline = time.monotonic() + seconds
    while not breaker.available and time.monotonic() < deadline:  # noqa: ASYNC110
        await asyncio.sleep(0.05)


class Collected:
    """Events of a subscription gathered by a task of their own: waiting for one with a
    timeout must not cancel the subscription's iterator (that would end it)."""

    def __init__(self, events: AsyncIterator[Event]) -> None:
        self.queue: asyncio.Queue[Event] = asyncio.Queue()
        self._task = asyncio.create_task(self._collect(events))

    async def _collect(self, events: AsyncIterator[Event]) -> None:
        async for event in events:
            await self.queue.put(event)

    async def next(self, seconds: float) -> Event:
        return await asyncio.wait_for(self.queue.get(), seconds)

    def stop(self) -> None:
        self._task.cancel()


async def timed(call: object) -> float:
    started = time.perf_counter()
    await call  # type: ignore[misc]
    return time.perf_counter() - started


async def test_a_frozen_redis_costs_one_timeout_then_nothing_until_it_thaws(
    tmp_path: Path,
) -> None:
    with private_redis(tmp_path) as redis:
        breaker = RedisBreaker(redis.url, timeout_seconds=0.25, probe_every_seconds=0.2)
        limiter = ResilientRateLimiter(
            redis_rate_limiter(redis.url, 0.25), LimitsRateLimiter(), breaker
        )
        realtime = RedisRealtime(redis.url, breaker)
        probe, limit = RedisProbe(breaker), RateLimit(1000, 60)
        try:
            assert await probe.status() == "ok"
            normal = [await timed(limiter.hit("k", limit)) for _ in range(5)]
            redis.freeze()
            first = await timed(limiter.hit("k", limit))
            assert not breaker.available and first < 1.0
            later = [await timed(limiter.hit("k", limit)) for _ in range(20)]
            event = TypingChanged(WorkspaceId(uuid.uuid4()), SessionId(uuid.uuid4()), "agent", True)
            publishes = [await timed(realtime.publish(event)) for _ in range(20)]
            # Open breaker: no call waits on Redis, every one is as fast as in-process.
            assert max(later) < 0.05 and max(publishes) < 0.05
            assert max(later) <= max(2 * max(normal), 0.01)
            started = time.perf_counter()
            assert await probe.status() == "degraded"
            assert time.perf_counter() - started < 0.1
            redis.thaw()
            await until_closed(breaker)
            assert breaker.available and await probe.status() == "ok"
        finally:
            await realtime.aclose()
            await breaker.aclose()


async def test_events_flow_again_after_redis_restarts(tmp_path: Path) -> None:
    """Two processes (two adapters); Redis is frozen, then thawed: the subscription comes
    back by itself and events cross processes again."""
    with private_redis(tmp_path) as redis:
        one_breaker, two_breaker = (
            RedisBreaker(redis.url, 0.25, 0.2),
            RedisBreaker(redis.url, 0.25, 0.2),
        )
        one, two = RedisRealtime(redis.url, one_breaker), RedisRealtime(redis.url, two_breaker)
        workspace, session = WorkspaceId(uuid.uuid4()), SessionId(uuid.uuid4())
        try:
            async with two.subscribe(session_channel(workspace, session)) as events:
                collected = Collected(events)
                first = TypingChanged(workspace, session, "agent", True)
                await one.publish(first)
                assert await collected.next(3) == first
                redis.freeze()
                await one.publish(TypingChanged(workspace, session, "agent", False))
                redis.thaw()
                await until_closed(one_breaker)
                again = TypingChanged(workspace, session, "assistant", True)
                received = None
                deadline = time.monotonic() + 8
                while received != again and time.monotonic() < deadline:
                    await one.publish(again)
                    try:
                        received = await collected.next(0.5)
                    except TimeoutError:
                        continue
                assert received == again
                collected.stop()
        finally:
            for adapter in (one, two):
                await adapter.aclose()
            for breaker in (one_breaker, two_breaker):
                await breaker.aclose()


async def test_fan_out_comes_back_by_itself_after_redis_restarts(tmp_path: Path) -> None:
    """A real stop and start of redis-server (not a freeze): subscriptions come back with
    no restart of the app, and events cross processes again."""
    with private_redis(tmp_path) as redis:
        breakers = [RedisBreaker(redis.url, 0.25, 0.2) for _ in range(2)]
        one, two = (RedisRealtime(redis.url, b) for b in breakers)
        workspace, session = WorkspaceId(uuid.uuid4()), SessionId(uuid.uuid4())
        try:
            async with two.subscribe(session_channel(workspace, session)) as events:
                collected = Collected(events)
                before = TypingChanged(workspace, session, "agent", True)
                await one.publish(before)
                assert await collected.next(3) == before
                await asyncio.to_thread(redis.restart)
                after = TypingChanged(workspace, session, "visitor", True)
                received = None
                deadline = time.monotonic() + 10
                while received != after and time.monotonic() < deadline:
                    await one.publish(after)
                    try:
                        received = await collected.next(0.5)
                    except TimeoutError:
                        continue
                assert received == after
                collected.stop()
        finally:
            for adapter in (one, two):
                await adapter.aclose()
            for breaker in breakers:
                await breaker.aclose()
