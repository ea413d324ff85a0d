"""Migrations 0012, 0014 and 0016 give chunks stored before them their terms, document
frequencies, term counts and postings, and downgrade cleanly."""

from __future__ import annotations

import uuid

from alembic import command
from sqlalchemy import create_engine, text

from adapters.outbound.postgres.engine import retrieval_engine, sqlalchemy_url
from adapters.outbound.postgres.migrate import alembic_config, migrate
from adapters.outbound.postgres.retriever import PostgresRetriever
from domain.ids import WorkspaceId
from domain.search_terms import TermCounts
from tests.integration.conftest import fresh_database

TEXTS = ["Error E-2047: the pump is blocked.", "Pumps need firmware 4.5.4.", "Gift cards"]


async def test_chunks_from_before_the_migration_are_found_by_their_terms(
    database_url: str,
) -> None:
    url = fresh_database(database_url)
    command.downgrade(alembic_config(url), "0011")
    ws, doc = uuid.uuid4(), uuid.uuid4()
    admin = create_engine(sqlalchemy_url(url))
    with admin.begin() as conn:  # as if these chunks predated migration 0012
        conn.execute(
            text(
                "INSERT INTO workspaces (id, name, plan, created_at)"
                " VALUES (:ws, 'W', 'pro', now())"
            ),
            {"ws": ws},
        )
        conn.execute(
            text(
                "INSERT INTO documents (id, workspace_id, title, filename, mime_type, size_bytes,"
                " checksum, status, chunk_count, created_at, updated_at) VALUES (:doc, :ws, 'D',"
                " 'd.txt', 'text/plain', 1, 'x', 'ready', 3, now(), now())"
            ),
            {"ws": ws, "doc": doc},
        )
        for ordinal, body in enumerate(TEXTS):
            conn.execute(
                text(
                    "INSERT INTO chunks (id, workspace_id, document_id, ordinal, text, heading,"
                    " token_count, embedding) VALUES (gen_random_uuid(), :ws, :doc, :o, :t,"
                    " 'Help', 5, CAST(array_fill(0.05, ARRAY[384]) AS vector))"
                ),
                {"ws": ws, "doc": doc, "o": ordinal, "t": body},
            )
    admin.dispose()
    migrate(url)
    engine = retrieval_engine(url, pool_size=2)
    try:
        retriever = PostgresRetriever(engine)
        found = await retriever.candidates(WorkspaceId(ws), ["pump", "e-2047", "help"], None, 5)
        stats = found.statistics
        assert (stats.chunks, dict(stats.document_frequency)) == (
            3,
            {"pump": 2, "e-2047": 1, "help": 3},
        )
        found = await retriever.candidates(WorkspaceId(ws), ["4.5.4"], None, 5)
        assert [f.text for f in found.matching] == [TEXTS[1]]
        # Migration 0014 counted them: "Help", "pumps need firmware 4.5.4" and its parts.
        assert found.counts[found.matching[0].chunk_id] == TermCounts(8, {"4.5.4": 1})
        found = await retriever.candidates(WorkspaceId(ws), ["pump"], None, 5)
        assert {found.counts[f.chunk_id]["pump"] for f in found.matching} == {1}
    finally:
        await engine.dispose()


async def _found_texts(url: str, ws: uuid.UUID, terms: list[str]) -> list[str]:
    engine = retrieval_engine(url, pool_size=2)
    try:
        found = await PostgresRetriever(engine).candidates(WorkspaceId(ws), terms, None, 5)
        return sorted(f.text for f in found.matching)
    finally:
        await engine.dispose()


async def test_the_postings_table_follows_chunks_and_survives_a_round_trip_of_migrations(
    database_url: str,
) -> None:
    url = fresh_database(database_url)
    command.downgrade(alembic_config(url), "0015")  # chunks stored before the table
    ws, doc, gone = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    admin = create_engine(sqlalchemy_url(url))
    with admin.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO workspaces (id, name, plan, created_at)"
                " VALUES (:ws, 'W', 'pro', now())"
            ),
            {"ws": ws},
        )
        for document in (doc, gone):
            conn.execute(
                text(
                    "INSERT INTO documents (id, workspace_id, title, filename, mime_type,"
                    " size_bytes, checksum, status, chunk_count, created_at, updated_at) VALUES"
                    " (:doc, :ws, 'D', 'd.txt', 'text/plain', 1, CAST(:doc AS text), 'ready', 1,"
                    " now(), now())"
                ),
                {"ws": ws, "doc": document},
            )
        for document, body, terms in (
            (doc, TEXTS[0], ["error", "e-2047", "pump", "block"]),
            (gone, TEXTS[1], ["pump", "need", "firmware", "4.5.4"]),
        ):
            conn.execute(
                text(
                    "INSERT INTO chunks (id, workspace_id, document_id, ordinal, text, token_count,"
                    " embedding, terms, term_counts) VALUES (gen_random_uuid(), :ws, :doc, 0, :t,"
                    " 5, CAST(array_fill(0.05, ARRAY[384]) AS vector), :terms,"
                    " array_fill(1, ARRAY[cardinality(CAST(:terms AS text[]))]))"
                ),
                {"ws": ws, "doc": document, "t": body, "terms": terms},
            )
    migrate(url)  # 0016 copies the chunks' terms into the postings
    assert await _found_texts(url, ws, ["pump"]) == sorted(TEXTS[:2])
    with admin.begin() as conn:  # a document's deletion cascades to its chunks' postings
        conn.execute(text("SELECT set_config('ccgpt.scope', 'system', true)"))
        conn.execute(text("DELETE FROM documents WHERE id = :doc"), {"doc": gone})
        left = conn.execute(
            text("SELECT count(*) FROM chunk_postings WHERE workspace_id = :ws"), {"ws": ws}
        ).scalar()
    assert left == 4
    assert await _found_texts(url, ws, ["pump"]) == [TEXTS[0]]
    command.downgrade(alembic_config(url), "0015")  # back to the GIN index and its function
    with admin.begin() as conn:
        conn.execute(text("SELECT set_config('ccgpt.workspace_id', :ws, true)"), {"ws": str(ws)})
        held = conn.execute(
            text("SELECT term, common_held FROM ccgpt_term_postings(ARRAY['pump'], ARRAY['block'])")
        ).all()
    assert [tuple(r) for r in held] == [("pump", [True])]
    migrate(url)
    assert await _found_texts(url, ws, ["e-2047"]) == [TEXTS[0]]
    admin.dispose()
