"""PostgreSQL repository of conversations and their messages.

The statements every chat message runs are built once, with named parameters: building a
Core statement from an entity's values (coercing each, then working out its cache key)
cost more Python time than PostgreSQL spent running it."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

from sqlalchemy import ClauseElement, ColumnElement, Table, bindparam, exists, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.dialects.postgresql import psycopg as postgresql_psycopg
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from adapters.outbound.postgres import rows
from adapters.outbound.postgres import tables as t
from adapters.outbound.postgres.repositories import fetch_page
from adapters.outbound.postgres.scope import reads_together
from application.pagination import Page, PageRequest
from application.ports.conversations import ConversationFilter, Held
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


def _parameters(table: Table, names: tuple[str, ...], prefix: str) -> dict[str, ColumnElement[Any]]:
    return {name: bindparam(prefix + name, type_=table.c[name].type) for name in names}


def _prefixed(row: dict[str, object], prefix: str) -> dict[str, object]:
    return {prefix + name: value for name, value in row.items()}


_C, _M = t.conversations.c, t.messages.c
_ADD_CONVERSATION = t.conversations.insert()  # its values are the parameters, by column
_INSERT_MESSAGE = t.messages.insert().values(_parameters(t.messages, rows.MESSAGES.fields, "m_"))
# A conversation's id and workspace never change: they only say which row.
_SAVE_CONVERSATION = (
    update(t.conversations)
    .where(_C.workspace_id == bindparam("c_workspace_id"), _C.id == bindparam("c_id"))
    .values(
        _parameters(
            t.conversations,
            tuple(n for n in rows.CONVERSATIONS.fields if n not in ("id", "workspace_id")),
            "c_",
        )
    )
)
# The INSERT rides along as a data-modifying CTE of the UPDATE (different tables, so
# neither sees the other): one statement, one round trip.
_APPEND = _SAVE_CONVERSATION.add_cte(_INSERT_MESSAGE.cte("added"))
_GET = select(t.conversations).where(_C.workspace_id == bindparam("ws"), _C.id == bindparam("id"))
_GET_FOR_UPDATE = _GET.with_for_update()
_IN_SESSION = (_M.workspace_id == bindparam("ws"), _M.session_id == bindparam("session"))
_LATEST = select(t.messages).where(*_IN_SESSION).order_by(_M.seq.desc()).limit(bindparam("n"))
_BY_CLIENT_ID = select(t.messages).where(*_IN_SESSION, _M.client_message_id == bindparam("cid"))
_REPLY = (
    select(t.messages)
    .where(*_IN_SESSION, _M.reply_to == bindparam("question"))
    .order_by(_M.seq)
    .limit(1)
)


def _driver_query(statement: ClauseElement) -> tuple[bytes, dict[str, Any]]:
    """The statement as psycopg runs it (named parameters), with its fixed parameters'
    values (a literal LIMIT), for `reads_together`."""
    compiled = statement.compile(dialect=_DIALECT)
    return str(compiled).encode(), {k: v for k, v in compiled.params.items() if v is not None}


_DIALECT = postgresql_psycopg.dialect()  # type: ignore[no-untyped-call]
# What `hold` reads, in the order the server runs them: the lock first.
_HOLD = _driver_query(_GET_FOR_UPDATE)
_HOLD_HISTORY = _driver_query(_LATEST)
_HOLD_EARLIER = _driver_query(_BY_CLIENT_ID)
_HOLD_REPLY = _driver_query(_REPLY)


@contextlib.asynccontextmanager
async def _client_message_conflict() -> AsyncIterator[None]:
    try:
        yield
    except IntegrityError as exc:
        if "messages_client_message_key" in str(exc.orig):
            raise Conflict("This client_message_id was already used in this session.") from None
        raise


class PostgresConversationRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def add(self, conversation: Conversation) -> None:
        await self._conn.execute(_ADD_CONVERSATION, rows.CONVERSATIONS.to_row(conversation))

    async def get(
        self, workspace_id: WorkspaceId, session_id: SessionId, *, for_update: bool = False
    ) -> Conversation | None:
        query = _GET_FOR_UPDATE if for_update else _GET
        row = (await self._conn.execute(query, {"ws": workspace_id, "id": session_id})).first()
        return rows.CONVERSATIONS.from_row(row) if row else None

    async def hold(
        self,
        workspace_id: WorkspaceId,
        session_id: SessionId,
        *,
        history: int = 0,
        client_message_id: str | None = None,
        reply_to: MessageId | None = None,
    ) -> Held | None:
        """One pipeline: the lock is taken first, and each read after it runs once it is
        held, so it sees what the transaction that held it before committed."""
        params = {
            "ws": workspace_id,
            "id": session_id,
            "session": session_id,
            "n": history,
            "cid": client_message_id,
            "question": reply_to,
        }
        wanted = [
            _HOLD,
            *([_HOLD_HISTORY] if history else []),
            *([_HOLD_EARLIER] if client_message_id else []),
            *([_HOLD_REPLY] if reply_to is not None else []),
        ]
        found = iter(await reads_together(self._conn, [(q, fixed | params) for q, fixed in wanted]))
        conversation = next(found)
        recent = next(found) if history else []
        earlier = next(found) if client_message_id else []
        reply = next(found) if reply_to is not None else []
        if not conversation:
            return None
        return Held(
            rows.CONVERSATIONS.from_mapping(conversation[0]),
            reading_order([rows.MESSAGES.from_mapping(row) for row in recent]),
            rows.MESSAGES.from_mapping(earlier[0]) if earlier else None,
            rows.MESSAGES.from_mapping(reply[0]) if reply else None,
        )

    async def save(self, conversation: Conversation) -> None:
        row = _prefixed(rows.CONVERSATIONS.to_row(conversation), "c_")
        await self._conn.execute(_SAVE_CONVERSATION, row)

    async def add_message(self, message: Message) -> None:
        """A repeated client_message_id is a Conflict, and the transaction is then spent (no
        savepoint: nobody continues after one, and it cost two round trips per message)."""
        row = _prefixed(rows.MESSAGES.to_row(message), "m_")
        async with _client_message_conflict():
            await self._conn.execute(_INSERT_MESSAGE, row)

    async def append(self, conversation: Conversation, message: Message) -> None:
        params = _prefixed(rows.MESSAGES.to_row(message), "m_")
        params |= _prefixed(rows.CONVERSATIONS.to_row(conversation), "c_")
        async with _client_message_conflict():
            await self._conn.execute(_APPEND, params)

    async def messages(
        self, workspace_id: WorkspaceId, session_id: SessionId, limit: int = 500
    ) -> list[Message]:
        params = {"ws": workspace_id, "session": session_id, "n": limit}
        found = (await self._conn.execute(_LATEST, params)).all()
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
        params = {"ws": workspace_id, "session": session_id, "cid": client_message_id}
        row = (await self._conn.execute(_BY_CLIENT_ID, params)).first()
        return rows.MESSAGES.from_row(row) if row else None

    async def find_reply(
        self, workspace_id: WorkspaceId, session_id: SessionId, question_id: MessageId
    ) -> Message | None:
        params = {"ws": workspace_id, "session": session_id, "question": question_id}
        row = (await self._conn.execute(_REPLY, params)).first()
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
