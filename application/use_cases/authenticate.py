"""Use case: turn a bearer credential into a Principal."""

from __future__ import annotations

from application.ports.token_issuer import AccessClaims, TokenIssuer
from application.ports.unit_of_work import UnitOfWorkFactory
from application.principal import Principal
from application.recently_read import AccessMemory
from domain.errors import Unauthorized
from domain.ids import UserId
from domain.roles import Role
from domain.secret_keys import digest_secret_key, looks_like_secret_key


class Authenticate:
    """Secret keys are looked up on every call, so revocation is instant. An access JWT is
    checked by signature, then against stored data: the member must still exist, their role
    is the stored one (not the token's), and the log-in it belongs to must not have ended.
    That lookup is remembered for a few seconds (`AccessMemory`: forgotten at once when the
    workspace's access changes); `fresh=True` (open sockets re-checking) skips the memory."""

    def __init__(
        self, uow: UnitOfWorkFactory, issuer: TokenIssuer, memory: AccessMemory | None = None
    ) -> None:
        self._uow, self._issuer = uow, issuer
        self._memory = memory or AccessMemory()

    async def execute(self, bearer: str, *, fresh: bool = False) -> Principal:
        if not bearer:
            raise Unauthorized("Missing bearer token.")
        if looks_like_secret_key(bearer):
            async with self._uow.system() as tx:
                key = await tx.api_keys.find_active_by_digest(digest_secret_key(bearer))
            if key is None:
                raise Unauthorized("Unknown or revoked API key.")
            # A secret key acts for the workspace with admin rights, never the owner's.
            return Principal(key.workspace_id, Role.ADMIN, api_key_id=key.id)
        claims = self._issuer.read_access(bearer)
        role = await self._stored_role(claims, fresh)
        if role is None:
            raise Unauthorized("This log-in has ended or the account no longer exists.")
        return Principal(
            claims.workspace_id, role, user_id=claims.user_id, expires_at=claims.expires_at
        )

    async def _stored_role(self, claims: AccessClaims, fresh: bool) -> Role | None:
        known = None if fresh else self._memory.memberships.recall(claims)
        if known is not None:
            return known[0]  # None: no longer a member, or logged out
        role = await self._lookup(claims)
        self._memory.memberships.remember(claims, claims.workspace_id, role)
        return role

    async def _lookup(self, claims: AccessClaims) -> Role | None:
        async with self._uow.tenant(claims.workspace_id) as tx:
            user = await tx.users.get(claims.workspace_id, UserId(claims.user_id))
            if user is None:
                return None
            if claims.family_id is not None and await tx.refresh_tokens.family_revoked(
                claims.family_id
            ):
                return None
        return user.role
