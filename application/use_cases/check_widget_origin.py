"""Use case: may a page on this origin use some widget at all? For CORS preflights that
carry no key (a browser client sending the key as the `X-Embed-Key` header cannot put it in
the preflight); the real request is still checked against its own embed code."""

from __future__ import annotations

import time

from application.ports.unit_of_work import UnitOfWorkFactory
from domain.embed_codes import DomainPattern, normalise_origin, origin_allowed

CACHE_SECONDS = 30.0


class CheckWidgetOrigin:
    """Active codes' allowlists are read at most every CACHE_SECONDS per process."""

    def __init__(self, uow: UnitOfWorkFactory, cache_seconds: float = CACHE_SECONDS) -> None:
        self._uow, self._cache_seconds = uow, cache_seconds
        self._allowlists: list[list[DomainPattern]] = []
        self._read_at = -float("inf")

    async def execute(self, origin: str | None, own_origins: tuple[str, ...] = ()) -> bool:
        page = normalise_origin(origin)
        if page is None:
            return False
        if page in {normalise_origin(o) for o in own_origins}:
            return True
        if time.monotonic() - self._read_at > self._cache_seconds:
            async with self._uow.system() as tx:
                self._allowlists = await tx.embed_codes.active_allowlists()
            self._read_at = time.monotonic()
        return any(origin_allowed(patterns, page) for patterns in self._allowlists)
