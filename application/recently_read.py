"""Facts about access read from stored data and reused for a few seconds: whether a member
still holds which role (`Authenticate`), who a caller is (`GetProfile`), which embed code a
public key opens (`OpenWidget`). Each is asked on every request; reading it each time cost
a transaction per request.

Never staler than `seconds`, and usually not stale at all: every change of access is
published as `AccessChanged`, which forgets the workspace's entries in this process before
the change returns (`ForgetfulRealtime`) and in every other process when the event reaches
it (`adapters/inbound/access_listener.py`)."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable, Hashable
from contextlib import AbstractAsyncContextManager
from typing import Generic, TypeVar

from application.events import AccessChanged, Event
from application.ports.realtime import Realtime
from application.ports.token_issuer import AccessClaims
from domain.accounts import User, Workspace
from domain.embed_codes import EmbedCode
from domain.ids import UserId, WorkspaceId
from domain.roles import Role

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

ACCESS_CACHE_SECONDS = 5.0
_ENTRIES = 10_000


class RecentlyRead(Generic[K, V]):
    def __init__(
        self,
        seconds: float = ACCESS_CACHE_SECONDS,
        clock: Callable[[], float] = time.monotonic,
        max_entries: int = _ENTRIES,
    ) -> None:
        self._seconds, self._clock, self._max = seconds, clock, max_entries
        self._entries: dict[K, tuple[float, WorkspaceId, V]] = {}

    def recall(self, key: K) -> tuple[V] | None:
        """`(value,)` when it was read less than `seconds` ago, else None."""
        entry = self._entries.get(key)
        if entry is None or self._clock() - entry[0] >= self._seconds:
            return None
        return (entry[2],)

    def remember(self, key: K, workspace_id: WorkspaceId, value: V) -> None:
        if self._seconds <= 0:
            return
        if len(self._entries) >= self._max:
            self._entries.clear()
        self._entries[key] = (self._clock(), workspace_id, value)

    def forget(self, workspace_id: WorkspaceId | None = None) -> None:
        """The workspace's entries, or (None) every entry."""
        if workspace_id is None:
            self._entries.clear()
            return
        stale = [key for key, entry in self._entries.items() if entry[1] == workspace_id]
        for key in stale:
            del self._entries[key]


class AccessMemory:
    """The three, forgotten together when a workspace's access changes."""

    def __init__(self, seconds: float = ACCESS_CACHE_SECONDS) -> None:
        self.memberships: RecentlyRead[AccessClaims, Role | None] = RecentlyRead(seconds)
        self.profiles: RecentlyRead[
            tuple[WorkspaceId, UserId | None], tuple[User | None, Workspace]
        ] = RecentlyRead(seconds)
        self.embed_codes: RecentlyRead[str, EmbedCode] = RecentlyRead(seconds)

    def forget(self, workspace_id: WorkspaceId | None = None) -> None:
        self.memberships.forget(workspace_id)
        self.profiles.forget(workspace_id)
        self.embed_codes.forget(workspace_id)


class ForgetfulRealtime:
    """The Realtime every use case publishes through: an `AccessChanged` first forgets
    what this process remembered of the workspace, so the change applies here at once."""

    def __init__(self, inner: Realtime, memory: AccessMemory) -> None:
        self._inner, self._memory = inner, memory

    async def publish(self, event: Event) -> None:
        if isinstance(event, AccessChanged):
            self._memory.forget(event.workspace_id)
        await self._inner.publish(event)

    def subscribe(self, *channels: str) -> AbstractAsyncContextManager[AsyncIterator[Event]]:
        return self._inner.subscribe(*channels)
