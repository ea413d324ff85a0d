"""Use case: who am I (`GET /me`)."""

from __future__ import annotations

from dataclasses import dataclass

from application.ports.unit_of_work import UnitOfWorkFactory
from application.principal import Principal
from domain.accounts import User, Workspace
from domain.errors import Unauthorized
from domain.roles import Role


@dataclass(frozen=True, slots=True)
class Profile:
    user: User | None
    workspace: Workspace
    role: Role


class GetProfile:
    """The caller's user (none for an API key), workspace and role."""

    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def execute(self, principal: Principal) -> Profile:
        async with self._uow.tenant(principal.workspace_id) as tx:
            workspace = await tx.workspaces.get(principal.workspace_id)
            user = None
            if principal.user_id is not None:
                user = await tx.users.get(principal.workspace_id, principal.user_id)
                if user is None:
                    raise Unauthorized("This account no longer exists.")
        if workspace is None:
            raise Unauthorized("This workspace no longer exists.")
        return Profile(user, workspace, principal.role)
