"""Use case: the owner makes a member an admin or an agent."""

from __future__ import annotations

from dataclasses import dataclass

from application.events import AccessChanged
from application.ports.realtime import Realtime
from application.ports.unit_of_work import UnitOfWorkFactory
from application.principal import Principal
from domain.accounts import User
from domain.errors import NotFound
from domain.ids import UserId
from domain.roles import Permission, Role


@dataclass(frozen=True, slots=True)
class ChangeMemberRoleInput:
    user_id: UserId
    role: str


class ChangeMemberRole:
    """Only the owner hands out roles. The new role applies to the member's next request
    (within seconds), and their open sockets re-check it at once."""

    def __init__(self, uow: UnitOfWorkFactory, realtime: Realtime) -> None:
        self._uow, self._realtime = uow, realtime

    async def execute(self, principal: Principal, inp: ChangeMemberRoleInput) -> User:
        principal.require(Permission.ASSIGN_ADMIN)
        role = Role.parse_member_role(inp.role)
        async with self._uow.tenant(principal.workspace_id) as tx:
            member = await tx.users.get(principal.workspace_id, inp.user_id)
            if member is None:
                raise NotFound("Member not found.")
            member.change_role(role)
            await tx.users.save(member)
            await tx.commit()
        event = AccessChanged(principal.workspace_id, "role_changed")
        await self._realtime.publish(event)
        return member
