"""Use case: change the workspace's plan (a stand-in for billing)."""

from __future__ import annotations

from application.principal import Principal
from application.use_cases.get_workspace import WorkspaceView
from application.workspace_changes import WorkspaceChange
from domain.plans import Plan
from domain.roles import Permission


class ChangePlan(WorkspaceChange):
    """Only the owner changes the plan (a stand-in for billing); it applies at once."""

    async def execute(self, principal: Principal, plan: str) -> WorkspaceView:
        principal.require(Permission.CHANGE_PLAN)
        new_plan = Plan.parse(plan)
        return await self.apply(principal, lambda workspace: workspace.change_plan(new_plan))
