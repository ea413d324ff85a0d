"""The shared rate limiter on Redis (the `limits` library's moving window), and its probe."""

from __future__ import annotations

import asyncio

import structlog
from limits.aio.storage import RedisStorage
from redis.asyncio import Redis

from adapters.outbound.memory.rate_limiter import LimitsRateLimiter
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
    """Redis down is `degraded`, not `down`: the limiter falls back and the service serves."""

    def __init__(self, url: str, timeout_seconds: float = 1.0) -> None:
        self._url, self._timeout = url, timeout_seconds

    async def status(self) -> Status:
        client = Redis.from_url(
            self._url, socket_timeout=self._timeout, socket_connect_timeout=self._timeout
        )
        try:
            await asyncio.wait_for(client.ping(), self._timeout)
        except Exception as exc:
            log.warning("health.redis_degraded", error=type(exc).__name__)
            return "degraded"
        finally:
            await client.aclose()
        return "ok"
