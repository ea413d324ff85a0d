"""A database that cannot be reached is an outage, not a bug: it becomes DatabaseUnavailable
(503 with Retry-After at the HTTP edge), logged once when it starts and once, with its
duration, when the next statement succeeds; never a traceback per request."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import psycopg
import structlog
from sqlalchemy import exc as sa

from application.errors import DatabaseUnavailable

log = structlog.get_logger()

_OUTAGE_ERRORS = (
    sa.OperationalError,  # refused, reset, server shut down, statement timeout
    sa.InterfaceError,
    sa.TimeoutError,  # no pooled connection came free in time
    psycopg.OperationalError,
    psycopg.InterfaceError,
    ConnectionError,
    TimeoutError,
)


def is_outage(error: BaseException) -> bool:
    if isinstance(error, sa.DBAPIError) and error.connection_invalidated:
        return True
    return isinstance(error, _OUTAGE_ERRORS)


class OutageLog:
    """One outage at a time per process: its start, its end, how many calls it refused."""

    def __init__(self) -> None:
        self._since: float | None = None
        self._refused = 0

    def failed(self, error: BaseException) -> None:
        self._refused += 1
        if self._since is None:
            self._since = time.monotonic()
            log.warning("database.unavailable", error=type(error).__name__)

    def recovered(self) -> None:
        if self._since is None:
            return
        seconds = round(time.monotonic() - self._since, 2)
        log.warning("database.recovered", outage_seconds=seconds, refused_calls=self._refused)
        self._since, self._refused = None, 0

    @property
    def ongoing(self) -> bool:
        return self._since is not None


DATABASE_OUTAGE = OutageLog()


def as_unavailable(error: BaseException) -> DatabaseUnavailable:
    DATABASE_OUTAGE.failed(error)
    unavailable = DatabaseUnavailable("The database cannot be reached; try again shortly.")
    unavailable.__cause__ = error
    return unavailable


@asynccontextmanager
async def outage_translated() -> AsyncIterator[None]:
    """Around one use of the database: outages come out as DatabaseUnavailable."""
    try:
        yield
    except Exception as error:
        if is_outage(error):
            raise as_unavailable(error) from error
        raise
    DATABASE_OUTAGE.recovered()
