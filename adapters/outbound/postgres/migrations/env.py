"""Alembic environment: online migrations only, with the URL handed in by `migrate()`."""

from __future__ import annotations

from alembic import context

from adapters.outbound.postgres.engine import admin_engine
from adapters.outbound.postgres.tables import metadata

config = context.config
engine = admin_engine(config.attributes["url"])

with engine.connect() as connection:
    context.configure(
        connection=connection, target_metadata=metadata, transaction_per_migration=True
    )
    with context.begin_transaction():
        # Serialise concurrent starts (several workers, tests) on one advisory lock.
        connection.exec_driver_sql("SELECT pg_advisory_xact_lock(726354190)")
        context.run_migrations()
engine.dispose()
