"""Row-level security: the database itself keeps tenants apart, whatever the SQL says."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from adapters.outbound.postgres.unit_of_work import PostgresUnitOfWorkFactory
from domain.accounts import ApiKey, RefreshToken
from domain.conversations import Conversation, Message, Role
from domain.documents import Document, DocumentStatus, MimeType
from domain.embed_codes import EmbedCode, new_public_key
from domain.feedback import Feedback
from domain.ids import (
    ApiKeyId,
    ChunkId,
    DocumentId,
    EmbedCodeId,
    JobId,
    MessageId,
    SessionId,
    TokenFamilyId,
    TokenId,
)
from domain.knowledge import Chunk, IngestionJob
from tests.integration.test_repository_contract import new_user, new_workspace

# A failure here loses data, lets someone in, or stops answers.
pytestmark = pytest.mark.critical


async def scope_to(conn: AsyncConnection, workspace_id: uuid.UUID | None) -> None:
    await conn.execute(
        text("SELECT set_config('ccgpt.workspace_id', :ws, true)"),
        {"ws": str(workspace_id) if workspace_id else ""},
    )


TENANT_TABLES = (
    "workspaces",
    "users",
    "api_keys",
    "refresh_tokens",
    "documents",
    "document_contents",
    "chunks",
    "ingestion_jobs",
    "conversations",
    "messages",
    "usage_counters",
    "embed_codes",
    "feedback",
)


async def two_workspaces(engine: AsyncEngine) -> tuple[uuid.UUID, uuid.UUID]:
    """Two workspaces with a row in every tenant table."""
    uow = PostgresUnitOfWorkFactory(engine)
    ids = []
    for _ in range(2):
        ws = new_workspace()
        user = new_user(ws)
        now = datetime.now(UTC)
        doc = Document(
            DocumentId(uuid.uuid4()),
            ws.id,
            "D",
            "d.txt",
            MimeType.TEXT,
            1,
            uuid.uuid4().hex,
            DocumentStatus.READY,
            now,
            now,
            chunk_count=1,
        )
        chunk = Chunk(
            ChunkId(uuid.uuid4()), ws.id, doc.id, 0, "text", None, None, 1, (1.0,) + (0.0,) * 383
        )
        async with uow.system() as tx:
            await tx.workspaces.add(ws)
            await tx.users.add(user)
            await tx.api_keys.add(
                ApiKey(ApiKeyId(uuid.uuid4()), ws.id, "k", "p", uuid.uuid4().hex, now)
            )
            await tx.refresh_tokens.add(
                RefreshToken(
                    TokenId(uuid.uuid4()), TokenFamilyId(uuid.uuid4()), user.id, ws.id, now, now
                )
            )
            await tx.documents.add(doc, b"x")
            await tx.chunks.replace(ws.id, doc.id, [chunk])
            await tx.jobs.add(IngestionJob(JobId(uuid.uuid4()), ws.id, doc.id, now))
            session = Conversation(SessionId(uuid.uuid4()), ws.id, now, now)
            answer = Message(MessageId(uuid.uuid4()), ws.id, session.id, Role.ASSISTANT, "a", now)
            await tx.conversations.add(session)
            await tx.conversations.add_message(answer)
            await tx.conversations.save_feedback(Feedback.on(answer, "up", None, now))
            await tx.usage.take_message(ws.id, now.date().replace(day=1), {ws.plan: -1})
            await tx.embed_codes.add(
                EmbedCode(EmbedCodeId(uuid.uuid4()), ws.id, "w", new_public_key(), now, now)
            )
            await tx.commit()
        ids.append(ws.id)
    return ids[0], ids[1]


async def test_the_app_role_cannot_bypass_row_level_security(engine: AsyncEngine) -> None:
    async with engine.connect() as conn:
        row = (
            await conn.execute(
                text("SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user")
            )
        ).one()
        assert tuple(row) == (False, False)
        assert (await conn.execute(text("SELECT current_user"))).scalar_one() == "ccgpt_app"


async def test_a_query_without_a_workspace_filter_sees_only_its_tenant(engine: AsyncEngine) -> None:
    ws_a, ws_b = await two_workspaces(engine)
    async with engine.connect() as conn, conn.begin():
        await scope_to(conn, ws_a)
        for table in TENANT_TABLES[1:]:
            seen_here = (
                (await conn.execute(text(f"SELECT DISTINCT workspace_id FROM {table}")))
                .scalars()
                .all()
            )
            assert seen_here == [ws_a], table
        seen = (await conn.execute(text("SELECT DISTINCT workspace_id FROM users"))).scalars().all()
        assert seen == [ws_a]
        workspaces = (await conn.execute(text("SELECT id FROM workspaces"))).scalars().all()
        assert workspaces == [ws_a]
    assert ws_b != ws_a


async def test_without_a_scope_nothing_is_visible(engine: AsyncEngine) -> None:
    await two_workspaces(engine)
    async with engine.connect() as conn, conn.begin():
        for table in TENANT_TABLES:
            count = (await conn.execute(text(f"SELECT count(*) FROM {table}"))).scalar_one()
            assert count == 0, table


async def test_writing_into_another_tenant_is_refused(engine: AsyncEngine) -> None:
    ws_a, ws_b = await two_workspaces(engine)
    async with engine.connect() as conn:
        await conn.begin()
        await scope_to(conn, ws_a)
        with pytest.raises(DBAPIError, match="row-level security"):
            await conn.execute(
                text(
                    "INSERT INTO api_keys (id, workspace_id, name, prefix, key_hash, created_at) "
                    "VALUES (:id, :ws, 'x', 'p', :hash, now())"
                ),
                {"id": uuid.uuid4(), "ws": ws_b, "hash": uuid.uuid4().hex},
            )
        await conn.rollback()


async def test_the_scope_ends_with_the_transaction(engine: AsyncEngine) -> None:
    ws_a, _ = await two_workspaces(engine)
    async with engine.connect() as conn:
        async with conn.begin():
            await scope_to(conn, ws_a)
            assert (await conn.execute(text("SELECT count(*) FROM workspaces"))).scalar_one() == 1
        async with conn.begin():
            assert (await conn.execute(text("SELECT count(*) FROM workspaces"))).scalar_one() == 0
