"""UserRepository port."""

from __future__ import annotations

from typing import Protocol

from application.pagination import Page, PageRequest
from domain.accounts import User
from domain.ids import UserId, WorkspaceId


class UserRepository(Protocol):
    """Members of workspaces. Emails are unique across all workspaces."""

    async def add(self, user: User) -> None:
        """Raises EmailTaken when the email is already registered."""
        ...

    async def get(self, workspace_id: WorkspaceId, user_id: UserId) -> User | None: ...

    async def find_by_email(self, email: str) -> User | None:
        """Cross-workspace lookup for log-in; needs a system-scoped unit of work."""
        ...

    async def list(self, workspace_id: WorkspaceId, page: PageRequest) -> Page[User]: ...

    async def count(self, workspace_id: WorkspaceId) -> int: ...

    async def save(self, user: User) -> None:
        """Stores a changed member (their role)."""
        ...

    async def remove(self, workspace_id: WorkspaceId, user_id: UserId) -> None:
        """Deletes the member and their refresh tokens."""
        ...

    async def set_password_hash(
        self, workspace_id: WorkspaceId, user_id: UserId, password_hash: str
    ) -> None: ...
