"""Conversation events as the Realtime port carries them (JSON-safe data)."""

from __future__ import annotations

from typing import Any

from application.ports.realtime import ACCESS_CHANGED, RealtimeEvent
from domain.conversations import Conversation, ConversationStatus, Message, Source
from domain.ids import SessionId, WorkspaceId


def sources_data(sources: list[Source]) -> list[dict[str, Any]]:
    return [
        {"document_id": str(s.document_id), "title": s.title, "snippet": s.snippet, "page": s.page}
        for s in sources
    ]


def message_event(message: Message) -> RealtimeEvent:
    data: dict[str, Any] = {
        "message_id": str(message.id),
        "role": message.role.value,
        "text": message.text,
        "sources": sources_data(message.sources),
        "confidence": message.confidence,
        "action": message.action.value if message.action else None,
        "created_at": message.created_at.isoformat(),
    }
    if message.client_message_id:
        data["client_message_id"] = message.client_message_id
    return RealtimeEvent(message.workspace_id, message.session_id, "message", data)


def handoff_event(conversation: Conversation) -> RealtimeEvent:
    state = conversation.status is ConversationStatus.HANDOFF
    return RealtimeEvent(conversation.workspace_id, conversation.id, "handoff", {"state": state})


def started_event(conversation: Conversation) -> RealtimeEvent:
    data = {
        "embed_code_id": str(conversation.embed_code_id) if conversation.embed_code_id else None,
        "visitor_id": conversation.visitor_id,
        "started_at": conversation.started_at.isoformat(),
    }
    return RealtimeEvent(conversation.workspace_id, conversation.id, "conversation.started", data)


def typing_event(
    workspace_id: WorkspaceId, session_id: SessionId, who: str, state: bool
) -> RealtimeEvent:
    return RealtimeEvent(workspace_id, session_id, "typing", {"from": who, "state": state})


def access_changed_event(workspace_id: WorkspaceId, reason: str, **about: str) -> RealtimeEvent:
    """A credential of the workspace was revoked or narrowed: sockets re-check theirs."""
    return RealtimeEvent(workspace_id, None, ACCESS_CHANGED, {"reason": reason, **about})
