"""Engines: the runtime one acts as the non-privileged role that row-level security binds."""

from __future__ import annotations

from sqlalchemy import create_engine
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool

APP_ROLE = "ccgpt_app"


def sqlalchemy_url(url: str) -> str:
    """`postgresql://...` (also with `?host=/socket/dir`) -> the psycopg 3 dialect."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "postgresql":
        raise ValueError("CCGPT_DATABASE_URL must be a postgresql:// URL")
    return parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)


def runtime_engine(url: str, pool_size: int = 10) -> AsyncEngine:
    return create_async_engine(
        sqlalchemy_url(url),
        pool_size=pool_size,
        max_overflow=pool_size,
        # No pre-ping: a dead pooled connection is replaced on its first exchange instead
        # (adapters/outbound/postgres/scope.py), one round trip less per transaction.
        pool_timeout=10,
        connect_args=_connect_args(),
    )


def retrieval_engine(url: str, pool_size: int = 5) -> AsyncEngine:
    """For `PostgresRetriever`, which sends each search's whole transaction (BEGIN ...
    COMMIT) as one pipeline: autocommit, so psycopg adds no BEGIN round trip of its own, and
    no ping on checkout (another round trip); the retriever replaces a broken connection."""
    return create_async_engine(
        sqlalchemy_url(url),
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_pre_ping=False,
        pool_timeout=10,
        isolation_level="AUTOCOMMIT",
        connect_args=_connect_args(),
    )


def _connect_args() -> dict[str, object]:
    return {
        # Superusers and table owners bypass RLS; the app always acts as APP_ROLE.
        # Set at connection start-up, so no rolled-back transaction can undo it.
        "options": f"-c role={APP_ROLE} -c statement_timeout=30000",
        # No server-side prepared statements: a cached generic plan would ignore later
        # planner settings, and transaction-mode poolers cannot carry them.
        "prepare_threshold": None,
        "connect_timeout": 5,
    }


def admin_engine(url: str) -> Engine:
    """For migrations: the login role, which owns the schema."""
    return create_engine(
        sqlalchemy_url(url), poolclass=NullPool, connect_args={"connect_timeout": 5}
    )
