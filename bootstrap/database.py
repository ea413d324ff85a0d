"""The database resource: embedded or external PostgreSQL, migrated, as an async engine."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import structlog
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.outbound.postgres.engine import runtime_engine
from adapters.outbound.postgres.migrate import migrate
from bootstrap.embedded_postgres import EmbeddedPostgres
from bootstrap.settings import Settings

log = structlog.get_logger()


async def database_engine(settings: Settings) -> AsyncIterator[AsyncEngine | None]:
    """Starts the embedded server when no URL is set, migrates, and tears down in order."""
    if settings.storage != "postgres":
        yield None
        return
    embedded = EmbeddedPostgres(settings.data_dir) if not settings.database_url else None
    url = await asyncio.to_thread(embedded.start) if embedded else settings.database_url
    assert url is not None
    engine = None
    try:
        await asyncio.to_thread(migrate, url)
        engine = runtime_engine(url, settings.database_pool_size)
        yield engine
    finally:
        if engine is not None:
            await engine.dispose()
        if embedded is not None:
            await asyncio.to_thread(embedded.stop)
