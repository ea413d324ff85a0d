"""Use case: turn a bearer credential into a Principal."""

from __future__ import annotations

from application.ports.token_issuer import TokenIssuer
from application.ports.unit_of_work import UnitOfWorkFactory
from application.principal import Principal
from domain.errors import Unauthorized
from domain.roles import Role
from domain.secret_keys import digest_secret_key, looks_like_secret_key


class Authenticate:
    """JWTs are checked by signature; secret keys by lookup, so revocation is instant."""

    def __init__(self, uow: UnitOfWorkFactory, issuer: TokenIssuer) -> None:
        self._uow, self._issuer = uow, issuer

    async def execute(self, bearer: str) -> Principal:
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
        return Principal(claims.workspace_id, claims.role, user_id=claims.user_id)
