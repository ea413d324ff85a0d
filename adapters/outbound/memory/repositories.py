"""In-memory repositories: the same contract as the PostgreSQL ones, for tests and demos."""

from __future__ import annotations

import copy
import uuid
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import TypeVar

from adapters.outbound.memory.store import ScopedRepository
from application.pagination import Cursor, Page, PageRequest
from domain.accounts import ApiKey, RefreshToken, User, Workspace
from domain.errors import EmailTaken
from domain.ids import ApiKeyId, TokenFamilyId, TokenId, UserId, WorkspaceId
from domain.plans import Usage

T = TypeVar("T")


def paginate(rows: Iterable[T], page: PageRequest, key: Callable[[T], Cursor]) -> Page[T]:
    def position(row: T) -> tuple[datetime, uuid.UUID]:
        return key(row).created_at, key(row).id

    ordered = sorted(rows, key=position, reverse=page.newest_first)
    if page.after is not None:
        after = (page.after.created_at, page.after.id)
        ordered = [
            row
            for row in ordered
            if (position(row) < after if page.newest_first else position(row) > after)
        ]
    items = [copy.deepcopy(row) for row in ordered[: page.limit]]
    more = len(ordered) > page.limit
    return Page(items, key(items[-1]).encode() if more and items else None)


class InMemoryWorkspaceRepository(ScopedRepository):
    async def add(self, workspace: Workspace) -> None:
        self._check(workspace.id)
        self._store.workspaces[workspace.id] = copy.deepcopy(workspace)

    async def get(self, workspace_id: WorkspaceId, *, for_update: bool = False) -> Workspace | None:
        return (
            copy.deepcopy(self._store.workspaces.get(workspace_id))
            if self._sees(workspace_id)
            else None
        )

    async def save(self, workspace: Workspace) -> None:
        if self._sees(workspace.id):
            self._store.workspaces[workspace.id] = copy.deepcopy(workspace)

    async def usage(self, workspace_id: WorkspaceId) -> Usage:
        seats = len([ws for ws, _ in self._store.users if ws == workspace_id and self._sees(ws)])
        documents = [
            d
            for (ws, _), d in self._store.documents.items()
            if ws == workspace_id and self._sees(ws)
        ]
        return Usage(
            documents=len(documents),
            storage_bytes=sum(d.size_bytes for d in documents),
            seats=seats,
        )


class InMemoryUserRepository(ScopedRepository):
    async def add(self, user: User) -> None:
        self._check(user.workspace_id)
        if any(u.email == user.email for u in self._store.users.values()):
            raise EmailTaken("An account with this email already exists.")
        self._store.users[(user.workspace_id, user.id)] = copy.deepcopy(user)

    async def get(self, workspace_id: WorkspaceId, user_id: UserId) -> User | None:
        return (
            copy.deepcopy(self._store.users.get((workspace_id, user_id)))
            if self._sees(workspace_id)
            else None
        )

    async def find_by_email(self, email: str) -> User | None:
        users = (u for u in self._store.users.values() if self._sees(u.workspace_id))
        found = next((u for u in users if u.email == email), None)
        return copy.deepcopy(found)

    async def list(self, workspace_id: WorkspaceId, page: PageRequest) -> Page[User]:
        rows = [
            u for (ws, _), u in self._store.users.items() if ws == workspace_id and self._sees(ws)
        ]
        return paginate(rows, page, lambda u: Cursor(u.created_at, u.id))

    async def count(self, workspace_id: WorkspaceId) -> int:
        return len([ws for ws, _ in self._store.users if ws == workspace_id and self._sees(ws)])

    async def save(self, user: User) -> None:
        key = (user.workspace_id, user.id)
        if self._sees(user.workspace_id) and key in self._store.users:
            self._store.users[key] = copy.deepcopy(user)

    async def remove(self, workspace_id: WorkspaceId, user_id: UserId) -> None:
        if not self._sees(workspace_id):
            return
        self._store.users.pop((workspace_id, user_id), None)
        tokens = self._store.refresh_tokens
        for token_id in [i for i, tok in tokens.items() if tok.user_id == user_id]:
            del tokens[token_id]

    async def set_password_hash(
        self, workspace_id: WorkspaceId, user_id: UserId, password_hash: str
    ) -> None:
        user = self._store.users.get((workspace_id, user_id))
        if user is not None and self._sees(workspace_id):
            user.password_hash = password_hash


class InMemoryApiKeyRepository(ScopedRepository):
    async def add(self, key: ApiKey) -> None:
        self._check(key.workspace_id)
        self._store.api_keys[(key.workspace_id, key.id)] = copy.deepcopy(key)

    async def get(self, workspace_id: WorkspaceId, key_id: ApiKeyId) -> ApiKey | None:
        return (
            copy.deepcopy(self._store.api_keys.get((workspace_id, key_id)))
            if self._sees(workspace_id)
            else None
        )

    async def list_active(self, workspace_id: WorkspaceId, page: PageRequest) -> Page[ApiKey]:
        rows = [
            k
            for (ws, _), k in self._store.api_keys.items()
            if ws == workspace_id and k.active and self._sees(ws)
        ]
        return paginate(rows, page, lambda k: Cursor(k.created_at, k.id))

    async def save(self, key: ApiKey) -> None:
        if self._sees(key.workspace_id) and (key.workspace_id, key.id) in self._store.api_keys:
            self._store.api_keys[(key.workspace_id, key.id)] = copy.deepcopy(key)

    async def find_active_by_digest(self, key_hash: str) -> ApiKey | None:
        keys = (k for k in self._store.api_keys.values() if self._sees(k.workspace_id))
        found = (k for k in keys if k.key_hash == key_hash and k.active)
        return copy.deepcopy(next(found, None))


class InMemoryRefreshTokenRepository(ScopedRepository):
    async def add(self, token: RefreshToken) -> None:
        self._store.refresh_tokens[token.id] = copy.deepcopy(token)

    async def get(self, token_id: TokenId, *, for_update: bool = False) -> RefreshToken | None:
        return copy.deepcopy(self._store.refresh_tokens.get(token_id))

    async def save(self, token: RefreshToken) -> None:
        self._store.refresh_tokens[token.id] = copy.deepcopy(token)

    async def revoke_family(self, family_id: TokenFamilyId, now: datetime) -> None:
        for token in self._store.refresh_tokens.values():
            if token.family_id == family_id and token.revoked_at is None:
                token.revoked_at = now

    async def family_revoked(self, family_id: TokenFamilyId) -> bool:
        return any(
            token.family_id == family_id and token.revoked_at is not None
            for token in self._store.refresh_tokens.values()
            if self._sees(token.workspace_id)
        )
