"""Typing is coalesced: flips within the interval publish the latest state once, repeats
publish nothing, and a `true` without `false` expires."""

from __future__ import annotations

import asyncio

from adapters.inbound.http.typing_relay import TypingRelay


async def test_typing_is_coalesced_and_expires() -> None:
    published: list[bool] = []

    async def publish(state: bool) -> None:
        published.append(state)

    relay = TypingRelay(publish, interval=0.05, expire=0.2)
    await relay.set(True)
    for state in (True, False, True, False, True):  # a visitor hammering the key
        await relay.set(state)
    assert published == [True]
    await asyncio.sleep(0.08)
    assert published == [True]  # the latest state (true) was already out
    await relay.set(False)
    await asyncio.sleep(0.08)
    assert published == [True, False]
    await relay.set(True)
    await asyncio.sleep(0.3)  # no false ever came: it expires
    assert published == [True, False, True, False]


async def test_closing_the_socket_ends_its_typing() -> None:
    published: list[bool] = []

    async def publish(state: bool) -> None:
        published.append(state)

    relay = TypingRelay(publish, interval=0.05, expire=5)
    await relay.set(True)
    await relay.stop()
    assert published == [True, False]


async def test_a_subscriber_that_falls_behind_is_told_instead_of_losing_events() -> None:
    import pytest

    from adapters.outbound.memory.realtime import QUEUE_SIZE, InMemoryRealtime
    from application.events import TypingChanged, session_channel
    from application.ports.realtime import SubscriberTooSlow
    from domain.ids import SessionId, WorkspaceId, new_uuid

    realtime = InMemoryRealtime()
    workspace, session = WorkspaceId(new_uuid()), SessionId(new_uuid())
    async with realtime.subscribe(session_channel(workspace, session)) as events:
        for n in range(QUEUE_SIZE + 1):
            await realtime.publish(TypingChanged(workspace, session, "agent", n % 2 == 0))
        with pytest.raises(SubscriberTooSlow):
            await anext(events)
