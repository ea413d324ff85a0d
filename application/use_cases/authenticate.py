"""Use case: turn a bearer credential into a Principal."""

from __future__ import annotations

import time
from dataclasses import dataclass

from application.ports.token_issuer import AccessClaims, TokenIssuer
from application.ports.unit_of_work import UnitOfWorkFactory
from application.principal import Principal
from domain.errors import Unauthorized
from domain.ids import UserId
from domain.roles import Role
from domain.secret_keys import digest_secret_key, looks_like_secret_key

MEMBERSHIP_CACHE_SECONDS = 5.0
_CACHE_ENTRIES = 10_000


@dataclass(frozen=True, slots=True)
class _Membership:
    role: Role | None  # None: no longer a member, or logged out
    checked_at: float


class Authenticate:
    """Secret keys are looked up on every call, so revocation is instant. An access JWT is
    checked by signature, then against stored data: the member must still exist, their role
    is the stored one (not the token's), and the log-in it belongs to must not have ended.
    That lookup is remembered for a few seconds, so a change applies within seconds;
    `fresh=True` (open sockets re-checking) skips the memory."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        issuer: TokenIssuer,
        cache_seconds: float = MEMBERSHIP_CACHE_SECONDS,
    ) -> None:
        self._uow, self._issuer, self._cache_seconds = uow, issuer, cache_seconds
        self._memberships: dict[AccessClaims, _Membership] = {}

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
        now = time.monotonic()
        known = self._memberships.get(claims)
        if not fresh and known is not None and now - known.checked_at < self._cache_seconds:
            return known.role
        role = await self._lookup(claims)
        if len(self._memberships) >= _CACHE_ENTRIES:
            self._memberships.clear()
        self._memberships[claims] = _Membership(role, now)
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
