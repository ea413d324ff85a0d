"""WorkspaceRepository port."""

from __future__ import annotations

from typing import Protocol

from domain.accounts import Workspace
from domain.ids import WorkspaceId
from domain.plans import Usage


class WorkspaceRepository(Protocol):
    """Workspaces, addressed by their own id."""

    async def add(self, workspace: Workspace) -> None: ...

    async def get(self, workspace_id: WorkspaceId, *, for_update: bool = False) -> Workspace | None:
        """With `for_update`, later writers to this workspace wait for this transaction."""
        ...

    async def save(self, workspace: Workspace) -> None: ...

    async def usage(self, workspace_id: WorkspaceId) -> Usage:
        """Counts of everything the plan limits, as stored now."""
        ...
