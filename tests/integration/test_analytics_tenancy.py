"""Row-level security covers the analytics records: a tenant's transaction sees only its own."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.outbound.postgres.question_vectors import PostgresQuestionVectors
from adapters.outbound.postgres.unit_of_work import PostgresUnitOfWorkFactory
from tests.integration.analytics_dataset import known_traffic
from tests.integration.test_row_level_security import scope_to

# A failure here loses data, lets someone in, or stops answers.
pytestmark = pytest.mark.critical

ANALYTICS_TABLES = (
    "analytics_visitors",
    "analytics_sessions",
    "analytics_questions",
    "analytics_citations",
    "analytics_question_vectors",
)


async def test_analytics_records_stay_in_their_tenant(engine: AsyncEngine) -> None:
    uow, vectors = PostgresUnitOfWorkFactory(engine), PostgresQuestionVectors(engine)
    first, second = await known_traffic(uow), await known_traffic(uow)
    for data in (first, second):
        await vectors.save(data.workspace.id, "m", {"hello": [1.0] + [0.0] * 383})
    async with engine.connect() as conn, conn.begin():
        await scope_to(conn, first.workspace.id)
        for table in ANALYTICS_TABLES:
            seen = await conn.execute(text(f"SELECT DISTINCT workspace_id FROM {table}"))
            assert seen.scalars().all() == [first.workspace.id], table
    async with engine.connect() as conn, conn.begin():
        await scope_to(conn, None)
        for table in ANALYTICS_TABLES:
            assert (await conn.execute(text(f"SELECT count(*) FROM {table}"))).scalar() == 0
    async with engine.connect() as conn, conn.begin():
        await scope_to(conn, first.workspace.id)
        with pytest.raises(DBAPIError, match="row-level security"):
            await conn.execute(
                text("INSERT INTO analytics_question_vectors VALUES (:ws, 'm', 'x', :v)"),
                {"ws": second.workspace.id, "v": "[" + ",".join(["0.1"] * 384) + "]"},
            )
