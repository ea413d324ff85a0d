"""Use case: rename the workspace."""

from __future__ import annotations

from application.principal import Principal
from application.use_cases.get_workspace import WorkspaceView
from application.workspace_changes import WorkspaceChange
from domain.roles import Permission


class RenameWorkspace(WorkspaceChange):
    """Owners and admins rename the workspace."""

    async def execute(self, principal: Principal, name: str) -> WorkspaceView:
        principal.require(Permission.MANAGE_WORKSPACE)
        return await self.apply(principal, lambda workspace: workspace.rename(name))
