"""A rate limiter that survives its store: Redis down or frozen means in-process limits.

Policy (README, "Rate limits"): every call to the shared (Redis) limiter gets a short
timeout; on any failure the same call goes to an in-process limiter, the fallback is
counted in `/metrics` (`ccgpt_rate_limiter_fallbacks_total`) and logged, and the service
keeps answering. Limits are then per process until Redis is back: never a 500, never a
hung request.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

import structlog
from prometheus_client import Counter

from application.ports.rate_limiter import RateDecision, RateLimit, RateLimiter

log = structlog.get_logger()
FALLBACKS = Counter(
    "ccgpt_rate_limiter_fallbacks_total",
    "Rate-limit checks answered in-process because Redis failed",
)
_LOG_EVERY_SECONDS = 10.0


class ResilientRateLimiter:
    def __init__(
        self, shared: RateLimiter, local: RateLimiter, timeout_seconds: float = 0.25
    ) -> None:
        self._shared, self._local, self._timeout = shared, local, timeout_seconds
        self._last_logged = 0.0

    async def hit(self, key: str, limit: RateLimit) -> RateDecision:
        return await self._call(lambda limiter: limiter.hit(key, limit))

    async def peek(self, key: str, limit: RateLimit) -> RateDecision:
        return await self._call(lambda limiter: limiter.peek(key, limit))

    async def _call(self, call: Callable[[RateLimiter], Awaitable[RateDecision]]) -> RateDecision:
        try:
            return await asyncio.wait_for(call(self._shared), self._timeout)
        except Exception as exc:  # down, frozen, refused, anything: degrade, never fail
            FALLBACKS.inc()
            now = time.monotonic()
            if now - self._last_logged > _LOG_EVERY_SECONDS:
                self._last_logged = now
                log.warning("rate_limiter.fallback", error=type(exc).__name__)
            return await call(self._local)
