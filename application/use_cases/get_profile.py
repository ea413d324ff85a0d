"""Use case: who am I (`GET /me`)."""

from __future__ import annotations

from dataclasses import dataclass

from application.ports.unit_of_work import UnitOfWorkFactory
from application.principal import Principal
from application.recently_read import AccessMemory
from domain.accounts import User, Workspace
from domain.errors import Unauthorized
from domain.roles import Role


@dataclass(frozen=True, slots=True)
class Profile:
    user: User | None
    workspace: Workspace
    role: Role


class GetProfile:
    """The caller's user (none for an API key), workspace and role (the stored role the
    caller was authenticated with). Remembered for a few seconds (`AccessMemory`)."""

    def __init__(self, uow: UnitOfWorkFactory, memory: AccessMemory | None = None) -> None:
        self._uow, self._memory = uow, memory or AccessMemory(seconds=0)

    async def execute(self, principal: Principal) -> Profile:
        key = (principal.workspace_id, principal.user_id)
        known = self._memory.profiles.recall(key)
        if known is not None:
            user, workspace = known[0]
            return Profile(user, workspace, principal.role)
        async with self._uow.tenant(principal.workspace_id) as tx:
            found_workspace = await tx.workspaces.get(principal.workspace_id)
            user = None
            if principal.user_id is not None:
                user = await tx.users.get(principal.workspace_id, principal.user_id)
                if user is None:
                    raise Unauthorized("This account no longer exists.")
        if found_workspace is None:
            raise Unauthorized("This workspace no longer exists.")
        self._memory.profiles.remember(key, principal.workspace_id, (user, found_workspace))
        return Profile(user, found_workspace, principal.role)
