"""Ingestion throughput against the raw embedder on the same chunks.

`pytest benchmarks/test_ingestion_speed.py --benchmark-only` (real MiniLM, embedded
PostgreSQL). The pipeline (sniff, store, queue, parse, chunk, embed, write) is reported
as chunks/s next to what the embedder alone does on exactly those chunk texts; the ratio
is the pipeline's overhead. Each round times the raw embedder just before the pipeline, and
the ratio is the median of the rounds' ratios: on a shared machine whose speed drifts
within minutes, timing all raw runs first and all pipeline runs after compared two speeds.
"""

from __future__ import annotations

import json
import statistics
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psutil
import pytest

from application.pagination import PageRequest
from application.principal import Principal
from application.use_cases.ingest_document import embedding_text
from application.use_cases.register_account import RegisterInput
from application.use_cases.upload_document import UploadInput
from benchmarks.loop_thread import LoopThread
from bootstrap.container import Container, build_container, start, stop
from bootstrap.embedded_postgres import EmbeddedPostgres
from bootstrap.settings import load_settings
from domain.chunking import chunk_blocks
from domain.file_types import sniff

CORPUS = Path(__file__).parent / "support_corpus" / "docs"
ROUNDS = 5
RESULTS: dict[str, float] = {}
PGDATA: list[Path] = []


def postgres_cpu_seconds() -> float:
    """CPU seconds used so far by the embedded PostgreSQL's processes (postmaster and
    backends): what the database's share of ingestion costs, beside the model's."""
    pid = int((PGDATA[0] / "postmaster.pid").read_text().split()[0])
    postmaster = psutil.Process(pid)
    total = 0.0
    for process in (postmaster, *postmaster.children(recursive=True)):
        try:
            times = process.cpu_times()
        except psutil.NoSuchProcess:
            continue
        total += times.user + times.system
    return total


@pytest.fixture(scope="module")
def loop() -> Iterator[LoopThread]:
    runner = LoopThread()
    yield runner
    runner.close()


@pytest.fixture(scope="module")
def container(tmp_path_factory: pytest.TempPathFactory, loop: LoopThread) -> Iterator[Container]:
    data_dir = tmp_path_factory.mktemp("bench")
    server = EmbeddedPostgres(data_dir)
    url = server.start()
    PGDATA[:] = [server.pgdata]
    # The query map's teacher works after documents are ready, on one core, for minutes:
    # left on, it would run between this benchmark's rounds and weigh on whichever timing
    # it overlapped. Ingestion to ready is measured without it (README, "Benchmarks").
    settings = load_settings(
        {
            "CCGPT_DATABASE_URL": url,
            "CCGPT_DATA_DIR": str(data_dir),
            "CCGPT_LOG_LEVEL": "warning",
            "CCGPT_QUERY_MAP": "off",
        },
        None,
    )
    built = build_container(settings)
    loop.run(lambda: start(built))
    embedder = built.embedder()
    loop.run(lambda: embedder.embed_query("warm up"))  # load the model outside timings
    yield built
    loop.run(lambda: stop(built))
    server.stop()


def corpus() -> list[tuple[str, bytes]]:
    return [(p.name, p.read_bytes()) for p in sorted(CORPUS.iterdir())]


def chunk_texts(loop: LoopThread, container: Container) -> list[str]:
    parser = container.parser()
    embedder = container.embedder()
    texts = []
    for name, data in corpus():
        kind = sniff(data, name)
        blocks = loop.run(lambda kind=kind, data=data: parser.parse(kind, data))
        texts += [embedding_text(d) for d in chunk_blocks(blocks, embedder.count_tokens)]
    return texts


def test_raw_embedder_on_the_corpus_chunks(
    benchmark: Any, container: Container, loop: LoopThread
) -> None:
    texts = chunk_texts(loop, container)
    embedder = container.embedder()
    benchmark.pedantic(
        lambda: loop.run(lambda: embedder.embed_documents(texts)), rounds=3, iterations=1
    )
    RESULTS["raw_chunks_per_s"] = len(texts) / benchmark.stats.stats.mean
    RESULTS["chunks"] = len(texts)


def test_ingestion_pipeline_on_the_corpus(
    benchmark: Any, container: Container, loop: LoopThread
) -> None:
    async def new_workspace() -> Principal:
        register = container.register_account()
        email = f"bench-{uuid.uuid4().hex[:10]}@bench.invalid"
        result = await register.execute(RegisterInput(email, "benchmark-password", "B", "Bench"))
        owner = Principal(result.workspace.id, result.user.role, user_id=result.user.id)
        await container.change_plan().execute(owner, "enterprise")
        return owner

    texts = chunk_texts(loop, container)
    embedder = container.embedder()
    raw_seconds: list[float] = []
    raw_cpu: list[float] = []

    def setup() -> tuple[tuple[Principal], dict[str, Any]]:
        # Untimed, before each round: the raw embedder on the same chunk texts, so the
        # machine's speed at that moment weighs on both sides of the round's ratio; and the
        # sign-up (an argon2id hash of the password), which is not ingestion.
        started, cpu = time.perf_counter(), time.process_time()
        loop.run(lambda: embedder.embed_documents(texts))
        raw_seconds.append(time.perf_counter() - started)
        raw_cpu.append(time.process_time() - cpu)
        return (loop.run(new_workspace),), {}

    # Where each round's CPU went (seconds): the event loop's thread (parsing, SQL, term
    # bags), PostgreSQL's processes, and the rest of this process (the model's threads).
    spent: list[tuple[float, float, float]] = []

    async def ingest_all(owner: Principal) -> int:
        loop_cpu, database_cpu, process_cpu = (
            time.thread_time(),
            postgres_cpu_seconds(),
            time.process_time(),
        )
        chunks = await ingest(owner)
        loop_cpu = time.thread_time() - loop_cpu
        spent.append(
            (
                loop_cpu,
                postgres_cpu_seconds() - database_cpu,
                time.process_time() - process_cpu - loop_cpu,
            )
        )
        return chunks

    async def ingest(owner: Principal) -> int:
        add = container.upload_document()
        for name, data in corpus():
            await add.execute(owner, UploadInput(name, data))
        # Until every document is ready: its sentence vectors are made afterwards, when the
        # worker is idle (timed apart below).
        await container.ingestion_worker().run_until_idle(prepare=False)
        page = await container.list_documents().execute(owner, PageRequest(limit=100))
        return sum(d.chunk_count for d in page.items)

    chunks = benchmark.pedantic(
        lambda owner: loop.run(lambda: ingest_all(owner)),
        setup=setup,
        rounds=ROUNDS,
        iterations=1,
    )
    pipeline_seconds: list[float] = benchmark.stats.stats.data
    ratios = sorted(
        (chunks / pipeline) / (len(texts) / raw)
        for pipeline, raw in zip(pipeline_seconds, raw_seconds, strict=True)
    )
    prepare = container.prepare_sentence_vectors()
    prepared, started = 0, time.perf_counter()
    while prepare is not None and (batch := loop.run(prepare.execute)):
        prepared += batch
    prepare_rate = prepared / (time.perf_counter() - started)
    pipeline_rate = chunks / statistics.median(pipeline_seconds)
    raw_rate = len(texts) / statistics.median(raw_seconds)
    ratio = statistics.median(ratios)
    loop_cpu, database_cpu, model_cpu = (
        statistics.median(round_[i] for round_ in spent) for i in range(3)
    )
    # For the one table `python -m benchmarks.widget_load` prints (`make bench`).
    out = Path(__file__).parent / ".results"
    out.mkdir(exist_ok=True)
    found = {
        "pipeline": pipeline_rate,
        "raw": raw_rate,
        "chunks": chunks,
        "ratio": ratio,
        "ratios": [round(r, 3) for r in ratios],
        "prepared": prepare_rate,
        "cpu_seconds": {
            "event_loop": round(loop_cpu, 3),
            "postgres": round(database_cpu, 3),
            "model_and_rest": round(model_cpu, 3),
            "wall": round(statistics.median(pipeline_seconds), 3),
            "raw_wall": round(statistics.median(raw_seconds), 3),
            "raw_cpu": round(statistics.median(raw_cpu), 3),
        },
    }
    (out / "ingestion.json").write_text(json.dumps(found))
    print(
        f"\n{chunks} chunks from {len(corpus())} documents: pipeline {pipeline_rate:.1f} "
        f"chunks/s, raw embedder {raw_rate:.1f} chunks/s (medians of {ROUNDS} rounds, each "
        f"timing both); pipeline/raw = {ratio:.2f} (rounds {ratios[0]:.2f}-{ratios[-1]:.2f}); "
        f"after ready, when idle, sentence vectors of {prepared} chunks at {prepare_rate:.1f} "
        f"chunks/s"
        f"\nCPU per round (medians): event loop {loop_cpu:.2f} s, PostgreSQL "
        f"{database_cpu:.2f} s, the model's threads and the rest {model_cpu:.2f} s, over "
        f"{statistics.median(pipeline_seconds):.2f} s of wall time on {psutil.cpu_count()} cores; "
        f"the raw embedder {statistics.median(raw_cpu):.2f} s of CPU over "
        f"{statistics.median(raw_seconds):.2f} s"
    )
