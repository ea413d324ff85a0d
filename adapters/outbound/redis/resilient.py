"""A rate limiter that survives its store: Redis down or frozen means in-process limits.

Policy (README, "Rate limits"): a call to the shared (Redis) limiter gets a short timeout;
the first failure opens the process's Redis breaker, and from then on calls go straight
to an in-process limiter until the breaker's probe sees Redis again. Fallbacks are counted
in `/metrics` (`ccgpt_rate_limiter_fallbacks_total`); the breaker logs the outage once.
Limits are per process until Redis is back: never a 500, never a hung request.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from prometheus_client import Counter

from adapters.outbound.redis.breaker import RedisBreaker
from application.ports.rate_limiter import RateDecision, RateLimit, RateLimiter

FALLBACKS = Counter(
    "ccgpt_rate_limiter_fallbacks_total",
    "Rate-limit checks answered in-process because Redis failed",
)


class ResilientRateLimiter:
    def __init__(self, shared: RateLimiter, local: RateLimiter, breaker: RedisBreaker) -> None:
        self._shared, self._local, self._breaker = shared, local, breaker

    async def hit(self, key: str, limit: RateLimit) -> RateDecision:
        return await self._call(lambda limiter: limiter.hit(key, limit))

    async def peek(self, key: str, limit: RateLimit) -> RateDecision:
        return await self._call(lambda limiter: limiter.peek(key, limit))

    async def _call(self, call: Callable[[RateLimiter], Awaitable[RateDecision]]) -> RateDecision:
        if not self._breaker.available:
            FALLBACKS.inc()
            self._breaker.fell_back()
            return await call(self._local)
        try:
            return await asyncio.wait_for(call(self._shared), self._breaker.timeout)
        except Exception as exc:  # down, frozen, refused, anything: degrade, never fail
            FALLBACKS.inc()
            self._breaker.failed(exc)
            return await call(self._local)
