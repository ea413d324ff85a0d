"""Use case: rotate a refresh token; a spent token's reuse kills its whole family."""

from __future__ import annotations

from application.events import AccessChanged
from application.ports.clock import Clock
from application.ports.realtime import Realtime
from application.ports.token_issuer import TokenIssuer
from application.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory
from application.token_pairs import TokenPair, TokenPairs
from domain.accounts import RefreshToken
from domain.errors import Unauthorized


class RefreshSession:
    """Spends one refresh token and issues the next of its family."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        issuer: TokenIssuer,
        pairs: TokenPairs,
        clock: Clock,
        realtime: Realtime,
    ) -> None:
        self._uow, self._issuer, self._pairs, self._clock = uow, issuer, pairs, clock
        self._realtime = realtime

    async def execute(self, refresh_token: str) -> TokenPair:
        claims = self._issuer.read_refresh(refresh_token)
        async with self._uow.system() as tx:
            record = await tx.refresh_tokens.get(claims.token_id, for_update=True)
            if record is None:
                raise Unauthorized("Unknown refresh token.")
            tokens = await self._rotate(tx, record)
            await tx.commit()
        if tokens is None:
            await self._realtime.publish(AccessChanged(claims.workspace_id, "token_reused"))
            raise Unauthorized("Refresh token reused; every session of it is now revoked.")
        return tokens

    async def _rotate(self, tx: UnitOfWork, record: RefreshToken) -> TokenPair | None:
        """The next pair of the family, or None when a spent token came back (then the
        whole family is revoked: someone else holds a copy)."""
        now = self._clock.now()
        if record.is_reuse():
            await tx.refresh_tokens.revoke_family(record.family_id, now)
            return None
        user = await tx.users.get(record.workspace_id, record.user_id)
        if not record.usable(now) or user is None:
            raise Unauthorized("Refresh token expired or revoked.")
        tokens = await self._pairs.issue(tx, user, record.family_id)
        record.spend(now, tokens.refresh_token_id)
        await tx.refresh_tokens.save(record)
        return tokens
