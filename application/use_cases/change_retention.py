"""Use case: how long the workspace keeps message texts (null: forever)."""

from __future__ import annotations

from application.ports.unit_of_work import UnitOfWorkFactory
from application.principal import Principal
from application.use_cases.get_workspace import GetWorkspace, WorkspaceView
from domain.errors import NotFound
from domain.roles import Permission


class ChangeRetention:
    """Owners and admins set `retention_days`; the scheduled sweep applies it."""

    def __init__(self, uow: UnitOfWorkFactory, reader: GetWorkspace) -> None:
        self._uow, self._reader = uow, reader

    async def execute(self, principal: Principal, days: int | None) -> WorkspaceView:
        principal.require(Permission.MANAGE_WORKSPACE)
        async with self._uow.tenant(principal.workspace_id) as tx:
            workspace = await tx.workspaces.get(principal.workspace_id, for_update=True)
            if workspace is None:
                raise NotFound("Workspace not found.")
            workspace.keep_texts_for(days)
            await tx.workspaces.save(workspace)
            await tx.commit()
        return await self._reader.execute(principal)
