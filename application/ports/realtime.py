"""Realtime port: events for every socket watching, in any server process."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager
from typing import Protocol

from application.events import Event


class SubscriberTooSlow(Exception):
    """Raised by a subscription's iterator when its subscriber fell so far behind that
    events would have to be dropped: the subscriber should stop and resume from stored
    data (a socket closes; its client reconnects with `after`)."""


class Realtime(Protocol):
    async def publish(self, event: Event) -> None:
        """Best effort, never raises: the event's facts are already stored, so a lost one
        is a late screen update, not lost data."""
        ...

    def subscribe(self, *channels: str) -> AbstractAsyncContextManager[AsyncIterator[Event]]:
        """Events published to any of `channels` from now on, until the context ends."""
        ...
