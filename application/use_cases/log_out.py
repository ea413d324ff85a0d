"""Use case: end a login session by revoking its refresh-token family."""

from __future__ import annotations

from application.events import AccessChanged
from application.ports.clock import Clock
from application.ports.realtime import Realtime
from application.ports.token_issuer import TokenIssuer
from application.ports.unit_of_work import UnitOfWorkFactory
from domain.errors import Unauthorized


class LogOut:
    """Idempotent: an unknown or already revoked token is simply gone already. The access
    tokens of the log-in stop working too, and sockets opened with them close."""

    def __init__(
        self, uow: UnitOfWorkFactory, issuer: TokenIssuer, clock: Clock, realtime: Realtime
    ) -> None:
        self._uow, self._issuer, self._clock, self._realtime = uow, issuer, clock, realtime

    async def execute(self, refresh_token: str) -> None:
        try:
            claims = self._issuer.read_refresh(refresh_token)
        except Unauthorized:
            return
        async with self._uow.system() as tx:
            await tx.refresh_tokens.revoke_family(claims.family_id, self._clock.now())
            await tx.commit()
        await self._realtime.publish(AccessChanged(claims.workspace_id, "logged_out"))
