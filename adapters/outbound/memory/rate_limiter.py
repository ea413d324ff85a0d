"""Moving-window rate limiting on the `limits` library, over any of its storages."""

from __future__ import annotations

import math
import time

from limits import RateLimitItem, RateLimitItemPerSecond
from limits.aio.storage import MemoryStorage, Storage
from limits.aio.strategies import MovingWindowRateLimiter

from application.ports.rate_limiter import RateDecision, RateLimit


class LimitsRateLimiter:
    """In-process with MemoryStorage; shared between processes with a Redis storage."""

    def __init__(self, storage: Storage | None = None) -> None:
        self._limiter = MovingWindowRateLimiter(storage or MemoryStorage())

    async def hit(self, key: str, limit: RateLimit) -> RateDecision:
        item = _item(limit)
        allowed = await self._limiter.hit(item, key)
        return await self._decision(item, key, allowed)

    async def peek(self, key: str, limit: RateLimit) -> RateDecision:
        item = _item(limit)
        return await self._decision(item, key, await self._limiter.test(item, key))

    async def _decision(self, item: RateLimitItem, key: str, allowed: bool) -> RateDecision:
        stats = await self._limiter.get_window_stats(item, key)
        reset_after = max(1, math.ceil(stats.reset_time - time.time()))
        return RateDecision(allowed, item.amount, max(0, stats.remaining), reset_after)


def _item(limit: RateLimit) -> RateLimitItem:
    return RateLimitItemPerSecond(limit.amount, limit.period_seconds)
