"""The caller, the workspace, its plan and members."""

from __future__ import annotations

import uuid

import msgspec
from litestar import Controller, delete, get, patch, post, put
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody

from adapters.inbound.http.schemas import auth as a
from adapters.inbound.http.schemas import workspace as ws
from application.pagination import PageRequest
from application.principal import Principal
from application.use_cases.add_member import AddMember, AddMemberInput
from application.use_cases.change_member_role import ChangeMemberRole, ChangeMemberRoleInput
from application.use_cases.change_plan import ChangePlan
from application.use_cases.change_retention import ChangeRetention
from application.use_cases.get_profile import GetProfile
from application.use_cases.get_workspace import GetWorkspace
from application.use_cases.list_members import ListMembers
from application.use_cases.remove_member import RemoveMember
from application.use_cases.rename_workspace import RenameWorkspace
from domain.errors import ValidationFailed
from domain.ids import UserId


class MeController(Controller):
    path = "/api/v1/me"
    tags = ["accounts"]

    @get()
    async def me(
        self, principal: NamedDependency[Principal], get_profile: NamedDependency[GetProfile]
    ) -> ws.MeOut:
        profile = await get_profile.execute(principal)
        return ws.MeOut(
            user=a.user_out(profile.user) if profile.user else None,
            workspace=a.workspace_ref(profile.workspace),
            role=profile.role.value,
        )


class WorkspaceController(Controller):
    path = "/api/v1/workspace"
    tags = ["workspace"]

    @get()
    async def read(
        self, principal: NamedDependency[Principal], get_workspace: NamedDependency[GetWorkspace]
    ) -> ws.WorkspaceOut:
        return ws.workspace_out(await get_workspace.execute(principal))

    @patch()
    async def rename(
        self,
        data: JSONBody[ws.WorkspacePatch],
        principal: NamedDependency[Principal],
        rename_workspace: NamedDependency[RenameWorkspace],
        change_retention: NamedDependency[ChangeRetention],
    ) -> ws.WorkspaceOut:
        """Rename the workspace and/or set `retention_days` (null: keep texts forever)."""
        view = None
        if data.retention_days is not msgspec.UNSET:
            view = await change_retention.execute(principal, data.retention_days)
        if data.name is not msgspec.UNSET:
            view = await rename_workspace.execute(principal, data.name)
        if view is None:
            raise ValidationFailed.on("body", "needs name or retention_days")
        return ws.workspace_out(view)

    @put("/plan")
    async def change_plan(
        self,
        data: JSONBody[ws.PlanBody],
        principal: NamedDependency[Principal],
        change_plan: NamedDependency[ChangePlan],
    ) -> ws.WorkspaceOut:
        return ws.workspace_out(await change_plan.execute(principal, data.plan))

    @get("/members")
    async def members(
        self,
        principal: NamedDependency[Principal],
        list_members: NamedDependency[ListMembers],
        limit: FromQuery[int | None] = None,
        cursor: FromQuery[str | None] = None,
    ) -> ws.MemberPage:
        page = await list_members.execute(principal, PageRequest.parse(limit, cursor))
        return ws.MemberPage.of(page, ws.member_out)

    @post("/members", status_code=201)
    async def add_member(
        self,
        data: JSONBody[ws.MemberBody],
        principal: NamedDependency[Principal],
        add_member: NamedDependency[AddMember],
    ) -> ws.MemberOut:
        inp = AddMemberInput(data.email, data.full_name, data.role, data.password)
        return ws.member_out(await add_member.execute(principal, inp))

    @patch("/members/{user_id:uuid}")
    async def change_member_role(
        self,
        user_id: FromPath[uuid.UUID],
        data: JSONBody[ws.MemberRolePatch],
        principal: NamedDependency[Principal],
        change_member_role: NamedDependency[ChangeMemberRole],
    ) -> ws.MemberOut:
        """Owner only: make a member an admin or an agent (the owner's role never changes)."""
        inp = ChangeMemberRoleInput(UserId(user_id), data.role)
        return ws.member_out(await change_member_role.execute(principal, inp))

    @delete("/members/{user_id:uuid}", status_code=204)
    async def remove_member(
        self,
        user_id: FromPath[uuid.UUID],
        principal: NamedDependency[Principal],
        remove_member: NamedDependency[RemoveMember],
    ) -> None:
        """Owners and admins remove agents; only the owner removes admins."""
        await remove_member.execute(principal, UserId(user_id))
