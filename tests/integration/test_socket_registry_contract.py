"""One contract for every SocketRegistry: in-process, and Redis shared by two "processes"
(two adapters on one Redis), so limits hold however the sockets are spread."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable

import pytest

from adapters.outbound.memory.socket_registry import InMemorySocketRegistry
from adapters.outbound.redis.breaker import RedisBreaker
from adapters.outbound.redis.socket_registry import RedisSocketRegistry
from application.ports.socket_registry import Slot, SocketRegistry
from tests.integration.test_rate_limiter_contract import REDIS_URL, redis_available


@pytest.fixture(params=["memory", "redis"])
async def make_registry(
    request: pytest.FixtureRequest,
) -> AsyncIterator[Callable[[], SocketRegistry]]:
    if request.param == "redis" and not await redis_available():
        pytest.skip(f"Redis is not reachable at {REDIS_URL}")  # a failure when CI=true
    shared = InMemorySocketRegistry()
    opened: list[tuple[RedisSocketRegistry, RedisBreaker]] = []

    def build() -> SocketRegistry:
        if request.param == "memory":
            return shared
        breaker = RedisBreaker(REDIS_URL)
        registry = RedisSocketRegistry(REDIS_URL, breaker)
        opened.append((registry, breaker))
        return registry

    yield build
    for registry, breaker in opened:
        await registry.aclose()
        await breaker.aclose()


def key() -> str:
    return f"test:{uuid.uuid4().hex}"


async def test_a_limit_holds_across_processes_and_frees_on_leave(
    make_registry: Callable[[], SocketRegistry],
) -> None:
    one, two = make_registry(), make_registry()
    session, ip = key(), key()
    slots = [Slot(session, 2), Slot(ip, 10)]
    first = await one.enter("s1", slots)
    assert first.refused is None and first.first == {session, ip}
    second = await two.enter("s2", slots)
    assert second.refused is None and second.first == frozenset()
    third = await one.enter("s3", slots)
    assert third.refused == session
    assert await two.leave("s2", [session, ip]) == frozenset()
    assert (await one.enter("s3", slots)).refused is None
    assert await one.leave("s3", [session, ip]) == frozenset()
    assert await two.leave("s1", [session, ip]) == {session, ip}  # the last one out


async def test_a_refused_entry_takes_no_place(make_registry: Callable[[], SocketRegistry]) -> None:
    registry = make_registry()
    small, big = key(), key()
    assert (await registry.enter("a", [Slot(small, 1)])).refused is None
    assert (await registry.enter("b", [Slot(big, 5), Slot(small, 1)])).refused == small
    assert (await registry.enter("c", [Slot(big, 1)])).first == {big}  # b holds nothing
