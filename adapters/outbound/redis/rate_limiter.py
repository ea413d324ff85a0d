"""The shared rate limiter on Redis (the `limits` library's moving window), and its probe."""

from __future__ import annotations

import structlog
from limits.aio.storage import RedisStorage

from adapters.outbound.memory.rate_limiter import LimitsRateLimiter
from adapters.outbound.redis.breaker import RedisBreaker
from application.ports.health import Status

log = structlog.get_logger()


def redis_rate_limiter(url: str, timeout_seconds: float = 0.25) -> LimitsRateLimiter:
    """`redis://host:port/db` (as in CCGPT_REDIS_URL); atomic across processes."""
    storage = RedisStorage(
        "async+" + url,
        implementation="redispy",
        key_prefix="ccgpt",
        socket_timeout=timeout_seconds,
        socket_connect_timeout=timeout_seconds,
    )
    return LimitsRateLimiter(storage)


class RedisProbe:
    """Redis away is `degraded`, not `down`: the limiter and realtime fall back and the
    service serves. Answers from the breaker's state (or one short ping), so readiness
    stays fast whatever Redis does."""

    def __init__(self, breaker: RedisBreaker) -> None:
        self._breaker = breaker

    async def status(self) -> Status:
        return "ok" if await self._breaker.check() else "degraded"
