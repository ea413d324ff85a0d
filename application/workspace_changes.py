"""The one way the workspace record is changed: under its lock, then read back as the
workspace view (plan, limits, usage)."""

from __future__ import annotations

from collections.abc import Callable

from application.ports.unit_of_work import UnitOfWorkFactory
from application.principal import Principal
from application.recently_read import AccessMemory
from application.use_cases.get_workspace import GetWorkspace, WorkspaceView
from domain.accounts import Workspace
from domain.errors import found


class WorkspaceChange:
    """Base of the use cases that change the workspace record."""

    def __init__(
        self, uow: UnitOfWorkFactory, reader: GetWorkspace, memory: AccessMemory | None = None
    ) -> None:
        self._uow, self._reader, self._memory = uow, reader, memory

    async def apply(
        self, principal: Principal, change: Callable[[Workspace], None]
    ) -> WorkspaceView:
        async with self._uow.tenant(principal.workspace_id) as tx:
            held = await tx.workspaces.get(principal.workspace_id, for_update=True)
            workspace = found(held, "Workspace")
            change(workspace)
            await tx.workspaces.save(workspace)
            await tx.commit()
        if self._memory is not None:  # its name and plan, as `GET /me` shows them
            self._memory.profiles.forget(principal.workspace_id)
        return await self._reader.execute(principal)
