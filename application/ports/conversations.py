"""ConversationRepository port."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from application.pagination import Page, PageRequest
from domain.conversations import Conversation, ConversationStatus, Message
from domain.feedback import Feedback
from domain.ids import MessageId, SessionId, WorkspaceId


@dataclass(frozen=True, slots=True)
class ConversationFilter:
    status: ConversationStatus | None = None
    embed_code_id: uuid.UUID | None = None


@dataclass(frozen=True, slots=True)
class Held:
    """A conversation locked for this transaction, with what a new message needs of it."""

    conversation: Conversation
    history: list[Message]  # its latest messages, oldest first
    earlier: Message | None = None  # the message sent with the client id asked about
    reply: Message | None = None  # the answer stored for the question asked about


class ConversationRepository(Protocol):
    """Chat sessions and their messages, in the order they were written."""

    async def add(self, conversation: Conversation) -> None: ...

    async def get(
        self, workspace_id: WorkspaceId, session_id: SessionId, *, for_update: bool = False
    ) -> Conversation | None:
        """With `for_update`, messages to this session wait for this transaction."""
        ...

    async def hold(
        self,
        workspace_id: WorkspaceId,
        session_id: SessionId,
        *,
        history: int = 0,
        client_message_id: str | None = None,
        reply_to: MessageId | None = None,
    ) -> Held | None:
        """`get(for_update=True)`, then, once it is held, its latest `history` messages
        (`messages`), the message of `client_message_id` (`find_by_client_id`) and the
        reply to `reply_to` (`find_reply`): what a new message reads, in one round trip."""
        ...

    async def save(self, conversation: Conversation) -> None: ...

    async def add_message(self, message: Message) -> None: ...

    async def append(self, conversation: Conversation, message: Message) -> None:
        """`add_message(message)` and `save(conversation)` (its state after the message) in
        one write: what every new message of a held conversation does."""
        ...

    async def messages(
        self, workspace_id: WorkspaceId, session_id: SessionId, limit: int = 500
    ) -> list[Message]:
        """Oldest first."""
        ...

    async def messages_after(
        self, workspace_id: WorkspaceId, session_id: SessionId, after_seq: int, limit: int
    ) -> list[Message]:
        """Up to `limit` messages numbered after `after_seq`, in `seq` order: a page of what
        a socket resuming with `?after=` missed."""
        ...

    async def find_by_client_id(
        self, workspace_id: WorkspaceId, session_id: SessionId, client_message_id: str
    ) -> Message | None:
        """The visitor message sent with this client id, for idempotent retries."""
        ...

    async def find_reply(
        self, workspace_id: WorkspaceId, session_id: SessionId, question_id: MessageId
    ) -> Message | None:
        """The answer stored for a visitor message, if any."""
        ...

    async def unanswered(self, since: datetime, before: datetime, limit: int) -> list[Message]:
        """Visitor messages written between `since` and `before` that have no answer, in
        conversations the bot holds (oldest first): questions whose request died."""
        ...

    async def get_message(
        self, workspace_id: WorkspaceId, message_id: MessageId
    ) -> Message | None: ...

    async def save_feedback(self, feedback: Feedback) -> None:
        """Stores a visitor's verdict on a message, replacing an earlier one."""
        ...

    async def feedback(
        self, workspace_id: WorkspaceId, message_id: MessageId
    ) -> Feedback | None: ...

    # Last: a method named `list` would shadow the builtin for the annotations below it.
    async def list(
        self, workspace_id: WorkspaceId, where: ConversationFilter, page: PageRequest
    ) -> Page[Conversation]: ...
