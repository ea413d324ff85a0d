"""Migration 0009's backfill gives conversations stored before it the same records the
triggers give new ones: every figure agrees."""

from __future__ import annotations

import importlib

from sqlalchemy import create_engine, text

from adapters.outbound.memory.clock import FixedClock
from adapters.outbound.postgres.analytics import PostgresAnalyticsReadModel
from adapters.outbound.postgres.conversation_archive import PostgresConversationArchive
from adapters.outbound.postgres.engine import runtime_engine, sqlalchemy_url
from adapters.outbound.postgres.question_vectors import PostgresQuestionVectors
from adapters.outbound.postgres.unit_of_work import PostgresUnitOfWorkFactory
from tests.integration.analytics_dataset import NOW, known_traffic
from tests.integration.conftest import fresh_database
from tests.integration.test_analytics_contract import ZONES, Harness, every_figure

_migration = importlib.import_module(
    "adapters.outbound.postgres.migrations.versions.0009_analytics"
)


async def test_the_backfill_rebuilds_what_the_triggers_kept(database_url: str) -> None:
    url = fresh_database(database_url)
    engine = runtime_engine(url, pool_size=2)
    uow = PostgresUnitOfWorkFactory(engine)
    harness = Harness(
        uow,
        PostgresAnalyticsReadModel(engine),
        PostgresConversationArchive(engine),
        FixedClock(NOW),
        PostgresQuestionVectors(engine),
    )
    data = await known_traffic(uow)
    kept = {tz: await every_figure(harness, data.workspace.id, tz) for tz in ZONES}
    admin = create_engine(sqlalchemy_url(url))
    with admin.begin() as conn:  # as if the conversations predated migration 0009
        conn.execute(
            text(
                "TRUNCATE analytics_visitors, analytics_sessions, analytics_questions, "
                "analytics_citations"
            )
        )
        conn.execute(text(_migration.BACKFILL))
    admin.dispose()
    try:
        for tz in ZONES:
            assert await every_figure(harness, data.workspace.id, tz) == kept[tz], tz
    finally:
        await engine.dispose()
