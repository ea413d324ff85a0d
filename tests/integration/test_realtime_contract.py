"""One contract for every Realtime adapter: in-process, and Redis pub/sub across
"processes" (two adapters on one Redis), and Redis down degrading to this process."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from adapters.outbound.realtime.local import LocalRealtime
from adapters.outbound.realtime.redis import RedisRealtime
from application.ports.realtime import (
    Realtime,
    RealtimeEvent,
    session_channel,
    workspace_channel,
)
from domain.ids import SessionId, WorkspaceId
from tests.integration.test_rate_limiter_contract import REDIS_URL, redis_available

DEAD_REDIS = "redis://127.0.0.1:1/0"  # nothing listens on port 1


@pytest.fixture(params=["local", "redis"])
async def make_realtime(request: pytest.FixtureRequest) -> AsyncIterator[Callable[[], Realtime]]:
    """Builds adapters that share one bus: one object in-process, one Redis otherwise."""
    if request.param == "redis" and not await redis_available():
        pytest.skip(f"Redis is not reachable at {REDIS_URL}")  # a failure when CI=true
    shared = LocalRealtime()
    built: list[RedisRealtime] = []

    def build() -> Realtime:
        if request.param == "local":
            return shared
        adapter = RedisRealtime(REDIS_URL)
        built.append(adapter)
        return adapter

    yield build
    for adapter in built:
        await adapter.aclose()


def event(type_: str = "message", **data: Any) -> RealtimeEvent:
    return RealtimeEvent(WorkspaceId(uuid.uuid4()), SessionId(uuid.uuid4()), type_, data)


async def next_event(events: AsyncIterator[RealtimeEvent], seconds: float = 3) -> RealtimeEvent:
    return await asyncio.wait_for(anext(events), seconds)


async def test_an_event_reaches_its_session_and_its_workspace(
    make_realtime: Callable[[], Realtime],
) -> None:
    publisher, listener = make_realtime(), make_realtime()
    sent = event(text="hello", sources=[{"title": "Shipping"}])
    session = session_channel(sent.workspace_id, sent.session_id)
    async with (
        listener.subscribe(session) as in_session,
        listener.subscribe(workspace_channel(sent.workspace_id)) as in_workspace,
    ):
        await publisher.publish(sent)
        assert await next_event(in_session) == sent
        assert await next_event(in_workspace) == sent


async def test_other_sessions_and_workspaces_hear_nothing(
    make_realtime: Callable[[], Realtime],
) -> None:
    publisher, listener = make_realtime(), make_realtime()
    mine, theirs = event(text="mine"), event(text="theirs")
    async with listener.subscribe(session_channel(mine.workspace_id, mine.session_id)) as events:
        await publisher.publish(theirs)
        await publisher.publish(mine)
        assert (await next_event(events)).data["text"] == "mine"


async def test_every_subscriber_gets_every_event_in_order(
    make_realtime: Callable[[], Realtime],
) -> None:
    publisher = make_realtime()
    first = event(n=0)
    channel = session_channel(first.workspace_id, first.session_id)
    sent = [first] + [
        RealtimeEvent(first.workspace_id, first.session_id, "typing", {"n": n}) for n in (1, 2)
    ]
    async with (
        make_realtime().subscribe(channel) as a,
        make_realtime().subscribe(channel) as b,
    ):
        for item in sent:
            await publisher.publish(item)
        for events in (a, b):
            assert [await next_event(events) for _ in sent] == sent


async def test_redis_down_degrades_to_this_process_without_raising() -> None:
    realtime = RedisRealtime(DEAD_REDIS)
    sent = event(text="still here")
    try:
        async with realtime.subscribe(session_channel(sent.workspace_id, sent.session_id)) as ev:
            await asyncio.wait_for(realtime.publish(sent), 2)
            assert await next_event(ev) == sent
    finally:
        await realtime.aclose()
