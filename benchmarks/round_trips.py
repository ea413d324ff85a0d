"""Database round trips per search: `python -m benchmarks.round_trips`.

Counts what the client sends and then waits for: every query sent outside a pipeline, and
every pipeline sync. psycopg runs in its pure-Python implementation here (set before it is
imported), so its libpq calls can be counted; the statements are the ones production sends.
Prints, for hybrid and vector search on a 200-chunk workspace, with the pool's connections
open: a first question, the same question again (the retrieval cache answers), and that
question after an upload.
"""

from __future__ import annotations

import os

os.environ["PSYCOPG_IMPL"] = "python"  # before psycopg is imported, so the counters see it

import asyncio
import tempfile
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from psycopg.pq import pq_ctypes

from adapters.outbound.caching.retriever import CachingRetriever
from adapters.outbound.memory.embedder import HashingEmbedder
from adapters.outbound.postgres.engine import retrieval_engine, runtime_engine
from adapters.outbound.postgres.migrate import migrate
from adapters.outbound.postgres.retriever import PostgresRetriever
from adapters.outbound.postgres.unit_of_work import PostgresUnitOfWorkFactory
from application.search import HybridSearch, SearchMode
from bootstrap.embedded_postgres import EmbeddedPostgres
from domain.accounts import Workspace
from domain.documents import Document, DocumentStatus, MimeType
from domain.ids import ChunkId, DocumentId, WorkspaceId
from domain.knowledge import Chunk
from domain.plans import Plan

NOW = datetime(2026, 3, 1, tzinfo=UTC)
WORDS = [
    "refund",
    "shipping",
    "canada",
    "order",
    "invoice",
    "password",
    "reset",
    "account",
    "billing",
    "plan",
]
SENT = ("send_query", "send_query_params", "send_prepare", "send_query_prepared")


class RoundTrips:
    """Counts sends outside a pipeline, and pipeline syncs, on every libpq connection."""

    def __init__(self) -> None:
        self.count = 0
        for name in (*SENT, "pipeline_sync"):
            self._wrap(name)

    def _wrap(self, name: str) -> None:
        original: Callable[..., Any] = getattr(pq_ctypes.PGconn, name)
        counter = self

        def counted(conn: Any, *args: Any, **kwargs: Any) -> Any:
            in_pipeline = conn.pipeline_status != 0
            if name == "pipeline_sync" or not in_pipeline:
                counter.count += 1
            return original(conn, *args, **kwargs)

        setattr(pq_ctypes.PGconn, name, counted)


async def add_document(uow: PostgresUnitOfWorkFactory, ws: WorkspaceId, chunks: int) -> None:
    embedder = HashingEmbedder()
    doc = Document(
        DocumentId(uuid.uuid4()), ws, "Doc", "d.txt", MimeType.TEXT, 1, uuid.uuid4().hex,
        DocumentStatus.READY, NOW, NOW, chunk_count=chunks,
    )  # fmt: skip
    texts = [" ".join(WORDS[(i * k) % len(WORDS)] for k in range(1, 9)) for i in range(chunks)]
    vectors = await embedder.embed_documents(texts)
    rows = [
        Chunk(ChunkId(uuid.uuid4()), ws, doc.id, i, text, None, None, 8, vector)
        for i, (text, vector) in enumerate(zip(texts, vectors, strict=True))
    ]
    async with uow.tenant(ws) as tx:
        await tx.documents.add(doc, b"x")
        await tx.chunks.replace(ws, doc.id, rows)
        await tx.commit()


async def measure(url: str) -> None:
    engine = runtime_engine(url, pool_size=2)
    uow = PostgresUnitOfWorkFactory(engine)
    ws = WorkspaceId(uuid.uuid4())
    async with uow.system() as tx:
        await tx.workspaces.add(Workspace(ws, "T", Plan.PRO, NOW))
        await tx.commit()
    await add_document(uow, ws, 200)
    searching = retrieval_engine(url, pool_size=2)
    search = HybridSearch(CachingRetriever(PostgresRetriever(searching)), HashingEmbedder())
    await search.search(ws, "warming up: pooled connections already open", 5)
    trips = RoundTrips()
    print(f"{'search':<9}{'first':>7}{'again':>7}{'after upload':>14}")
    for mode in (SearchMode.HYBRID, SearchMode.VECTOR):
        counts = []
        for step in ("first", "again", "after upload"):
            if step == "after upload":
                await add_document(uow, ws, 5)
            trips.count = 0
            await search.search(ws, f"How do I get a refund for {mode.value} orders?", 5, mode)
            counts.append(trips.count)
        print(f"{mode.value:<9}{counts[0]:>7}{counts[1]:>7}{counts[2]:>14}")
    await engine.dispose()
    await searching.dispose()


def main() -> None:
    with tempfile.TemporaryDirectory() as data_dir:
        server = EmbeddedPostgres(Path(data_dir))
        url = server.start()
        try:
            migrate(url)
            asyncio.run(measure(url))
        finally:
            server.stop()


if __name__ == "__main__":
    main()
