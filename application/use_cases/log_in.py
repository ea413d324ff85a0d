"""Use case: exchange email and password for a token pair."""

from __future__ import annotations

from dataclasses import dataclass

from application.ports.password_hasher import PasswordHasher
from application.ports.rate_limiter import RateLimit, RateLimiter, refused
from application.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory
from application.token_pairs import TokenPair, TokenPairs
from domain.accounts import User
from domain.errors import InvalidCredentials


@dataclass(frozen=True, slots=True)
class LogInInput:
    email: str
    password: str
    client_ip: str


class LogIn:
    """Checks credentials. Every attempt counts against limits per IP and per account,
    taken before the slow password check, so a burst of parallel guesses cannot outrun it."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        hasher: PasswordHasher,
        pairs: TokenPairs,
        limiter: RateLimiter,
        attempt_limit: RateLimit,
    ) -> None:
        self._uow, self._hasher, self._pairs = uow, hasher, pairs
        self._limiter, self._limit = limiter, attempt_limit

    async def execute(self, inp: LogInInput) -> TokenPair:
        email = inp.email.strip().lower()
        await self._count_attempt((f"login:ip:{inp.client_ip}", f"login:account:{email}"))
        async with self._uow.system() as tx:
            user = await tx.users.find_by_email(email)
            if not await self._hasher.verify(user.password_hash if user else None, inp.password):
                raise InvalidCredentials("Email or password is wrong.")
            assert user is not None
            await self._upgrade_hash(tx, user, inp.password)
            tokens = await self._pairs.issue(tx, user)
            await tx.commit()
        return tokens

    async def _count_attempt(self, keys: tuple[str, ...]) -> None:
        for key in keys:
            decision = await self._limiter.hit(key, self._limit)
            if not decision.allowed:
                raise refused(decision, "Too many log-in attempts; try again later.")

    async def _upgrade_hash(self, tx: UnitOfWork, user: User, password: str) -> None:
        """Re-hash with the current parameters once the password is known to be right."""
        if self._hasher.needs_rehash(user.password_hash):
            new_hash = await self._hasher.hash(password)
            await tx.users.set_password_hash(user.workspace_id, user.id, new_hash)
