"""In-memory conversations and messages, with the same contract as PostgreSQL."""

from __future__ import annotations

import copy
from datetime import datetime

from adapters.outbound.memory import analytics_records
from adapters.outbound.memory.repositories import paginate
from adapters.outbound.memory.store import ScopedRepository
from application.pagination import Cursor, Page, PageRequest
from application.ports.conversations import ConversationFilter, Held
from domain.conversations import Conversation, Message, Role, reading_order
from domain.errors import Conflict
from domain.feedback import Feedback
from domain.ids import MessageId, SessionId, WorkspaceId


class InMemoryConversationRepository(ScopedRepository):
    async def add(self, conversation: Conversation) -> None:
        self._check(conversation.workspace_id)
        key = (conversation.workspace_id, conversation.id)
        self._store.conversations[key] = copy.deepcopy(conversation)
        self._store.messages[key] = []
        analytics_records.conversation_added(self._store, conversation)

    async def get(
        self, workspace_id: WorkspaceId, session_id: SessionId, *, for_update: bool = False
    ) -> Conversation | None:
        if not self._sees(workspace_id):
            return None
        return copy.deepcopy(self._store.conversations.get((workspace_id, session_id)))

    async def hold(
        self,
        workspace_id: WorkspaceId,
        session_id: SessionId,
        *,
        history: int = 0,
        client_message_id: str | None = None,
        reply_to: MessageId | None = None,
    ) -> Held | None:
        conversation = await self.get(workspace_id, session_id, for_update=True)
        if conversation is None:
            return None
        earlier = reply = None
        if client_message_id:
            earlier = await self.find_by_client_id(workspace_id, session_id, client_message_id)
        if reply_to is not None:
            reply = await self.find_reply(workspace_id, session_id, reply_to)
        recent = await self.messages(workspace_id, session_id, history)
        return Held(conversation, recent, earlier, reply)

    async def save(self, conversation: Conversation) -> None:
        key = (conversation.workspace_id, conversation.id)
        if self._sees(conversation.workspace_id) and key in self._store.conversations:
            before = self._store.conversations[key]
            self._store.conversations[key] = copy.deepcopy(conversation)
            analytics_records.conversation_saved(self._store, before, conversation)

    async def add_message(self, message: Message) -> None:
        self._check(message.workspace_id)
        thread = self._store.messages.setdefault((message.workspace_id, message.session_id), [])
        if message.client_message_id and any(
            m.client_message_id == message.client_message_id for m in thread
        ):
            raise Conflict("This client_message_id was already used in this session.")
        thread.append(copy.deepcopy(message))
        analytics_records.message_added(self._store, message)

    async def append(self, conversation: Conversation, message: Message) -> None:
        await self.add_message(message)
        await self.save(conversation)

    async def messages(
        self, workspace_id: WorkspaceId, session_id: SessionId, limit: int = 500
    ) -> list[Message]:
        thread = self._thread(workspace_id, session_id)
        # Not thread[-limit:]: thread[-0:] is the whole thread, where LIMIT 0 is none of it.
        return reading_order(copy.deepcopy(thread[max(len(thread) - limit, 0) :]))

    async def messages_after(
        self, workspace_id: WorkspaceId, session_id: SessionId, after_seq: int, limit: int
    ) -> list[Message]:
        later = sorted(
            (m for m in self._thread(workspace_id, session_id) if m.seq > after_seq),
            key=lambda m: m.seq,
        )
        return copy.deepcopy(later[:limit])

    async def find_by_client_id(
        self, workspace_id: WorkspaceId, session_id: SessionId, client_message_id: str
    ) -> Message | None:
        thread = self._thread(workspace_id, session_id)
        found = (m for m in thread if m.client_message_id == client_message_id)
        return copy.deepcopy(next(found, None))

    async def find_reply(
        self, workspace_id: WorkspaceId, session_id: SessionId, question_id: MessageId
    ) -> Message | None:
        thread = self._thread(workspace_id, session_id)
        return copy.deepcopy(next((m for m in thread if m.reply_to == question_id), None))

    def _thread(self, workspace_id: WorkspaceId, session_id: SessionId) -> list[Message]:
        """The whole thread, oldest first, uncopied: lookups by id search all of it, as
        PostgreSQL does, not only the latest `messages()` window."""
        if not self._sees(workspace_id):
            return []
        thread: list[Message] = self._store.messages.get((workspace_id, session_id), [])
        return thread

    async def unanswered(self, since: datetime, before: datetime, limit: int) -> list[Message]:
        found = []
        for key, thread in self._store.messages.items():
            conversation = self._store.conversations.get(key)
            if conversation is None or not self._sees(key[0]) or not conversation.bot_answers:
                continue
            answered = {m.reply_to for m in thread if m.reply_to}
            found += [
                m
                for m in thread
                if m.role is Role.VISITOR
                and since <= m.created_at < before
                and m.id not in answered
            ]
        return copy.deepcopy(sorted(found, key=lambda m: m.created_at)[:limit])

    async def get_message(self, workspace_id: WorkspaceId, message_id: MessageId) -> Message | None:
        if not self._sees(workspace_id):
            return None
        found = (
            m
            for (ws, _), thread in self._store.messages.items()
            if ws == workspace_id
            for m in thread
            if m.id == message_id
        )
        return copy.deepcopy(next(found, None))

    async def save_feedback(self, feedback: Feedback) -> None:
        self._check(feedback.workspace_id)
        if await self.get_message(feedback.workspace_id, feedback.message_id) is None:
            raise Conflict("Feedback needs a stored message.")  # the foreign key, in memory
        self._store.feedback[(feedback.workspace_id, feedback.message_id)] = feedback
        analytics_records.feedback_saved(self._store, feedback)

    async def feedback(self, workspace_id: WorkspaceId, message_id: MessageId) -> Feedback | None:
        if not self._sees(workspace_id):
            return None
        return self._store.feedback.get((workspace_id, message_id))

    async def list(
        self, workspace_id: WorkspaceId, where: ConversationFilter, page: PageRequest
    ) -> Page[Conversation]:
        rows = [
            c
            for (ws, _), c in self._store.conversations.items()
            if ws == workspace_id
            and self._sees(ws)
            and (where.status is None or c.status is where.status)
            and (where.embed_code_id is None or c.embed_code_id == where.embed_code_id)
        ]
        return paginate(rows, page, lambda c: Cursor(c.started_at, c.id))
