"""Use case: sign up, creating a workspace on the free plan with its owner."""

from __future__ import annotations

from dataclasses import dataclass

from application.ports.clock import Clock
from application.ports.password_hasher import PasswordHasher
from application.ports.unit_of_work import UnitOfWorkFactory
from application.token_pairs import TokenPair, TokenPairs
from domain.accounts import User, Workspace, check_password, clean_name, normalise_email
from domain.errors import EmailTaken
from domain.ids import UserId, WorkspaceId, new_uuid
from domain.plans import Plan
from domain.roles import Role


@dataclass(frozen=True, slots=True)
class RegisterInput:
    email: str
    password: str
    full_name: str
    workspace_name: str


@dataclass(frozen=True, slots=True)
class RegisterResult:
    user: User
    workspace: Workspace
    tokens: TokenPair


class RegisterAccount:
    """Creates a workspace and its owner, and logs the owner in."""

    def __init__(
        self, uow: UnitOfWorkFactory, hasher: PasswordHasher, pairs: TokenPairs, clock: Clock
    ) -> None:
        self._uow, self._hasher, self._pairs, self._clock = uow, hasher, pairs, clock

    async def execute(self, inp: RegisterInput) -> RegisterResult:
        email = normalise_email(inp.email)
        check_password(inp.password)
        now = self._clock.now()
        workspace = Workspace(
            WorkspaceId(new_uuid()),
            clean_name(inp.workspace_name, "workspace_name"),
            Plan.FREE,
            now,
        )
        owner = User(
            id=UserId(new_uuid()),
            workspace_id=workspace.id,
            email=email,
            full_name=clean_name(inp.full_name, "full_name"),
            password_hash=await self._hasher.hash(inp.password),
            role=Role.OWNER,
            created_at=now,
        )
        async with self._uow.system() as tx:
            if await tx.users.find_by_email(email) is not None:
                raise EmailTaken("An account with this email already exists.")
            await tx.workspaces.add(workspace)
            await tx.users.add(owner)
            tokens = await self._pairs.issue(tx, owner)
            await tx.commit()
        return RegisterResult(owner, workspace, tokens)
