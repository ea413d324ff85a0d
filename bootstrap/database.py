"""The database: embedded or external PostgreSQL, migrated, and the async engines onto it
(one for everything, one for retrieval's one-round-trip searches: `retrieval_engine`).

A plain object the container holds as a singleton and the lifespan starts and stops, so
every provider stays synchronous (an async container resource made every dependent provider
hand back futures, and a request cancelled while one resolved logged InvalidStateError)."""

from __future__ import annotations

import asyncio

import structlog
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.outbound.postgres.engine import retrieval_engine, runtime_engine
from adapters.outbound.postgres.migrate import migrate
from bootstrap.embedded_postgres import EmbeddedPostgres
from bootstrap.settings import Settings

log = structlog.get_logger()


class Database:
    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._embedded: EmbeddedPostgres | None = None
        self._engine: AsyncEngine | None = None
        self._retrieval_engine: AsyncEngine | None = None
        self._url: str | None = None

    def current_url(self) -> str:
        """The database's URL (the embedded server's once started)."""
        if self._url is None:
            raise RuntimeError("The database is not started: the app's lifespan starts it.")
        return self._url

    @property
    def engine(self) -> AsyncEngine:
        if self._engine is None:
            raise RuntimeError("The database is not started: the app's lifespan starts it.")
        return self._engine

    @property
    def retrieval_engine(self) -> AsyncEngine:
        if self._retrieval_engine is None:
            raise RuntimeError("The database is not started: the app's lifespan starts it.")
        return self._retrieval_engine

    async def start(self) -> None:
        """Starts the embedded server when no URL is set, then migrates. Idempotent."""
        settings = self._settings
        if settings.storage != "postgres" or self._engine is not None:
            return
        url = settings.database_url
        if not url:
            self._embedded = EmbeddedPostgres(settings.data_dir)
            url = await asyncio.to_thread(self._embedded.start)
        await asyncio.to_thread(migrate, url)
        self._url = url
        self._engine = runtime_engine(url, settings.database_pool_size)
        # Searches are short: half the pool serves them (max_overflow doubles either).
        self._retrieval_engine = retrieval_engine(url, max(2, settings.database_pool_size // 2))

    async def stop(self) -> None:
        if self._engine is not None:
            await self._engine.dispose()
            self._engine = None
        if self._retrieval_engine is not None:
            await self._retrieval_engine.dispose()
            self._retrieval_engine = None
        if self._embedded is not None:
            await asyncio.to_thread(self._embedded.stop)
            self._embedded = None
