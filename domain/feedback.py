"""A visitor's verdict on an answer: thumbs up or down, with an optional comment."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from domain.conversations import Message, Role
from domain.errors import NotFound, ValidationFailed
from domain.ids import MessageId, SessionId, WorkspaceId

MAX_COMMENT_CHARS = 1000


class Rating(StrEnum):
    UP = "up"
    DOWN = "down"


@dataclass(frozen=True, slots=True)
class Feedback:
    """One per message: a visitor who changes their mind replaces the earlier verdict."""

    message_id: MessageId
    workspace_id: WorkspaceId
    session_id: SessionId
    rating: Rating
    comment: str | None
    created_at: datetime

    @classmethod
    def on(cls, message: Message, rating: str, comment: str | None, now: datetime) -> Feedback:
        if message.role is Role.VISITOR:
            # Visitors rate what they were told, not what they said.
            raise NotFound("Message not found.")
        try:
            verdict = Rating(rating)
        except ValueError:
            raise ValidationFailed.on("rating", "must be up or down") from None
        text = (comment or "").strip()
        if len(text) > MAX_COMMENT_CHARS:
            raise ValidationFailed.on("comment", f"must be at most {MAX_COMMENT_CHARS} characters")
        return cls(message.id, message.workspace_id, message.session_id, verdict, text or None, now)
