"""One circuit breaker per process around Redis, shared by the rate limiter and realtime.

The first call that fails or times out opens it: from then on callers go straight to their
in-process fallback instead of each waiting for its own timeout (a frozen Redis used to add
~1.7 s to every message). A background probe pings Redis and closes the breaker when it
answers again. One warning when an outage starts, one with its duration and the number of
calls that fell back when it ends: never one line per call."""

from __future__ import annotations

import asyncio
import contextlib
import time

import structlog
from prometheus_client import Gauge
from redis.asyncio import Redis

log = structlog.get_logger()
OPEN = Gauge("ccgpt_redis_breaker_open", "1 while Redis is considered unavailable")


class RedisBreaker:
    def __init__(
        self, url: str, timeout_seconds: float = 0.25, probe_every_seconds: float = 0.5
    ) -> None:
        self.timeout = timeout_seconds
        self._probe_every = probe_every_seconds
        self._client = Redis.from_url(
            url, socket_timeout=timeout_seconds, socket_connect_timeout=timeout_seconds
        )
        self._opened_at: float | None = None
        self._fallbacks = 0
        self._probe: asyncio.Task[None] | None = None

    @property
    def available(self) -> bool:
        """Whether callers should try Redis at all."""
        return self._opened_at is None

    def failed(self, error: BaseException) -> None:
        """A call to Redis failed or timed out: open, and start probing for its return."""
        self._fallbacks += 1
        if self._opened_at is not None:
            return
        self._opened_at = time.monotonic()
        OPEN.set(1)
        log.warning("redis.unavailable", error=type(error).__name__)
        with contextlib.suppress(RuntimeError):  # no running loop: the next call probes
            self._probe = asyncio.get_running_loop().create_task(self._probe_until_back())

    def fell_back(self) -> None:
        """A call skipped Redis because the breaker is open."""
        self._fallbacks += 1

    async def check(self) -> bool:
        """For readiness: the breaker's state, or, while closed, a ping within the timeout
        (an idle process learns of an outage here rather than on a visitor's message)."""
        if not self.available:
            return False
        try:
            await asyncio.wait_for(self._client.ping(), min(self.timeout, 0.08))
        except Exception as error:
            self.failed(error)
            return False
        return True

    async def _probe_until_back(self) -> None:
        while self._opened_at is not None:
            await asyncio.sleep(self._probe_every)
            if not await self._answers():
                continue
            seconds = round(time.monotonic() - self._opened_at, 2)
            log.warning("redis.recovered", outage_seconds=seconds, fallbacks=self._fallbacks)
            self._opened_at, self._fallbacks = None, 0
            OPEN.set(0)

    async def _answers(self) -> bool:
        try:
            await asyncio.wait_for(self._client.ping(), self.timeout)
        except asyncio.CancelledError:
            raise
        except Exception:  # still away: keep the breaker open
            return False
        return True

    async def aclose(self) -> None:
        if self._probe is not None:
            self._probe.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._probe
        with contextlib.suppress(Exception):
            await self._client.aclose()
