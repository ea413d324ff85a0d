"""SocketRegistry port: open sockets counted per key (a session, a client address, an embed
code, a member) across every server process, with limits, so a flood is refused however
it is spread over the processes, and a session's first and last socket are known
(visitor presence)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol


@dataclass(frozen=True, slots=True)
class Slot:
    key: str
    limit: int


@dataclass(frozen=True, slots=True)
class Entry:
    """`refused`: the key that was full (nothing was taken); `first`: the keys this socket
    is now the only one of."""

    refused: str | None = None
    first: frozenset[str] = field(default_factory=frozenset)


class SocketRegistry(Protocol):
    async def enter(self, socket_id: str, slots: Sequence[Slot]) -> Entry:
        """Takes a place under every key, or none if one of them is full."""
        ...

    async def leave(self, socket_id: str, keys: Sequence[str]) -> frozenset[str]:
        """Gives the places back; returns the keys no socket holds any more."""
        ...

    async def refresh(self, socket_id: str, keys: Sequence[str]) -> None:
        """The socket is still there (places of a process that died expire)."""
        ...
