"""Realtime port: conversation events for every socket watching, in any server process."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from typing import Any, Protocol

from domain.ids import SessionId, WorkspaceId


@dataclass(frozen=True, slots=True)
class RealtimeEvent:
    """Something that happened in a conversation (a message, typing, a handoff, a start),
    or to a workspace's credentials (`access.changed`: open sockets must re-check theirs).

    `data` is JSON-safe; `type` is one of EVENT_TYPES; `session_id` is None for
    `access.changed`."""

    workspace_id: WorkspaceId
    session_id: SessionId | None
    type: str
    data: Mapping[str, Any] = field(default_factory=dict)


ACCESS_CHANGED = "access.changed"
EVENT_TYPES = frozenset({"message", "typing", "handoff", "conversation.started", ACCESS_CHANGED})


def session_channel(workspace_id: WorkspaceId, session_id: SessionId) -> str:
    return f"session:{workspace_id}:{session_id}"


def workspace_channel(workspace_id: WorkspaceId) -> str:
    return f"workspace:{workspace_id}"


def access_channel(workspace_id: WorkspaceId) -> str:
    """Every open socket of the workspace listens here, widget and dashboard alike."""
    return f"access:{workspace_id}"


def channels_of(event: RealtimeEvent) -> tuple[str, ...]:
    """A conversation event reaches the sockets of its session and its workspace's
    dashboards; a credential change, every socket of the workspace."""
    if event.session_id is None:
        return (access_channel(event.workspace_id),)
    return (
        session_channel(event.workspace_id, event.session_id),
        workspace_channel(event.workspace_id),
    )


class Realtime(Protocol):
    async def publish(self, event: RealtimeEvent) -> None:
        """Best effort, never raises: the event is already stored, so a lost one is a late
        screen update, not lost data."""
        ...

    def subscribe(
        self, *channels: str
    ) -> AbstractAsyncContextManager[AsyncIterator[RealtimeEvent]]:
        """Events published to any of `channels` from now on, until the context ends."""
        ...
