"""Chat sessions (conversations), their messages, and what an answer is made of."""

from __future__ import annotations

import re
import unicodedata
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from domain.errors import Conflict, PayloadTooLarge, ValidationFailed
from domain.ids import DocumentId, MessageId, SessionId, UserId, WorkspaceId, new_uuid

MAX_MESSAGE_CHARS = 4000
# Control characters go, except line breaks and tabs; so do the zero-width space and the
# bidirectional overrides used to spoof text. Joiners (ZWJ in emoji sequences, ZWNJ in
# Persian and Indic scripts) are part of the text and stay, as does everything else.
_CONTROL = re.compile(
    r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b\u2028\u2029\u202a-\u202e\u2066-\u2069]"
)


class ConversationStatus(StrEnum):
    BOT = "bot"
    HANDOFF = "handoff"
    CLOSED = "closed"


class Role(StrEnum):
    VISITOR = "visitor"
    ASSISTANT = "assistant"
    AGENT = "agent"


class Action(StrEnum):
    ANSWERED = "answered"
    NO_ANSWER = "no_answer"
    HANDOFF = "handoff"


def clean_message(raw: str) -> str:
    """Visitor or agent text: control characters stripped, length capped (as sent, so the
    limit is the one a client counts), otherwise as sent."""
    text = _CONTROL.sub("", raw.replace("\r\n", "\n"))
    if len(raw) > MAX_MESSAGE_CHARS:
        raise PayloadTooLarge(f"Messages are limited to {MAX_MESSAGE_CHARS} characters.")
    if not text.strip():
        raise ValidationFailed.on("text", "must not be empty")
    return text


# Written so that JavaScript's RegExp reads it the same way: the widget gets it from its config.
VISITOR_ID_PATTERN = r"^[A-Za-z0-9._:-]{1,128}$"
_VISITOR_ID = re.compile(VISITOR_ID_PATTERN)


def clean_visitor_id(raw: str | None) -> str | None:
    """The widget's own pseudonymous visitor id: short and printable, or none at all."""
    if raw is None or not raw.strip():
        return None
    if not _VISITOR_ID.match(raw.strip()):
        raise ValidationFailed.on("visitor_id", "must be 1-128 letters, digits or . _ : -")
    return raw.strip()


def normalise_query(text: str) -> str:
    """For analytics: case, spacing and punctuation do not make a different question."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return " ".join(re.sub(r"[^\w\s]", " ", folded).split())


@dataclass(frozen=True, slots=True)
class Source:
    document_id: DocumentId
    title: str
    snippet: str
    page: int | None = None


@dataclass(slots=True)
class Message:
    id: MessageId
    workspace_id: WorkspaceId
    session_id: SessionId
    role: Role
    text: str
    created_at: datetime
    sources: list[Source] = field(default_factory=list)
    confidence: float | None = None
    action: Action | None = None
    latency_ms: int | None = None
    client_message_id: str | None = None
    reply_to: MessageId | None = None
    author_id: UserId | None = None
    model: str | None = None
    query: str | None = None  # the normalised question, on visitor messages
    # The message's number in its session (1, 2, 3 ...): every process agrees on it, so
    # a client that saw up to `seq` asks for what came after.
    seq: int = 0


def reading_order(messages: list[Message]) -> list[Message]:
    """As a person reads a thread: each answer right after its question, even when it was
    written later (a question answered after a fault); otherwise in the order written."""
    asked = {m.id: m.seq for m in messages}

    def place(message: Message) -> tuple[int, int, int]:
        question = asked.get(message.reply_to) if message.reply_to else None
        if question is None:
            return (message.seq, 0, message.seq)
        return (question, 1, message.seq)

    return sorted(messages, key=place)


@dataclass(slots=True)
class Conversation:
    id: SessionId
    workspace_id: WorkspaceId
    started_at: datetime
    last_message_at: datetime
    embed_code_id: uuid.UUID | None = None
    visitor_id: str | None = None
    status: ConversationStatus = ConversationStatus.BOT
    message_count: int = 0
    agent_id: UserId | None = None

    @classmethod
    def start(
        cls,
        workspace_id: WorkspaceId,
        now: datetime,
        embed_code_id: uuid.UUID | None = None,
        visitor_id: str | None = None,
    ) -> Conversation:
        return cls(SessionId(new_uuid()), workspace_id, now, now, embed_code_id, visitor_id)

    @property
    def bot_answers(self) -> bool:
        return self.status is ConversationStatus.BOT

    def post(
        self,
        role: Role,
        text: str,
        now: datetime,
        message_id: MessageId | None = None,
        **details: Any,
    ) -> Message:
        """A new message of this conversation, counted in it; `details` are Message fields.
        `message_id` when the id was announced before the message existed (a streamed
        answer's tokens carry it)."""
        self.message_count += 1
        self.last_message_at = now
        return Message(
            message_id or MessageId(new_uuid()),
            self.workspace_id,
            self.id,
            role,
            text,
            now,
            seq=self.message_count,
            **details,
        )

    def ask(self, text: str, now: datetime, client_message_id: str | None = None) -> Message:
        """The visitor's question, cleaned, with its normalised form for analytics."""
        clean = clean_message(text)
        return self.post(
            Role.VISITOR,
            clean,
            now,
            client_message_id=client_message_id,
            query=normalise_query(clean),
        )

    def write_as_agent(self, author: UserId | None, text: str, now: datetime) -> Message:
        return self.post(Role.AGENT, clean_message(text), now, author_id=author)

    def answer(self, question: Message, text: str, now: datetime, **details: Any) -> Message:
        """The bot's reply to `question` (sources, confidence, action ... as details)."""
        return self.post(Role.ASSISTANT, text, now, reply_to=question.id, **details)

    @property
    def next_seq(self) -> int:
        """The number the next message of this conversation will get."""
        return self.message_count + 1

    def take_over(self, agent: UserId | None) -> None:
        if self.status is ConversationStatus.CLOSED:
            raise Conflict("This conversation is closed.")
        self.status, self.agent_id = ConversationStatus.HANDOFF, agent

    def release(self) -> None:
        if self.status is ConversationStatus.CLOSED:
            raise Conflict("This conversation is closed.")
        self.status, self.agent_id = ConversationStatus.BOT, None
