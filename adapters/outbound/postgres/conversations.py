"""PostgreSQL repository of conversations and their messages."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import exists, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from adapters.outbound.postgres import rows
from adapters.outbound.postgres import tables as t
from adapters.outbound.postgres.repositories import fetch_page
from application.pagination import Page, PageRequest
from application.ports.conversations import ConversationFilter
from domain.conversations import (
    Conversation,
    ConversationStatus,
    Message,
    Role,
    reading_order,
)
from domain.errors import Conflict
from domain.feedback import Feedback
from domain.ids import MessageId, SessionId, WorkspaceId


class PostgresConversationRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def add(self, conversation: Conversation) -> None:
        await self._conn.execute(
            t.conversations.insert().values(**rows.CONVERSATIONS.to_row(conversation))
        )

    async def get(
        self, workspace_id: WorkspaceId, session_id: SessionId, *, for_update: bool = False
    ) -> Conversation | None:
        c = t.conversations.c
        query = select(t.conversations).where(c.workspace_id == workspace_id, c.id == session_id)
        if for_update:
            query = query.with_for_update()
        row = (await self._conn.execute(query)).first()
        return rows.CONVERSATIONS.from_row(row) if row else None

    async def save(self, conversation: Conversation) -> None:
        c = t.conversations.c
        await self._conn.execute(
            update(t.conversations)
            .where(c.workspace_id == conversation.workspace_id, c.id == conversation.id)
            .values(**rows.CONVERSATIONS.to_row(conversation))
        )

    async def add_message(self, message: Message) -> None:
        """A repeated client_message_id is a Conflict, and the transaction is then spent (no
        savepoint: nobody continues after one, and it cost two round trips per message)."""
        try:
            await self._conn.execute(t.messages.insert().values(**rows.MESSAGES.to_row(message)))
        except IntegrityError as exc:
            if "messages_client_message_key" in str(exc.orig):
                raise Conflict("This client_message_id was already used in this session.") from None
            raise

    async def messages(
        self, workspace_id: WorkspaceId, session_id: SessionId, limit: int = 500
    ) -> list[Message]:
        m = t.messages.c
        query = (
            select(t.messages)
            .where(m.workspace_id == workspace_id, m.session_id == session_id)
            .order_by(m.seq.desc())
            .limit(limit)
        )
        found = (await self._conn.execute(query)).all()
        return reading_order([rows.MESSAGES.from_row(row) for row in found])

    async def messages_after(
        self, workspace_id: WorkspaceId, session_id: SessionId, after_seq: int, limit: int
    ) -> list[Message]:
        m = t.messages.c
        query = (
            select(t.messages)
            .where(m.workspace_id == workspace_id, m.session_id == session_id, m.seq > after_seq)
            .order_by(m.seq)
            .limit(limit)
        )
        return [rows.MESSAGES.from_row(row) for row in (await self._conn.execute(query)).all()]

    async def find_by_client_id(
        self, workspace_id: WorkspaceId, session_id: SessionId, client_message_id: str
    ) -> Message | None:
        m = t.messages.c
        query = select(t.messages).where(
            m.workspace_id == workspace_id,
            m.session_id == session_id,
            m.client_message_id == client_message_id,
        )
        row = (await self._conn.execute(query)).first()
        return rows.MESSAGES.from_row(row) if row else None

    async def find_reply(
        self, workspace_id: WorkspaceId, session_id: SessionId, question_id: MessageId
    ) -> Message | None:
        m = t.messages.c
        query = (
            select(t.messages)
            .where(
                m.workspace_id == workspace_id,
                m.session_id == session_id,
                m.reply_to == question_id,
            )
            .order_by(m.seq)
            .limit(1)
        )
        row = (await self._conn.execute(query)).first()
        return rows.MESSAGES.from_row(row) if row else None

    async def unanswered(self, since: datetime, before: datetime, limit: int) -> list[Message]:
        m, c = t.messages.c, t.conversations.c
        answers = t.messages.alias("answers")
        query = (
            select(t.messages)
            .join(
                t.conversations,
                (c.workspace_id == m.workspace_id) & (c.id == m.session_id),
            )
            .where(
                m.role == Role.VISITOR.value,
                m.created_at >= since,
                m.created_at < before,
                c.status == ConversationStatus.BOT.value,
                ~exists().where(
                    answers.c.workspace_id == m.workspace_id,
                    answers.c.session_id == m.session_id,
                    answers.c.reply_to == m.id,
                ),
            )
            .order_by(m.created_at)
            .limit(limit)
        )
        found = (await self._conn.execute(query)).all()
        return [rows.MESSAGES.from_row(row) for row in found]

    async def get_message(self, workspace_id: WorkspaceId, message_id: MessageId) -> Message | None:
        m = t.messages.c
        query = select(t.messages).where(m.workspace_id == workspace_id, m.id == message_id)
        row = (await self._conn.execute(query)).first()
        return rows.MESSAGES.from_row(row) if row else None

    async def save_feedback(self, feedback: Feedback) -> None:
        row = rows.FEEDBACK.to_row(feedback)
        try:
            async with self._conn.begin_nested():
                await self._conn.execute(
                    insert(t.feedback)
                    .values(**row)
                    .on_conflict_do_update(
                        index_elements=[t.feedback.c.message_id],
                        set_={k: row[k] for k in ("rating", "comment", "created_at")},
                    )
                )
        except IntegrityError:
            raise Conflict("Feedback needs a stored message.") from None

    async def feedback(self, workspace_id: WorkspaceId, message_id: MessageId) -> Feedback | None:
        f = t.feedback.c
        query = select(t.feedback).where(f.workspace_id == workspace_id, f.message_id == message_id)
        row = (await self._conn.execute(query)).first()
        return rows.FEEDBACK.from_row(row) if row else None

    async def list(
        self, workspace_id: WorkspaceId, where: ConversationFilter, page: PageRequest
    ) -> Page[Conversation]:
        c = t.conversations.c
        query = select(t.conversations).where(c.workspace_id == workspace_id)
        if where.status is not None:
            query = query.where(c.status == where.status.value)
        if where.embed_code_id is not None:
            query = query.where(c.embed_code_id == where.embed_code_id)
        # Conversations page by start time: the (created_at, id) keyset of fetch_page.
        return await fetch_page(
            self._conn, t.conversations, query, page, rows.CONVERSATIONS.from_row, "started_at"
        )
