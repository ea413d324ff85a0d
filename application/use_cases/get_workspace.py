"""Use case: read the workspace with its plan limits and usage."""

from __future__ import annotations

from dataclasses import dataclass, replace

from application.ports.clock import Clock
from application.ports.unit_of_work import UnitOfWorkFactory
from application.principal import Principal
from domain.accounts import Workspace
from domain.errors import NotFound
from domain.plans import PlanCatalog, PlanLimits, Usage, billing_month
from domain.roles import Permission


@dataclass(frozen=True, slots=True)
class WorkspaceView:
    workspace: Workspace
    limits: PlanLimits
    usage: Usage


class GetWorkspace:
    """Any member may see the workspace, its limits and what it uses."""

    def __init__(self, uow: UnitOfWorkFactory, plans: PlanCatalog, clock: Clock) -> None:
        self._uow, self._plans, self._clock = uow, plans, clock

    async def execute(self, principal: Principal) -> WorkspaceView:
        principal.require(Permission.READ_WORKSPACE)
        async with self._uow.tenant(principal.workspace_id) as tx:
            workspace = await tx.workspaces.get(principal.workspace_id)
            if workspace is None:
                raise NotFound("Workspace not found.")
            usage = await tx.workspaces.usage(principal.workspace_id)
            month = billing_month(self._clock.now())
            usage = replace(
                usage,
                messages_this_month=await tx.usage.messages(workspace.id, month),
                embed_codes=await tx.embed_codes.count(workspace.id),
            )
        return WorkspaceView(workspace, self._plans.for_plan(workspace.plan), usage)
