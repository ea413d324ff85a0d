"""Use case: take a member out of the workspace."""

from __future__ import annotations

from application.events import AccessChanged
from application.ports.realtime import Realtime
from application.ports.unit_of_work import UnitOfWorkFactory
from application.principal import Principal
from domain.errors import NotFound
from domain.ids import UserId
from domain.roles import Permission, Role


class RemoveMember:
    """Owners and admins remove agents; only the owner removes admins; nobody removes the
    owner. The member's tokens stop working and their open sockets close."""

    def __init__(self, uow: UnitOfWorkFactory, realtime: Realtime) -> None:
        self._uow, self._realtime = uow, realtime

    async def execute(self, principal: Principal, user_id: UserId) -> None:
        principal.require(Permission.ADD_MEMBER)
        async with self._uow.tenant(principal.workspace_id) as tx:
            member = await tx.users.get(principal.workspace_id, user_id)
            if member is None:
                raise NotFound("Member not found.")
            member.check_removable()
            if member.role is Role.ADMIN:
                principal.require(Permission.ASSIGN_ADMIN)
            await tx.users.remove(principal.workspace_id, user_id)
            await tx.commit()
        event = AccessChanged(principal.workspace_id, "member_removed")
        await self._realtime.publish(event)
