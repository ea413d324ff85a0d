"""Request and response bodies of the public widget API."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from msgspec import Meta

from adapters.inbound.http.schemas.base import BodyIn, BodyOut
from adapters.inbound.http.schemas.chat import MessageOut, MessageText, SourceOut, source_out
from application.use_cases.answer_message import Reply


class SessionBody(BodyIn):
    visitor_id: Annotated[str, Meta(max_length=128)] | None = None


class SessionOut(BodyOut):
    session_id: uuid.UUID
    session_token: str
    expires_at: datetime


class WidgetMessageBody(BodyIn):
    text: MessageText
    client_message_id: Annotated[str, Meta(max_length=128)] | None = None


class AnswerOut(BodyOut):
    message_id: uuid.UUID
    answer: str
    sources: list[SourceOut]
    confidence: float | None
    action: str
    session_id: uuid.UUID


class HistoryOut(BodyOut):
    items: list[MessageOut]
    status: str  # who holds the conversation: "bot", "handoff" (a person) or "closed"


class FeedbackBody(BodyIn):
    rating: Annotated[str, Meta(max_length=16)]
    comment: Annotated[str, Meta(max_length=4000)] | None = None


class HandoffOut(BodyOut):
    session_id: uuid.UUID
    status: str


def answer_out(reply: Reply) -> AnswerOut:
    return AnswerOut(
        message_id=reply.message_id,
        answer=reply.answer,
        sources=[source_out(s) for s in reply.sources],
        confidence=reply.confidence,
        action=reply.action.value,
        session_id=reply.session_id,
    )
