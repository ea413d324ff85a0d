"""Use case: exchange email and password for a token pair."""

from __future__ import annotations

from dataclasses import dataclass

from application.ports.password_hasher import PasswordHasher
from application.ports.rate_limiter import RateLimit, RateLimiter
from application.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory
from application.token_pairs import TokenPair, TokenPairs
from domain.accounts import User
from domain.errors import InvalidCredentials, RateLimited


@dataclass(frozen=True, slots=True)
class LogInInput:
    email: str
    password: str
    client_ip: str


class LogIn:
    """Checks credentials; repeated failures per IP or per account are refused for a while."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        hasher: PasswordHasher,
        pairs: TokenPairs,
        limiter: RateLimiter,
        failure_limit: RateLimit,
    ) -> None:
        self._uow, self._hasher, self._pairs = uow, hasher, pairs
        self._limiter, self._limit = limiter, failure_limit

    async def execute(self, inp: LogInInput) -> TokenPair:
        email = inp.email.strip().lower()
        keys = (f"login:ip:{inp.client_ip}", f"login:account:{email}")
        await self._refuse_when_exhausted(keys)
        async with self._uow.system() as tx:
            user = await tx.users.find_by_email(email)
            if not await self._hasher.verify(user.password_hash if user else None, inp.password):
                for key in keys:
                    await self._limiter.hit(key, self._limit)
                raise InvalidCredentials("Email or password is wrong.")
            assert user is not None
            await self._upgrade_hash(tx, user, inp.password)
            tokens = await self._pairs.issue(tx, user)
            await tx.commit()
        return tokens

    async def _refuse_when_exhausted(self, keys: tuple[str, ...]) -> None:
        for key in keys:
            state = await self._limiter.peek(key, self._limit)
            if state.remaining <= 0:
                raise RateLimited(
                    "Too many failed log-ins; try again later.",
                    retry_after=state.reset_after,
                    limit=state.limit,
                    remaining=0,
                )

    async def _upgrade_hash(self, tx: UnitOfWork, user: User, password: str) -> None:
        """Re-hash with the current parameters once the password is known to be right."""
        if self._hasher.needs_rehash(user.password_hash):
            new_hash = await self._hasher.hash(password)
            await tx.users.set_password_hash(user.workspace_id, user.id, new_hash)
