"""Use case: add a member (an admin or an agent) to the workspace."""

from __future__ import annotations

from dataclasses import dataclass

from application.ports.clock import Clock
from application.ports.password_hasher import PasswordHasher
from application.ports.unit_of_work import UnitOfWorkFactory
from application.principal import Principal
from domain.accounts import User, check_password, clean_name, normalise_email
from domain.errors import found
from domain.ids import UserId, new_uuid
from domain.plans import PlanCatalog
from domain.roles import Permission, Role


@dataclass(frozen=True, slots=True)
class AddMemberInput:
    email: str
    full_name: str
    role: str
    password: str


class AddMember:
    """Owners and admins add agents; only the owner makes admins. Seats follow the plan."""

    def __init__(
        self, uow: UnitOfWorkFactory, hasher: PasswordHasher, plans: PlanCatalog, clock: Clock
    ) -> None:
        self._uow, self._hasher, self._plans, self._clock = uow, hasher, plans, clock

    async def execute(self, principal: Principal, inp: AddMemberInput) -> User:
        principal.require(Permission.ADD_MEMBER)
        role = Role.parse_member_role(inp.role)
        if role is Role.ADMIN:
            principal.require(Permission.ASSIGN_ADMIN)
        email = normalise_email(inp.email)
        check_password(inp.password)
        member = User(
            id=UserId(new_uuid()),
            workspace_id=principal.workspace_id,
            email=email,
            full_name=clean_name(inp.full_name, "full_name"),
            password_hash=await self._hasher.hash(inp.password),
            role=role,
            created_at=self._clock.now(),
        )
        async with self._uow.tenant(principal.workspace_id) as tx:
            # Locking the workspace row serialises concurrent additions against the seat limit.
            held = await tx.workspaces.get(principal.workspace_id, for_update=True)
            workspace = found(held, "Workspace")
            seats = await tx.users.count(workspace.id)
            self._plans.for_plan(workspace.plan).check_can_add_seat(workspace.plan, seats)
            await tx.users.add(member)
            await tx.commit()
        return member
