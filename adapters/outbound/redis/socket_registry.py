"""Open sockets counted in Redis, across every server process: one sorted set per key of
socket ids scored by when their place expires (a process that dies without closing its
sockets loses its places after TTL_SECONDS). Taking places is one Lua script, so two
processes never both take the last one. While the Redis breaker is open, counting falls
back to this process."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence

from redis.asyncio import Redis

from adapters.outbound.memory.socket_registry import InMemorySocketRegistry
from adapters.outbound.redis.breaker import RedisBreaker
from application.ports.socket_registry import Entry, Slot

PREFIX = "ccgpt:sockets:"
TTL_SECONDS = 90

_ENTER = """
local now, until_, socket = tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3]
for i, key in ipairs(KEYS) do
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now)
  local others = redis.call('ZCARD', key) - (redis.call('ZSCORE', key, socket) and 1 or 0)
  if others >= tonumber(ARGV[3 + i]) then return {i, {}} end
end
local first = {}
for i, key in ipairs(KEYS) do
  local alone = redis.call('ZCARD', key) - (redis.call('ZSCORE', key, socket) and 1 or 0)
  if alone == 0 then table.insert(first, i) end
  redis.call('ZADD', key, until_, socket)
  redis.call('EXPIRE', key, math.floor(tonumber(ARGV[2]) - now) + 60)
end
return {0, first}
"""

_LEAVE = """
local now, socket, emptied = tonumber(ARGV[1]), ARGV[2], {}
for i, key in ipairs(KEYS) do
  redis.call('ZREM', key, socket)
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now)
  if redis.call('ZCARD', key) == 0 then table.insert(emptied, i) end
end
return emptied
"""


class RedisSocketRegistry:
    def __init__(self, url: str, breaker: RedisBreaker) -> None:
        self._breaker = breaker
        self._client = Redis.from_url(
            url, socket_timeout=breaker.timeout, socket_connect_timeout=breaker.timeout
        )
        self._enter = self._client.register_script(_ENTER)
        self._leave = self._client.register_script(_LEAVE)
        self._local = InMemorySocketRegistry()

    async def enter(self, socket_id: str, slots: Sequence[Slot]) -> Entry:
        local = await self._local.enter(socket_id, slots)  # kept for the fallback
        if local.refused is not None or not self._breaker.available:
            return local
        now = time.time()
        keys = [PREFIX + s.key for s in slots]
        args: list[str | float | int] = [now, now + TTL_SECONDS, socket_id]
        args += [s.limit for s in slots]
        try:
            refused, first = await asyncio.wait_for(
                self._enter(keys=keys, args=args), self._breaker.timeout
            )
        except Exception as exc:
            self._breaker.failed(exc)
            return local
        if int(refused):
            await self._local.leave(socket_id, [s.key for s in slots])
            return Entry(refused=slots[int(refused) - 1].key)
        return Entry(first=frozenset(slots[int(i) - 1].key for i in first))

    async def leave(self, socket_id: str, keys: Sequence[str]) -> frozenset[str]:
        local = await self._local.leave(socket_id, keys)
        if not self._breaker.available:
            return local
        try:
            emptied = await asyncio.wait_for(
                self._leave(keys=[PREFIX + k for k in keys], args=[time.time(), socket_id]),
                self._breaker.timeout,
            )
        except Exception as exc:
            self._breaker.failed(exc)
            return local
        return frozenset(keys[int(i) - 1] for i in emptied)

    async def refresh(self, socket_id: str, keys: Sequence[str]) -> None:
        if not self._breaker.available:
            return
        until = time.time() + TTL_SECONDS
        try:
            async with self._client.pipeline(transaction=False) as pipe:
                for key in keys:
                    pipe.zadd(PREFIX + key, {socket_id: until}, xx=True)
                await asyncio.wait_for(pipe.execute(), self._breaker.timeout)
        except Exception as exc:
            self._breaker.failed(exc)

    async def aclose(self) -> None:
        await self._client.aclose()
