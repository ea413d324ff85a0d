"""Alembic environment: online migrations only, with the URL handed in by `migrate()`."""

from __future__ import annotations

from alembic import context

from adapters.outbound.postgres.engine import admin_engine
from adapters.outbound.postgres.tables import metadata

config = context.config
engine = admin_engine(config.attributes["url"])

with engine.connect() as connection:
    # One transaction for all migrations: the advisory lock below is transaction-scoped,
    # so it must be held until the last migration has run, or two processes starting
    # together on a new database would both run the later ones.
    context.configure(connection=connection, target_metadata=metadata)
    with context.begin_transaction():
        connection.exec_driver_sql("SELECT pg_advisory_xact_lock(726354190)")
        context.run_migrations()
engine.dispose()
