"""PostgreSQL repository of embed codes."""

from __future__ import annotations

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from adapters.outbound.postgres import rows
from adapters.outbound.postgres import tables as t
from adapters.outbound.postgres.repositories import fetch_page
from application.pagination import Page, PageRequest
from domain.embed_codes import DomainPattern, EmbedCode
from domain.ids import EmbedCodeId, WorkspaceId


class PostgresEmbedCodeRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def add(self, code: EmbedCode) -> None:
        row = rows.EMBED_CODES.to_row(code)
        await self._conn.execute(t.embed_codes.insert().values(**row))

    async def get(
        self, workspace_id: WorkspaceId, code_id: EmbedCodeId, *, for_update: bool = False
    ) -> EmbedCode | None:
        c = t.embed_codes.c
        query = select(t.embed_codes).where(c.workspace_id == workspace_id, c.id == code_id)
        if for_update:
            query = query.with_for_update()
        row = (await self._conn.execute(query)).first()
        return rows.EMBED_CODES.from_row(row) if row else None

    async def save(self, code: EmbedCode) -> None:
        c = t.embed_codes.c
        await self._conn.execute(
            update(t.embed_codes)
            .where(c.workspace_id == code.workspace_id, c.id == code.id)
            .values(**rows.EMBED_CODES.to_row(code))
        )

    async def delete(self, workspace_id: WorkspaceId, code_id: EmbedCodeId) -> None:
        c = t.embed_codes.c
        await self._conn.execute(
            delete(t.embed_codes).where(c.workspace_id == workspace_id, c.id == code_id)
        )

    async def count(self, workspace_id: WorkspaceId) -> int:
        query = select(func.count()).where(t.embed_codes.c.workspace_id == workspace_id)
        return int((await self._conn.execute(query)).scalar_one())

    async def find_by_public_key(self, public_key: str) -> EmbedCode | None:
        query = select(t.embed_codes).where(t.embed_codes.c.public_key == public_key)
        row = (await self._conn.execute(query)).first()
        return rows.EMBED_CODES.from_row(row) if row else None

    async def active_allowlists(self) -> list[list[DomainPattern]]:
        c = t.embed_codes.c
        found = (await self._conn.execute(select(c.allowed_domains).where(c.active))).all()
        return [[DomainPattern.parse(d) for d in row.allowed_domains] for row in found]

    async def list(self, workspace_id: WorkspaceId, page: PageRequest) -> Page[EmbedCode]:
        query = select(t.embed_codes).where(t.embed_codes.c.workspace_id == workspace_id)
        return await fetch_page(self._conn, t.embed_codes, query, page, rows.EMBED_CODES.from_row)
