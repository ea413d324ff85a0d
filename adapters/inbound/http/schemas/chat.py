"""Request and response bodies of chat and conversations (the shared message shape)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import Annotated

from msgspec import Meta

from adapters.inbound.http.schemas.base import BodyIn, BodyOut, PageOut
from application.use_cases.answer_message import Reply
from domain.conversations import Conversation, Message, Source

# A little above the 4,000-character limit: the domain answers longer text with a clear 413.
MessageText = Annotated[str, Meta(max_length=16_000)]
ClientMessageId = Annotated[str, Meta(max_length=128)]


class ChatBody(BodyIn):
    message: MessageText
    session_id: uuid.UUID | None = None
    client_message_id: ClientMessageId | None = None


class AgentMessageBody(BodyIn):
    text: MessageText


class SourceOut(BodyOut):
    document_id: uuid.UUID
    title: str
    snippet: str
    page: int | None


class ChatOut(BodyOut):
    session_id: uuid.UUID
    message_id: uuid.UUID
    answer: str
    sources: list[SourceOut]
    confidence: float | None
    action: str


class MessageOut(BodyOut):
    """One message, the same over HTTP (history, conversations) and in socket frames.

    `message_id` repeats `id` for clients written against the chat replies; an answer
    carries its question's `client_message_id` and, in `reply_to`, the question's id."""

    id: uuid.UUID
    message_id: uuid.UUID
    role: str
    text: str
    sources: list[SourceOut]
    confidence: float | None
    action: str | None
    created_at: datetime
    seq: int  # the message's number in its session; `?after=` resumes from one
    client_message_id: str | None = None
    reply_to: uuid.UUID | None = None

    @classmethod
    def of(cls, message: Message, question_client_id: str | None = None) -> MessageOut:
        return cls(
            id=message.id,
            message_id=message.id,
            role=message.role.value,
            text=message.text,
            sources=[source_out(s) for s in message.sources],
            confidence=message.confidence,
            action=message.action.value if message.action else None,
            created_at=message.created_at,
            seq=message.seq,
            client_message_id=message.client_message_id or question_client_id,
            reply_to=message.reply_to,
        )


class ConversationOut(BodyOut):
    id: uuid.UUID
    embed_code_id: uuid.UUID | None
    status: str
    message_count: int
    started_at: datetime
    last_message_at: datetime


class ConversationPage(PageOut):
    items: list[ConversationOut]


class ThreadOut(ConversationOut, kw_only=True):
    visitor_id: str | None
    messages: list[MessageOut]


def source_out(source: Source) -> SourceOut:
    return SourceOut(
        document_id=source.document_id, title=source.title, snippet=source.snippet, page=source.page
    )


def chat_out(reply: Reply) -> ChatOut:
    return ChatOut(
        session_id=reply.session_id,
        message_id=reply.message_id,
        answer=reply.answer,
        sources=[source_out(s) for s in reply.sources],
        confidence=reply.confidence,
        action=reply.action.value,
    )


def messages_out(messages: list[Message], earlier: Iterable[Message] = ()) -> list[MessageOut]:
    """Oldest first, each answer carrying the client id of the question it answers (among
    `messages` or the `earlier` ones)."""
    client_ids = {m.id: m.client_message_id for m in (*earlier, *messages) if m.client_message_id}
    return [MessageOut.of(m, client_ids.get(m.reply_to) if m.reply_to else None) for m in messages]


def conversation_out(c: Conversation) -> ConversationOut:
    return ConversationOut(
        id=c.id,
        embed_code_id=c.embed_code_id,
        status=c.status.value,
        message_count=c.message_count,
        started_at=c.started_at,
        last_message_at=c.last_message_at,
    )


def thread_out(c: Conversation, messages: list[Message]) -> ThreadOut:
    return ThreadOut(
        **{f: getattr(conversation_out(c), f) for f in ConversationOut.__struct_fields__},
        visitor_id=c.visitor_id,
        messages=messages_out(messages),
    )
