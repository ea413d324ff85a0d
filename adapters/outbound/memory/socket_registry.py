"""Open sockets counted in this process only (one server process, or Redis away)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from application.ports.socket_registry import Entry, Slot


class InMemorySocketRegistry:
    def __init__(self) -> None:
        self._held: defaultdict[str, set[str]] = defaultdict(set)

    async def enter(self, socket_id: str, slots: Sequence[Slot]) -> Entry:
        for slot in slots:
            if len(self._held[slot.key] - {socket_id}) >= slot.limit:
                return Entry(refused=slot.key)
        first = frozenset(s.key for s in slots if not self._held[s.key] - {socket_id})
        for slot in slots:
            self._held[slot.key].add(socket_id)
        return Entry(first=first)

    async def leave(self, socket_id: str, keys: Sequence[str]) -> frozenset[str]:
        emptied = set()
        for key in keys:
            held = self._held.get(key)
            if held is None:
                continue
            held.discard(socket_id)
            if not held:
                del self._held[key]
                emptied.add(key)
        return frozenset(emptied)

    async def refresh(self, socket_id: str, keys: Sequence[str]) -> None:
        return None
