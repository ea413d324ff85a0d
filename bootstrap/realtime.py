"""Which realtime bus this deployment gets: Redis pub/sub across processes, or in-process."""

from __future__ import annotations

from adapters.outbound.memory.realtime import InMemoryRealtime
from adapters.outbound.redis.realtime import RedisRealtime
from application.ports.realtime import Realtime
from bootstrap.settings import Settings


def realtime_bus(settings: Settings) -> Realtime:
    """With CCGPT_REDIS_URL, events cross processes (and degrade to this one when Redis is
    down); without it, every socket must be held by this process."""
    return RedisRealtime(settings.redis_url) if settings.redis_url else InMemoryRealtime()
