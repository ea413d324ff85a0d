"""PostgreSQL repositories over one transaction's connection."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import Select, Table, bindparam, delete, exists, func, select, tuple_, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from adapters.outbound.postgres import rows
from adapters.outbound.postgres import tables as t
from application.pagination import Cursor, Page, PageRequest
from domain.accounts import ApiKey, RefreshToken, User, Workspace
from domain.errors import EmailTaken
from domain.ids import ApiKeyId, TokenFamilyId, TokenId, UserId, WorkspaceId
from domain.plans import Usage

T = TypeVar("T")


async def fetch_page(
    conn: AsyncConnection,
    table: Table,
    query: Select[Any],
    page: PageRequest,
    to_domain: Callable[[Any], T],
    time_column: str = "created_at",
) -> Page[T]:
    """Keyset pagination on (created_at, id), either way: stable under inserts, no OFFSET
    scans (the same index serves both orders)."""
    moment = table.c[time_column]
    if page.after is not None:
        position, after = tuple_(moment, table.c.id), tuple_(page.after.created_at, page.after.id)
        query = query.where(position < after if page.newest_first else position > after)
    order = (moment.desc(), table.c.id.desc()) if page.newest_first else (moment, table.c.id)
    query = query.order_by(*order).limit(page.limit + 1)
    rows = (await conn.execute(query)).all()
    items = [to_domain(row) for row in rows[: page.limit]]
    more = len(rows) > page.limit
    last = rows[page.limit - 1] if more else None
    return Page(
        items, Cursor(last._mapping[time_column], last.id).encode() if last is not None else None
    )


_WORKSPACE = select(t.workspaces).where(t.workspaces.c.id == bindparam("id"))
_WORKSPACE_FOR_UPDATE = _WORKSPACE.with_for_update()


class PostgresWorkspaceRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def add(self, workspace: Workspace) -> None:
        await self._conn.execute(t.workspaces.insert().values(**rows.WORKSPACES.to_row(workspace)))

    async def get(self, workspace_id: WorkspaceId, *, for_update: bool = False) -> Workspace | None:
        query = _WORKSPACE_FOR_UPDATE if for_update else _WORKSPACE  # every message reads it
        row = (await self._conn.execute(query, {"id": workspace_id})).first()
        return rows.WORKSPACES.from_row(row) if row else None

    async def save(self, workspace: Workspace) -> None:
        values = rows.WORKSPACES.to_row(workspace)
        await self._conn.execute(
            update(t.workspaces).where(t.workspaces.c.id == workspace.id).values(**values)
        )

    async def usage(self, workspace_id: WorkspaceId) -> Usage:
        seats = (
            select(func.count()).select_from(t.users).where(t.users.c.workspace_id == workspace_id)
        )
        documents = select(
            func.count(), func.coalesce(func.sum(t.documents.c.size_bytes), 0)
        ).where(t.documents.c.workspace_id == workspace_id)
        document_count, storage = (await self._conn.execute(documents)).one()
        return Usage(
            documents=int(document_count),
            storage_bytes=int(storage),
            seats=int((await self._conn.execute(seats)).scalar_one()),
        )


class PostgresUserRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def add(self, user: User) -> None:
        try:
            async with self._conn.begin_nested():
                row = rows.USERS.to_row(user)
                await self._conn.execute(t.users.insert().values(**row))
        except IntegrityError as exc:
            if "users_email_key" in str(exc.orig):
                raise EmailTaken("An account with this email already exists.") from None
            raise

    async def get(self, workspace_id: WorkspaceId, user_id: UserId) -> User | None:
        query = select(t.users).where(
            t.users.c.workspace_id == workspace_id, t.users.c.id == user_id
        )
        row = (await self._conn.execute(query)).first()
        return rows.USERS.from_row(row) if row else None

    async def find_by_email(self, email: str) -> User | None:
        row = (await self._conn.execute(select(t.users).where(t.users.c.email == email))).first()
        return rows.USERS.from_row(row) if row else None

    async def list(self, workspace_id: WorkspaceId, page: PageRequest) -> Page[User]:
        query = select(t.users).where(t.users.c.workspace_id == workspace_id)
        return await fetch_page(self._conn, t.users, query, page, rows.USERS.from_row)

    async def count(self, workspace_id: WorkspaceId) -> int:
        query = (
            select(func.count()).select_from(t.users).where(t.users.c.workspace_id == workspace_id)
        )
        return int((await self._conn.execute(query)).scalar_one())

    async def save(self, user: User) -> None:
        await self._conn.execute(
            update(t.users)
            .where(t.users.c.workspace_id == user.workspace_id, t.users.c.id == user.id)
            .values(**rows.USERS.to_row(user))
        )

    async def remove(self, workspace_id: WorkspaceId, user_id: UserId) -> None:
        # Refresh tokens go by ON DELETE CASCADE.
        await self._conn.execute(
            delete(t.users).where(t.users.c.workspace_id == workspace_id, t.users.c.id == user_id)
        )

    async def set_password_hash(
        self, workspace_id: WorkspaceId, user_id: UserId, password_hash: str
    ) -> None:
        await self._conn.execute(
            update(t.users)
            .where(t.users.c.workspace_id == workspace_id, t.users.c.id == user_id)
            .values(password_hash=password_hash)
        )


class PostgresApiKeyRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def add(self, key: ApiKey) -> None:
        row = rows.API_KEYS.to_row(key)
        await self._conn.execute(t.api_keys.insert().values(**row))

    async def get(self, workspace_id: WorkspaceId, key_id: ApiKeyId) -> ApiKey | None:
        query = select(t.api_keys).where(
            t.api_keys.c.workspace_id == workspace_id, t.api_keys.c.id == key_id
        )
        row = (await self._conn.execute(query)).first()
        return rows.API_KEYS.from_row(row) if row else None

    async def list_active(self, workspace_id: WorkspaceId, page: PageRequest) -> Page[ApiKey]:
        query = select(t.api_keys).where(
            t.api_keys.c.workspace_id == workspace_id, t.api_keys.c.revoked_at.is_(None)
        )
        return await fetch_page(self._conn, t.api_keys, query, page, rows.API_KEYS.from_row)

    async def save(self, key: ApiKey) -> None:
        await self._conn.execute(
            update(t.api_keys)
            .where(t.api_keys.c.workspace_id == key.workspace_id, t.api_keys.c.id == key.id)
            .values(**rows.API_KEYS.to_row(key))
        )

    async def find_active_by_digest(self, key_hash: str) -> ApiKey | None:
        query = select(t.api_keys).where(
            t.api_keys.c.key_hash == key_hash, t.api_keys.c.revoked_at.is_(None)
        )
        row = (await self._conn.execute(query)).first()
        return rows.API_KEYS.from_row(row) if row else None


class PostgresRefreshTokenRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def add(self, token: RefreshToken) -> None:
        await self._conn.execute(
            t.refresh_tokens.insert().values(**rows.REFRESH_TOKENS.to_row(token))
        )

    async def get(self, token_id: TokenId, *, for_update: bool = False) -> RefreshToken | None:
        query = select(t.refresh_tokens).where(t.refresh_tokens.c.id == token_id)
        if for_update:
            query = query.with_for_update()
        row = (await self._conn.execute(query)).first()
        return rows.REFRESH_TOKENS.from_row(row) if row else None

    async def save(self, token: RefreshToken) -> None:
        await self._conn.execute(
            update(t.refresh_tokens)
            .where(t.refresh_tokens.c.id == token.id)
            .values(**rows.REFRESH_TOKENS.to_row(token))
        )

    async def revoke_family(self, family_id: TokenFamilyId, now: datetime) -> None:
        await self._conn.execute(
            update(t.refresh_tokens)
            .where(
                t.refresh_tokens.c.family_id == family_id, t.refresh_tokens.c.revoked_at.is_(None)
            )
            .values(revoked_at=now)
        )

    async def family_revoked(self, family_id: TokenFamilyId) -> bool:
        tokens = t.refresh_tokens.c
        query = select(
            exists().where(tokens.family_id == family_id, tokens.revoked_at.is_not(None))
        )
        return bool((await self._conn.execute(query)).scalar_one())
