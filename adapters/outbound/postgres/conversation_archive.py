"""Conversations in bulk: streamed through a server-side cursor, and erased for data rights."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any

from sqlalchemy import Select, delete, func, select, text, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from adapters.outbound.postgres import rows
from adapters.outbound.postgres import tables as t
from adapters.outbound.postgres.scope import scoped
from application.ports.conversation_archive import ArchivedSession
from domain.ids import WorkspaceId

BATCH = 1000
_PARTS = {"c_": t.conversations, "m_": t.messages, "f_": t.feedback}
_FORGET_ORPHAN_VISITORS = text(
    """
    DELETE FROM analytics_visitors v WHERE v.workspace_id = :ws AND NOT EXISTS (
        SELECT 1 FROM conversations c
        WHERE c.workspace_id = v.workspace_id AND c.visitor_id = v.visitor_id)
    """
)
# The analytics copy of a question's text is a message text too: erasure and retention
# blank it (the record and every count stay), and forget embeddings of texts no longer asked.
_BLANK_VISITOR_QUESTIONS = text(
    """
    UPDATE analytics_questions q SET query = ''
    FROM analytics_visitors v
    WHERE v.workspace_id = :ws AND v.visitor_id = :v
      AND q.workspace_id = v.workspace_id AND q.visitor_key = v.visitor_key AND q.query <> ''
    """
)
_BLANK_OLD_QUESTIONS = text(
    """
    UPDATE analytics_questions SET query = ''
    WHERE workspace_id = :ws AND asked_at < :cutoff AND query <> ''
    """
)
_FORGET_UNASKED_VECTORS = text(
    """
    DELETE FROM analytics_question_vectors qv WHERE qv.workspace_id = :ws AND NOT EXISTS (
        SELECT 1 FROM analytics_questions q
        WHERE q.workspace_id = qv.workspace_id AND q.query = qv.query)
    """
)


def _threads(workspace_id: WorkspaceId) -> Select[Any]:
    """Every session with its messages (none: one row of nulls) and their feedback."""
    c, m, f = t.conversations.c, t.messages.c, t.feedback.c
    columns = [col.label(prefix + col.name) for prefix, table in _PARTS.items() for col in table.c]
    return (
        select(*columns)
        .select_from(
            t.conversations.outerjoin(t.messages, m.session_id == c.id).outerjoin(
                t.feedback, f.message_id == m.id
            )
        )
        .where(c.workspace_id == workspace_id)
        .order_by(c.started_at, c.id, m.seq)
    )


def _part(row: Any, prefix: str) -> dict[str, Any]:
    return {k[len(prefix) :]: v for k, v in row._mapping.items() if k.startswith(prefix)}


class _Gatherer:
    """Turns the joined rows, in session order, into one ArchivedSession per session."""

    def __init__(self) -> None:
        self.current: ArchivedSession | None = None

    def add(self, row: Any) -> ArchivedSession | None:
        """Returns the previous session once a row of the next one arrives."""
        done = None
        if self.current is None or self.current.conversation.id != row.c_id:
            done = self.current
            self.current = ArchivedSession(rows.CONVERSATIONS.from_mapping(_part(row, "c_")), [])
        if row.m_id is not None:
            self.current.messages.append(rows.MESSAGES.from_mapping(_part(row, "m_")))
        if row.f_message_id is not None:
            self.current.feedback.append(rows.FEEDBACK.from_mapping(_part(row, "f_")))
        return done


class PostgresConversationArchive:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    @asynccontextmanager
    async def _tx(self, workspace_id: WorkspaceId | None) -> AsyncIterator[AsyncConnection]:
        async with scoped(self._engine, workspace_id) as conn:
            yield conn

    async def sessions(
        self, workspace_id: WorkspaceId, start: datetime | None, end: datetime | None
    ) -> AsyncIterator[ArchivedSession]:
        query = _threads(workspace_id)
        if start is not None:
            query = query.where(t.conversations.c.started_at >= start)
        if end is not None:
            query = query.where(t.conversations.c.started_at < end)
        gather = _Gatherer()
        async with self._tx(workspace_id) as conn:
            rows = await conn.stream(query.execution_options(yield_per=BATCH))
            async for row in rows:
                done = gather.add(row)
                if done is not None:
                    yield done
        if gather.current is not None:
            yield gather.current

    async def visitor_sessions(
        self, workspace_id: WorkspaceId, visitor_id: str
    ) -> list[ArchivedSession]:
        query = _threads(workspace_id).where(t.conversations.c.visitor_id == visitor_id)
        gather, found = _Gatherer(), []
        async with self._tx(workspace_id) as conn:
            for row in await conn.execute(query):
                done = gather.add(row)
                if done is not None:
                    found.append(done)
        return found + ([gather.current] if gather.current is not None else [])

    async def erase_visitor(self, workspace_id: WorkspaceId, visitor_id: str) -> int:
        c = t.conversations.c
        async with self._tx(workspace_id) as conn:
            # Messages and feedback go with their session (ON DELETE CASCADE); the analytics
            # records stay, without their texts, under a key nothing links to this visitor
            # any more.
            gone = await conn.execute(
                delete(t.conversations).where(
                    c.workspace_id == workspace_id, c.visitor_id == visitor_id
                )
            )
            visitor = {"ws": workspace_id, "v": visitor_id}
            blanked = await conn.execute(_BLANK_VISITOR_QUESTIONS, visitor)
            await conn.execute(
                text("DELETE FROM analytics_visitors WHERE workspace_id = :ws AND visitor_id = :v"),
                visitor,
            )
            if blanked.rowcount:
                await conn.execute(_FORGET_UNASKED_VECTORS, {"ws": workspace_id})
        return int(gone.rowcount or 0)

    async def retention_policies(self) -> list[tuple[WorkspaceId, int]]:
        w = t.workspaces.c
        query = select(w.id, w.retention_days).where(w.retention_days.is_not(None))
        async with self._tx(None) as conn:
            return [(WorkspaceId(r.id), int(r.retention_days)) for r in await conn.execute(query)]

    async def erase_before(self, workspace_id: WorkspaceId, cutoff: datetime) -> int:
        c, m, f = t.conversations.c, t.messages.c, t.feedback.c
        async with self._tx(workspace_id) as conn:
            old = (c.workspace_id == workspace_id) & (c.last_message_at < cutoff)
            whole = await conn.scalar(
                select(func.coalesce(func.sum(c.message_count), 0)).where(old)
            )
            await conn.execute(delete(t.conversations).where(old))
            blanked = await conn.execute(
                update(t.messages)
                .where(m.workspace_id == workspace_id, m.created_at < cutoff, m.text != "")
                .values(text="", query=None)
            )
            await conn.execute(
                update(t.feedback)
                .where(f.workspace_id == workspace_id, f.created_at < cutoff)
                .where(f.comment.is_not(None))
                .values(comment=None)
            )
            await conn.execute(_FORGET_ORPHAN_VISITORS, {"ws": workspace_id})
            questions = await conn.execute(
                _BLANK_OLD_QUESTIONS, {"ws": workspace_id, "cutoff": cutoff}
            )
            if questions.rowcount:
                await conn.execute(_FORGET_UNASKED_VECTORS, {"ws": workspace_id})
        return int(whole or 0) + int(blanked.rowcount or 0)
