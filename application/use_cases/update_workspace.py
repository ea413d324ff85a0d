"""Use cases: rename the workspace, change its plan."""

from __future__ import annotations

from collections.abc import Callable

from application.ports.unit_of_work import UnitOfWorkFactory
from application.principal import Principal
from application.use_cases.get_workspace import GetWorkspace, WorkspaceView
from domain.accounts import Workspace
from domain.errors import NotFound
from domain.plans import Plan
from domain.roles import Permission


class _ChangeWorkspace:
    def __init__(self, uow: UnitOfWorkFactory, reader: GetWorkspace) -> None:
        self._uow, self._reader = uow, reader

    async def _apply(
        self, principal: Principal, change: Callable[[Workspace], None]
    ) -> WorkspaceView:
        async with self._uow.tenant(principal.workspace_id) as tx:
            workspace = await tx.workspaces.get(principal.workspace_id, for_update=True)
            if workspace is None:
                raise NotFound("Workspace not found.")
            change(workspace)
            await tx.workspaces.save(workspace)
            await tx.commit()
        return await self._reader.execute(principal)


class RenameWorkspace(_ChangeWorkspace):
    """Owners and admins rename the workspace."""

    async def execute(self, principal: Principal, name: str) -> WorkspaceView:
        principal.require(Permission.MANAGE_WORKSPACE)
        return await self._apply(principal, lambda workspace: workspace.rename(name))


class ChangePlan(_ChangeWorkspace):
    """Only the owner changes the plan (a stand-in for billing); it applies at once."""

    async def execute(self, principal: Principal, plan: str) -> WorkspaceView:
        principal.require(Permission.CHANGE_PLAN)
        new_plan = Plan.parse(plan)
        return await self._apply(principal, lambda workspace: workspace.change_plan(new_plan))
