"""Which rate limiter and Redis probe this deployment gets."""

from __future__ import annotations

from adapters.outbound.memory.rate_limiter import LimitsRateLimiter
from adapters.outbound.redis.rate_limiter import RedisProbe, redis_rate_limiter
from adapters.outbound.redis.resilient import ResilientRateLimiter
from application.health_probes import NotConfiguredProbe
from application.ports.health import HealthProbe
from application.ports.rate_limiter import RateLimiter
from bootstrap.settings import Settings


def rate_limiter(settings: Settings) -> RateLimiter:
    """In-process without CCGPT_REDIS_URL; shared through Redis with it, falling back."""
    local = LimitsRateLimiter()
    if not settings.redis_url:
        return local
    return ResilientRateLimiter(redis_rate_limiter(settings.redis_url), local)


def redis_probe(settings: Settings) -> HealthProbe:
    return RedisProbe(settings.redis_url) if settings.redis_url else NotConfiguredProbe()
