"""Request and response bodies of the public widget API."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

import msgspec
from msgspec import Meta

from adapters.inbound.http.schemas.base import BodyIn, BodyOut
from adapters.inbound.http.schemas.chat import MessageOut, MessageText, SourceOut, source_out
from adapters.inbound.http.schemas.embed_codes import SettingsOut, settings_out
from application.use_cases.answer_message import Reply
from domain.conversations import MAX_MESSAGE_CHARS, VISITOR_ID_PATTERN
from domain.embed_codes import WidgetSettings


class LimitsOut(BodyOut):
    """The server's own limits, so the widget keeps no copies of them."""

    message_max_chars: int
    visitor_id_pattern: str  # a regular expression JavaScript reads the same way
    frame_max_bytes: int  # the largest socket frame; above it the socket closes with 1009


class ConfigOut(SettingsOut):
    limits: LimitsOut


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


def config_out(settings: WidgetSettings, frame_max_bytes: int) -> ConfigOut:
    limits = LimitsOut(
        message_max_chars=MAX_MESSAGE_CHARS,
        visitor_id_pattern=VISITOR_ID_PATTERN,
        frame_max_bytes=frame_max_bytes,
    )
    return ConfigOut(**msgspec.structs.asdict(settings_out(settings)), limits=limits)
