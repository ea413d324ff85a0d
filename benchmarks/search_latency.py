"""Search latency with 100,000 chunks over 50 workspaces: `python -m benchmarks.search_latency`.

Workspaces have skewed sizes (a few large, many small), so both retrieval paths run:
the exact scan for small tenants and HNSW for large ones, through each large workspace's
own index as the idle worker makes them (`TendVectorIndexes`), or with `--shared-index`
through the one index of every tenant's rows, filtered with iterative scanning. Vectors
and text are synthetic and made inside PostgreSQL. Queries alternate between the smallest
and the largest workspace; prints p50/p95 of routed vector search, exact search, hybrid
(as the API runs it, document frequencies from `workspace_terms`) and keyword search for
each, and the recall@10 of routed vector search against exact.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import tempfile
import time
import uuid
from pathlib import Path

from sqlalchemy import create_engine, text

from adapters.outbound.memory.embedder import HashingEmbedder
from adapters.outbound.postgres.engine import retrieval_engine, runtime_engine, sqlalchemy_url
from adapters.outbound.postgres.migrate import migrate
from adapters.outbound.postgres.retriever import EXACT_SCAN_MAX_CHUNKS, PostgresRetriever
from adapters.outbound.postgres.vector_indexes import PostgresTenantVectorIndexes
from application.search import HybridSearch, SearchMode
from application.use_cases.tend_vector_indexes import TendVectorIndexes
from bootstrap.embedded_postgres import EmbeddedPostgres
from domain.ids import ChunkId, WorkspaceId

DIM = 384
VOCABULARY = 5000


def workspace_sizes(total: int, count: int) -> list[int]:
    weights = [1 / (rank + 1) ** 1.1 for rank in range(count)]
    sizes = [max(50, int(total * w / sum(weights))) for w in weights]
    sizes[0] += total - sum(sizes)
    return sizes


def populate(url: str, sizes: list[int]) -> tuple[list[tuple[uuid.UUID, int]], list[list[float]]]:
    engine = create_engine(sqlalchemy_url(url))
    tenants = []
    with engine.begin() as conn:
        conn.execute(text("DROP INDEX IF EXISTS ix_chunks_embedding"))
        # Real embeddings cluster by topic; uniform random vectors are HNSW's worst case and
        # would understate its recall. Chunks scatter around 200 topic centroids.
        conn.execute(
            text(
                "CREATE TEMP TABLE centroids AS SELECT k, "
                "(SELECT array_agg(random() - 0.5) FROM generate_series(1, 384 + 0 * k)) AS v "
                "FROM generate_series(0, 199) k"
            )
        )
        for size in sizes:
            ws = uuid.uuid4()
            tenants.append((ws, size))
            conn.execute(
                text("INSERT INTO workspaces VALUES (:ws, 'bench', 'enterprise', now())"),
                {"ws": ws},
            )
            conn.execute(
                text(
                    """
                    INSERT INTO documents (id, workspace_id, title, filename, mime_type, size_bytes,
                        checksum, status, chunk_count, created_at, updated_at)
                    SELECT gen_random_uuid(), :ws, 'doc ' || d, 'd.txt', 'text/plain', 1,
                        md5(random()::text), 'ready', 100, now(), now()
                    FROM generate_series(1, CEIL(:n / 100.0)::int) d
                    """
                ),
                {"ws": ws, "n": size},
            )
            conn.execute(
                text(
                    """
                    -- The subqueries' FROM mentions g, so they run per row, not once for all.
                    -- Keyword terms and their counts as ingestion writes them (the synthetic
                    -- words are single tokens such as "w123": splitting at spaces tokenises);
                    -- the insert triggers count them into workspace_terms (migration 0012)
                    -- and chunk_postings (0016).
                    INSERT INTO chunks (id, workspace_id, document_id, ordinal, text,
                                        token_count, embedding, terms, term_counts)
                    SELECT gen_random_uuid(), :ws, d.id, g, t.text,
                        60,
                        (SELECT array_agg(c.x + 0.35 * (random() - 0.5))
                         FROM unnest((SELECT v FROM centroids
                                      WHERE k = (g * 7919 + :seed) % 200)) WITH ORDINALITY c(x, i)
                        )::vector
                        , k.terms, k.counts
                    FROM generate_series(1, :n) g
                    JOIN LATERAL (
                        SELECT id FROM documents WHERE workspace_id = :ws ORDER BY id
                        OFFSET (g - 1) / 100 LIMIT 1
                    ) d ON true
                    CROSS JOIN LATERAL (
                        SELECT string_agg('w' || floor(power(random(), 3) * :vocab)::int, ' ')
                               AS text
                        FROM generate_series(1, 40 + (g % 3))
                    ) t
                    CROSS JOIN LATERAL (
                        SELECT array_agg(w ORDER BY w) AS terms, array_agg(n ORDER BY w) AS counts
                        FROM (SELECT w, count(*)::int AS n
                              FROM unnest(string_to_array(t.text, ' ')) w GROUP BY w) s
                    ) k
                    """
                ),
                {"ws": ws, "n": size, "vocab": VOCABULARY, "seed": len(tenants)},
            )
            conn.execute(
                text(
                    "UPDATE documents SET chunk_count = (SELECT count(*) FROM chunks c "
                    "WHERE c.document_id = documents.id) WHERE workspace_id = :ws"
                ),
                {"ws": ws},
            )
        started = time.perf_counter()
        conn.execute(text("SET maintenance_work_mem = '512MB'"))
        conn.execute(
            text(
                "CREATE INDEX ix_chunks_embedding ON chunks USING hnsw "
                "(embedding vector_cosine_ops) WITH (m = 16, ef_construction = 64)"
            )
        )
        print(f"HNSW index built in {time.perf_counter() - started:.1f} s", flush=True)
        centroids = [
            list(row.v) for row in conn.execute(text("SELECT v FROM centroids ORDER BY k"))
        ]
    # As autovacuum would in time: statistics for the planner, and the visibility map that
    # lets the keyword postings be read from their index alone (index-only scans).
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE"))
    engine.dispose()
    return tenants, centroids


def populated(
    url: str, sizes: list[int], saved: Path
) -> tuple[list[tuple[uuid.UUID, int]], list[list[float]]]:
    if saved.exists():
        kept = json.loads(saved.read_text())
        return [(uuid.UUID(ws), size) for ws, size in kept["tenants"]], kept["centroids"]
    tenants, centroids = populate(url, sizes)
    saved.write_text(
        json.dumps({"tenants": [[str(w), n] for w, n in tenants], "centroids": centroids})
    )
    return tenants, centroids


async def tend_indexes(url: str, own: bool) -> None:
    """As the idle worker would: each large workspace's own index made (or, for the shared
    index alone, every one dropped)."""
    engine = runtime_engine(url, pool_size=1)  # as wired: scoped transactions need one
    indexes = PostgresTenantVectorIndexes(engine, lambda: url)
    tend = TendVectorIndexes(indexes) if own else TendVectorIndexes(indexes, 10**12, 10**12)
    started, changed = time.perf_counter(), 0
    while await tend.execute():
        changed += 1
    own_now = len(await indexes.indexed())
    await engine.dispose()
    print(
        f"own indexes: {own_now} ({changed} {'built' if own else 'dropped'} in "
        f"{time.perf_counter() - started:.1f} s)",
        flush=True,
    )


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def measure(
    url: str, tenants: list[tuple[uuid.UUID, int]], centroids: list[list[float]], queries: int
) -> None:
    """Alternates between the smallest and the largest workspace; each query runs routed
    vector search, hybrid (as the API runs it) and keyword search; then, in a pass of its
    own, forced exact search for the same vectors. (An exact scan of the largest workspace
    reads all its embeddings, more than the server's shared buffers hold: run between the
    others, it would evict what they read and time the cache, not the search.)"""
    engine = retrieval_engine(url, pool_size=4)
    retriever = PostgresRetriever(engine)
    exact = PostgresRetriever(engine, exact_scan_max_chunks=10**9, hnsw_min_chunks=10**9)
    search = HybridSearch(retriever, HashingEmbedder())
    rng = random.Random(11)
    smallest, largest = min(tenants, key=lambda t: t[1]), max(tenants, key=lambda t: t[1])
    timings: dict[tuple[str, int], list[float]] = {}
    routed: list[tuple[WorkspaceId, int, list[float], set[ChunkId]]] = []
    for number in range(queries):
        ws, size = (smallest, largest)[number % 2]
        workspace = WorkspaceId(ws)
        query = " ".join(f"w{int(rng.random() ** 3 * VOCABULARY)}" for _ in range(4))
        centroid = centroids[rng.randrange(len(centroids))]
        vector = [x + 0.35 * (rng.random() - 0.5) for x in centroid]
        started = time.perf_counter()
        found = await retriever.nearest(workspace, vector, 10)
        timings.setdefault(("vector", size), []).append(time.perf_counter() - started)
        routed.append((workspace, size, vector, {f.chunk_id for f in found}))
        for mode in (SearchMode.HYBRID, SearchMode.KEYWORD):
            started = time.perf_counter()
            await search.search(workspace, query, 10, mode)
            timings.setdefault((mode.value, size), []).append(time.perf_counter() - started)
    recalls: list[float] = []
    for workspace, size, vector, found_ids in routed:
        started = time.perf_counter()
        truth = {f.chunk_id for f in await exact.nearest(workspace, vector, 10)}
        timings.setdefault(("exact", size), []).append(time.perf_counter() - started)
        recalls.append(len(truth & found_ids) / 10)
    await engine.dispose()
    print(f"{'search':<9}{'workspace':>11}{'queries':>9}{'p50 ms':>9}{'p95 ms':>9}")
    for (mode, size), values in sorted(timings.items(), key=lambda item: (item[0][1], item[0][0])):
        p50, p95 = percentile(values, 0.5) * 1000, percentile(values, 0.95) * 1000
        print(f"{mode:<9}{size:>11}{len(values):>9}{p50:>9.1f}{p95:>9.1f}")
    print(f"vector search recall@10 against exact: {statistics.mean(recalls):.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--chunks", type=int, default=100_000)
    parser.add_argument("--workspaces", type=int, default=50)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument(
        "--shared-index",
        action="store_true",
        help="no workspace's own index: large ones walk the index of every tenant's rows",
    )
    parser.add_argument(
        "--data-dir", type=Path, help="keep the database here, and reuse it when it is there"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as temporary:
        data_dir = args.data_dir or Path(temporary)
        server = EmbeddedPostgres(data_dir)
        url = server.start()
        try:
            migrate(url)
            sizes = workspace_sizes(args.chunks, args.workspaces)
            started = time.perf_counter()
            tenants, centroids = populated(url, sizes, data_dir / "tenants.json")
            large = sum(1 for s in sizes if s > EXACT_SCAN_MAX_CHUNKS)
            print(
                f"{sum(sizes)} chunks in {len(sizes)} workspaces ({large} above the exact-scan "
                f"limit of {EXACT_SCAN_MAX_CHUNKS}; largest {max(sizes)}, smallest {min(sizes)}), "
                f"loaded in {time.perf_counter() - started:.0f} s",
                flush=True,
            )
            asyncio.run(tend_indexes(url, own=not args.shared_index))
            asyncio.run(measure(url, tenants, centroids, args.queries))
        finally:
            server.stop()


if __name__ == "__main__":
    main()
