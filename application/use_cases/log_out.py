"""Use case: end a login session by revoking its refresh-token family."""

from __future__ import annotations

from application.ports.clock import Clock
from application.ports.token_issuer import TokenIssuer
from application.ports.unit_of_work import UnitOfWorkFactory
from domain.errors import Unauthorized


class LogOut:
    """Idempotent: an unknown or already revoked token is simply gone already."""

    def __init__(self, uow: UnitOfWorkFactory, issuer: TokenIssuer, clock: Clock) -> None:
        self._uow, self._issuer, self._clock = uow, issuer, clock

    async def execute(self, refresh_token: str) -> None:
        try:
            claims = self._issuer.read_refresh(refresh_token)
        except Unauthorized:
            return
        async with self._uow.system() as tx:
            await tx.refresh_tokens.revoke_family(claims.family_id, self._clock.now())
            await tx.commit()
