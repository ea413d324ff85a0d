"""PasswordHasher port."""

from __future__ import annotations

from typing import Protocol


class PasswordHasher(Protocol):
    """Slow, salted password hashing, done off the event loop."""

    async def hash(self, password: str) -> str: ...

    async def verify(self, password_hash: str | None, password: str) -> bool:
        """False on mismatch; with no hash, spends the same time and answers False."""
        ...

    def needs_rehash(self, password_hash: str) -> bool: ...
