"""What use cases announce after they commit, for every socket watching (any process).

Each event is a typed value; `channels()` says which sockets receive it: a conversation's
events reach the sockets of its session and its workspace's dashboards; a credential
change reaches every socket of the workspace."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from domain.conversations import Conversation, Message
from domain.ids import EmbedCodeId, MessageId, SessionId, WorkspaceId

Who = Literal["visitor", "assistant", "agent"]


def session_channel(workspace_id: WorkspaceId, session_id: SessionId) -> str:
    return f"session:{workspace_id}:{session_id}"


def workspace_channel(workspace_id: WorkspaceId) -> str:
    return f"workspace:{workspace_id}"


def access_channel(workspace_id: WorkspaceId) -> str:
    """Every open socket of the workspace listens here, widget and dashboard alike."""
    return f"access:{workspace_id}"


# Every process listens here, to forget what it remembered of access (application.recently_read).
ACCESS_ANYWHERE = "access:*"


@dataclass(frozen=True, slots=True)
class _ConversationEvent:
    workspace_id: WorkspaceId
    session_id: SessionId

    def channels(self) -> tuple[str, ...]:
        return (
            session_channel(self.workspace_id, self.session_id),
            workspace_channel(self.workspace_id),
        )


@dataclass(frozen=True, slots=True)
class MessagePosted(_ConversationEvent):
    """A visitor, the bot or an agent said something; it is stored."""

    message: Message
    question_client_id: str | None = None  # on an answer: the client's id of its question

    @classmethod
    def of(cls, message: Message, question: Message | None = None) -> MessagePosted:
        client_id = question.client_message_id if question is not None else None
        return cls(message.workspace_id, message.session_id, message, client_id)


@dataclass(frozen=True, slots=True)
class ConversationStarted(_ConversationEvent):
    embed_code_id: EmbedCodeId | None
    visitor_id: str | None
    started_at: datetime

    @classmethod
    def of(cls, conversation: Conversation) -> ConversationStarted:
        code = EmbedCodeId(conversation.embed_code_id) if conversation.embed_code_id else None
        return cls(
            conversation.workspace_id,
            conversation.id,
            code,
            conversation.visitor_id,
            conversation.started_at,
        )


@dataclass(frozen=True, slots=True)
class TypingChanged(_ConversationEvent):
    who: Who
    state: bool


@dataclass(frozen=True, slots=True)
class HandoffChanged(_ConversationEvent):
    """A person took the conversation over (`state` true) or gave it back to the bot."""

    state: bool
    seq: int = 0  # the conversation's last message number when it changed hands

    @classmethod
    def of(cls, conversation: Conversation) -> HandoffChanged:
        return cls(
            conversation.workspace_id,
            conversation.id,
            not conversation.bot_answers,
            conversation.message_count,
        )


@dataclass(frozen=True, slots=True)
class PresenceChanged(_ConversationEvent):
    """The visitor's first socket of the session opened (`online`), or its last closed."""

    online: bool


@dataclass(frozen=True, slots=True)
class AnswerDelta(_ConversationEvent):
    """A piece of an answer being written; the whole answer follows as MessagePosted."""

    message_id: MessageId
    delta: str
    seq: int  # the number the answer will have once stored


@dataclass(frozen=True, slots=True)
class AccessChanged:
    """A credential of the workspace was revoked or narrowed: sockets re-check theirs.
    `embed_code_id` names the embed code concerned, if it is one."""

    workspace_id: WorkspaceId
    reason: str
    embed_code_id: EmbedCodeId | None = None

    def channels(self) -> tuple[str, ...]:
        return (access_channel(self.workspace_id), ACCESS_ANYWHERE)


Event = (
    MessagePosted
    | ConversationStarted
    | TypingChanged
    | HandoffChanged
    | PresenceChanged
    | AnswerDelta
    | AccessChanged
)
EVENT_TYPES: tuple[type[Event], ...] = (
    MessagePosted,
    ConversationStarted,
    TypingChanged,
    HandoffChanged,
    PresenceChanged,
    AnswerDelta,
    AccessChanged,
)
