"""The widget API under load, every figure beside what it is compared with, in one run:
`python -m benchmarks.widget_load` (`make bench` runs it and prints the table).

A real `ccgpt serve` (child process) on an embedded PostgreSQL, the support corpus as its
workspace. Phases: the floor (one query embedding + one retrieval query, timed alone in
this process on the same database), one visitor, repeated questions, requests/s of two
small endpoints beside a bare Litestar hello-world, 16 visitors over 10,000 chunks, and
the server's resident memory at idle, under load and after a soak.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psutil
from sqlalchemy import create_engine, text

from adapters.outbound.postgres.engine import retrieval_engine, sqlalchemy_url
from adapters.outbound.postgres.retriever import PostgresRetriever
from adapters.outbound.sentence_transformers.embedder import MODEL_NAME
from benchmarks.load_tools import (
    ROOT,
    ccgpt_server,
    free_port,
    hello_server,
    percentile,
    requests_per_second,
)
from bootstrap.container import build_container
from bootstrap.embedded_postgres import EmbeddedPostgres
from bootstrap.settings import load_settings
from domain.ids import WorkspaceId

CORPUS = ROOT / "benchmarks" / "support_corpus"
RESULTS = ROOT / "benchmarks" / ".results"
SITE = "https://shop.example.com"
UNLIMITED = "1000000/minute"


@dataclass
class Table:
    rows: list[tuple[str, str, str, str]] = field(default_factory=list)

    def add(self, figure: str, measured: str, compared: str, target: str) -> None:
        self.rows.append((figure, measured, compared, target))
        print(f"  {figure}: {measured} | {compared} | {target}", flush=True)

    def render(self) -> str:
        head = ("figure", "measured", "compared with", "target")
        lines = [f"| {' | '.join(head)} |", "|---|---|---|---|"]
        lines += [f"| {' | '.join(row)} |" for row in self.rows]
        return "\n".join(lines)


def questions() -> list[str]:
    lines = (CORPUS / "questions.jsonl").read_text().splitlines()
    return [json.loads(line)["question"] for line in lines if line.strip()]


def unique(n: int) -> list[str]:
    """Answerable questions that were never asked before: the cache cannot help."""
    base = questions()
    return [f"{base[i % len(base)]} (ref {uuid.uuid4().hex[:6]})" for i in range(n)]


class Site:
    def __init__(self, url: str) -> None:
        self.http = httpx.Client(base_url=url, timeout=120)
        email = f"bench-{uuid.uuid4().hex[:8]}@bench.invalid"
        body: dict[str, Any] = {"email": email, "password": "bench-password", "full_name": "B"}
        reply = self.http.post("/api/v1/auth/register", json={**body, "workspace_name": "B"})
        reply.raise_for_status()
        self.auth = {"Authorization": f"Bearer {reply.json()['access_token']}"}
        self.http.put("/api/v1/workspace/plan", json={"plan": "enterprise"}, headers=self.auth)
        me = self.http.get("/api/v1/me", headers=self.auth).json()
        self.workspace_id = WorkspaceId(uuid.UUID(me["workspace"]["id"]))
        body = {"name": "Shop", "allowed_domains": ["shop.example.com"], "settings": {}}
        code = self.http.post("/api/v1/embed-codes", json=body, headers=self.auth).json()
        self.key = str(code["public_key"])

    def upload_corpus(self) -> int:
        ids = []
        for path in sorted((CORPUS / "docs").iterdir()):
            files = {"file": (path.name, path.read_bytes())}
            reply = self.http.post("/api/v1/documents", files=files, headers=self.auth)
            reply.raise_for_status()
            ids.append(reply.json()["id"])
        chunks = 0
        for document_id in ids:
            while True:
                doc = self.http.get(f"/api/v1/documents/{document_id}", headers=self.auth).json()
                if doc["status"] in ("ready", "failed"):
                    chunks += int(doc.get("chunk_count") or 0)
                    break
                time.sleep(0.1)
        return chunks


class Visitor:
    def __init__(self, url: str, key: str) -> None:
        self.http = httpx.Client(
            base_url=url, timeout=120, headers={"Origin": SITE}, params={"key": key}
        )
        session = self.http.post("/widget/v1/sessions", json={}).json()
        self.path = f"/widget/v1/sessions/{session['session_id']}/messages"
        self.http.headers["X-Session-Token"] = session["session_token"]

    def ask(self, question: str) -> float:
        started = time.perf_counter()
        reply = self.http.post(self.path, json={"text": question})
        reply.raise_for_status()
        return time.perf_counter() - started


def one_visitor(url: str, key: str, texts: list[str]) -> list[float]:
    """Each question in a new session, so the retrieval query is the question alone."""
    return [Visitor(url, key).ask(q) for q in texts]


def crowd(
    url: str, key: str, visitors: int, seconds: float, make: Callable[[], str]
) -> tuple[list[float], float]:
    """`visitors` threads, each asking back to back for `seconds`: latencies, messages/s."""
    latencies: list[float] = []
    lock = threading.Lock()
    stop = time.perf_counter() + seconds

    def run() -> None:
        visitor = Visitor(url, key)
        while time.perf_counter() < stop:
            took = visitor.ask(make())
            with lock:
                latencies.append(took)

    threads = [threading.Thread(target=run) for _ in range(visitors)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return latencies, len(latencies) / (time.perf_counter() - started)


def floor(
    database_url: str, data_dir: Path, embedder: str, ws: WorkspaceId, texts: list[str]
) -> tuple[list[float], list[float]]:
    """One query embedding + one retrieval query, timed alone, p50 (and each part)."""
    settings = load_settings(
        {
            "CCGPT_DATABASE_URL": database_url,
            "CCGPT_DATA_DIR": str(data_dir),
            "CCGPT_EMBEDDER": embedder,
            "CCGPT_LOG_LEVEL": "warning",
        },
        None,
    )
    model = build_container(settings).embedder()

    async def measure() -> tuple[list[float], list[float]]:
        engine = retrieval_engine(database_url, pool_size=2)
        retriever = PostgresRetriever(engine)
        if hasattr(model, "warm_up"):
            await model.warm_up()
        await retriever.nearest(ws, await model.embed_query("warm up"), 40)
        embeds, lookups = [], []
        for q in texts:
            t0 = time.perf_counter()
            vector = await model.embed_query(q)
            t1 = time.perf_counter()
            await retriever.nearest(ws, vector, 40)
            embeds.append(t1 - t0)
            lookups.append(time.perf_counter() - t1)
        await engine.dispose()
        close = getattr(model, "aclose", None)
        if close is not None:
            await close()
        return embeds, lookups

    return asyncio.run(measure())


def pad_workspace(database_url: str, ws: WorkspaceId, total: int) -> int:
    """Copies of the workspace's real chunks (vectors nudged, then renormalised) until it
    holds `total`: a large tenant whose questions still have answers."""
    engine = create_engine(sqlalchemy_url(database_url))
    with engine.begin() as conn:
        have = int(
            conn.execute(
                text("SELECT count(*) FROM chunks WHERE workspace_id = :ws"), {"ws": ws}
            ).scalar_one()
        )
        rounds = max(0, (total - have) // max(have, 1))
        for r in range(rounds):
            doc = uuid.uuid4()
            conn.execute(
                text(
                    "INSERT INTO documents (id, workspace_id, title, filename, mime_type, "
                    "size_bytes, checksum, status, chunk_count, created_at, updated_at) "
                    "VALUES (:id, :ws, :t, 'pad.txt', 'text/plain', 1, md5(random()::text), "
                    "'ready', :n, now(), now())"
                ),
                {"id": doc, "ws": ws, "t": f"Archive {r}", "n": have},
            )
            # A copy has its original's sentence vectors too (the same text), as the idle
            # worker would have made them: it must not be embedding them under the load.
            conn.execute(
                text(
                    """
                    WITH source AS MATERIALIZED (
                        SELECT c.*, gen_random_uuid() AS copy_id
                        FROM chunks c JOIN documents d ON d.id = c.document_id
                        WHERE c.workspace_id = :ws AND d.filename <> 'pad.txt'
                    ), copied AS (
                        INSERT INTO chunks (id, workspace_id, document_id, ordinal, text,
                            heading, page, token_count, terms, term_counts, embedding)
                        SELECT s.copy_id, s.workspace_id, :doc,
                            row_number() OVER (ORDER BY s.id), s.text,
                            s.heading, s.page, s.token_count, s.terms, s.term_counts,
                            l2_normalize(s.embedding + (SELECT array_agg((random() - 0.5) * 0.15)
                                FROM generate_series(1, 384 + 0 * s.token_count))::vector)
                        FROM source s
                    )
                    INSERT INTO chunk_sentence_vectors (chunk_id, model, workspace_id, vectors)
                    SELECT s.copy_id, v.model, v.workspace_id, v.vectors
                    FROM source s JOIN chunk_sentence_vectors v ON v.chunk_id = s.id
                    """
                ),
                {"doc": doc, "ws": ws},
            )
        count = conn.execute(
            text("SELECT count(*) FROM chunks WHERE workspace_id = :ws"), {"ws": ws}
        ).scalar_one()
        conn.execute(text("ANALYZE chunks"))
    engine.dispose()
    return int(count)


def settle(site: Site, database_url: str, padded: int, teacher: bool) -> float:
    """Seconds until the idle worker has done what the padding left it (the workspace's own
    vector index, its query map refitted on every chunk), so that the load phases measure a
    steady server rather than that one-off work, whenever its sweep would have come. A new
    document is what wakes the worker before its sweep."""
    started = time.perf_counter()
    content = "# Archive note\n\nOrders from the archive ship within two weeks.\n"
    body = {"title": "Archive note", "content": content}
    reply = site.http.post("/api/v1/documents/text", json=body, headers=site.auth)
    reply.raise_for_status()
    document_id = reply.json()["id"]
    while True:
        doc = site.http.get(f"/api/v1/documents/{document_id}", headers=site.auth).json()
        if doc["status"] in ("ready", "failed"):
            break
        time.sleep(0.1)
    total = padded + int(doc.get("chunk_count") or 0)
    wait_for_sentence_vectors(database_url, site.workspace_id, total, teacher)
    engine = create_engine(sqlalchemy_url(database_url))
    own = text(
        "SELECT count(*) FROM pg_indexes WHERE tablename = 'chunks' "
        "AND starts_with(indexname, 'ix_chunks_embedding_ws_')"
    )
    try:
        while time.perf_counter() - started < 900:
            with engine.connect() as conn:
                if conn.execute(own).scalar_one():
                    break
            time.sleep(0.1)
    finally:
        engine.dispose()
    return time.perf_counter() - started


def wait_for_sentence_vectors(
    database_url: str, ws: WorkspaceId, chunks: int, teacher: bool
) -> float:
    """Seconds until the idle worker is done with the workspace: every chunk's sentence
    vectors stored and, where the query map is on (the teacher installed), every chunk's
    teacher vector and the workspace's map fitted on all of them."""
    engine = create_engine(sqlalchemy_url(database_url))
    started = time.perf_counter()
    done = text(
        """
        SELECT (SELECT count(*) FROM chunk_sentence_vectors
                WHERE workspace_id = :ws AND model = :model) >= :chunks
           AND (NOT :teacher OR EXISTS (SELECT 1 FROM workspace_query_maps
                                        WHERE workspace_id = :ws AND chunks >= :chunks))
        """
    )
    params = {"ws": ws, "model": MODEL_NAME, "chunks": chunks, "teacher": teacher}
    try:
        while time.perf_counter() - started < 900:
            with engine.connect() as conn:
                if conn.execute(done, params).scalar_one():
                    break
            time.sleep(0.1)
        else:
            raise RuntimeError("the idle worker had not finished the workspace in 15 minutes")
    finally:
        engine.dispose()
    return time.perf_counter() - started


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--embedder", default="local")
    parser.add_argument("--chunks", type=int, default=10_000)
    parser.add_argument("--visitors", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=20.0, help="each load phase")
    parser.add_argument("--soak", type=float, default=60.0, help="RSS soak (600 = 10 min)")
    parser.add_argument("--profile", type=Path, help="py-spy the server under the crowd")
    parser.add_argument(
        "--only-rps",
        type=int,
        metavar="ROUNDS",
        help="only requests/s (and /health/live's): ROUNDS rounds of --seconds bursts, each "
        "endpoint beside the hello-world burst just before it; medians. No corpus",
    )
    parser.add_argument(
        "--env", action="append", default=[], help="CCGPT_X=value for the server (A/B runs)"
    )
    args = parser.parse_args(argv)
    table = Table()
    base = Path(tempfile.mkdtemp(prefix="ccgpt-load-"))
    database = EmbeddedPostgres(base / "db")
    database_url = database.start()
    env = {
        "CCGPT_DATABASE_URL": database_url,
        "CCGPT_DATA_DIR": str(base / "server"),
        "CCGPT_EMBEDDER": args.embedder,
        "CCGPT_LOG_LEVEL": "warning",
        "CCGPT_RATE_LIMIT_IP": UNLIMITED,
        "CCGPT_RATE_LIMIT_EMBED": UNLIMITED,
        "CCGPT_RATE_LIMIT_WORKSPACE": UNLIMITED,
        **dict(pair.split("=", 1) for pair in args.env),
    }
    args.teacher = load_settings(env, None).query_map_storage != "off"
    try:
        with ccgpt_server(free_port(), env, base / "server.log") as server:
            if args.only_rps:
                interleaved(args, table, server, Site(server.url), base)
            else:
                run_phases(args, table, server, database_url, base)
    finally:
        database.stop()
    rendered = table.render()
    print("\n" + rendered)
    if not args.only_rps:  # a partial table never replaces the full one
        RESULTS.mkdir(exist_ok=True)
        (RESULTS / "table.md").write_text(rendered + "\n")
    return 0


def run_phases(
    args: argparse.Namespace, table: Table, server: Any, database_url: str, base: Path
) -> None:
    site = Site(server.url)
    chunks = site.upload_corpus()
    print(f"workspace: {chunks} chunks from the support corpus; embedder {args.embedder}")
    waited = wait_for_sentence_vectors(database_url, site.workspace_id, chunks, args.teacher)
    made = "sentence and teacher vectors and query map" if args.teacher else "sentence vectors"
    print(f"their {made} stored {waited:.1f} s after the last document was ready")
    idle = server.rss_mib()
    embeds, lookups = floor(
        database_url, base / "floor", args.embedder, site.workspace_id, unique(60)
    )
    floor_p50 = percentile([a + b for a, b in zip(embeds, lookups, strict=True)], 50)
    first_texts = unique(60)
    first = one_visitor(server.url, site.key, first_texts)
    p50 = percentile(first, 50)
    table.add(
        f"widget message, one visitor, {chunks} chunks: p50",
        f"{ms(p50)} ({p50 / floor_p50:.1f}x the floor)",
        f"floor {ms(floor_p50)} (embedding {ms(percentile(embeds, 50))}"
        f" + retrieval {ms(percentile(lookups, 50))})",
        "at most 2x",
    )
    again = one_visitor(server.url, site.key, first_texts)
    repeat_p50 = percentile(again, 50)
    table.add(
        "repeated question: p50",
        f"{ms(repeat_p50)} ({p50 / repeat_p50:.1f}x faster)",
        f"first time {ms(p50)}",
        "at least 3x faster",
    )
    small_endpoints(args, table, server, site, base)
    padded = pad_workspace(database_url, site.workspace_id, args.chunks)
    before_idle = server.rss_mib()
    waited = settle(site, database_url, padded, args.teacher)
    print(f"the padded workspace's idle work (own index, query map) done in {waited:.1f} s")
    after_idle = server.rss_mib()
    profiler = _profile(server.pid, args.profile, args.seconds) if args.profile else None
    sampler = RssSampler(server)
    with sampler:
        latencies, rate = crowd(
            server.url, site.key, args.visitors, args.seconds, lambda: unique(1)[0]
        )
    if profiler is not None:
        profiler.wait()
    table.add(
        f"widget message, {args.visitors} visitors back to back, {padded} chunks",
        f"p95 {ms(percentile(latencies, 95))}, p50 {ms(percentile(latencies, 50))}, "
        f"{rate:.1f} messages/s",
        "-",
        "p95 under 150 ms",
    )
    soak = RssSampler(server)
    with soak:
        crowd(server.url, site.key, args.visitors, args.soak, lambda: unique(1)[0])
    table.add(
        "server RSS",
        f"idle {idle:.0f} MiB; the padded workspace's idle work {before_idle:.0f} -> "
        f"{after_idle:.0f} MiB; under load max {sampler.peak:.0f} MiB; soak {args.soak:.0f} s: "
        f"{soak.first:.0f} -> {soak.last:.0f} MiB (each tenth: "
        f"{', '.join(f'{m:.0f}' for m in soak.tenths())})",
        "-",
        "printed; no growth",
    )
    embedding = RESULTS / "embedding.json"
    if embedding.exists():
        query = json.loads(embedding.read_text())
        onnx, torch = query["OnnxEmbedder"], query["SentenceTransformerEmbedder"]
        table.add(
            "one query embedding (pytest-benchmark), median",
            f"onnx {onnx:.2f} ms ({torch / onnx:.1f}x faster)",
            f"torch {torch:.2f} ms",
            "-",
        )
    ingestion = RESULTS / "ingestion.json"
    if ingestion.exists():
        found = json.loads(ingestion.read_text())
        ratio = found.get("ratio", found["pipeline"] / found["raw"])
        spread = found.get("ratios")
        rounds = f"; rounds {spread[0]:.2f}-{spread[-1]:.2f}" if spread else ""
        cpu = found.get("cpu_seconds")
        spent = (
            f"; CPU a round: event loop {cpu['event_loop']:.2f} s + PostgreSQL "
            f"{cpu['postgres']:.2f} s + model {cpu['model_and_rest']:.2f} s over "
            f"{cpu['wall']:.2f} s, raw {cpu['raw_cpu']:.2f} s over {cpu['raw_wall']:.2f} s"
            if cpu and "raw_cpu" in cpu
            else ""
        )
        table.add(
            "ingestion chunks/s",
            f"{found['pipeline']:.1f}/s ({ratio:.2f} of raw{rounds}{spent})",
            f"raw embedder {found['raw']:.1f}/s, {found['chunks']} chunks, timed in turn",
            "at least 0.8",
        )


def small_endpoints(
    args: argparse.Namespace, table: Table, server: Any, site: Site, base: Path
) -> None:
    """Requests/s of two small endpoints beside a bare Litestar hello-world on the same
    uvicorn settings."""
    hello = hello_server(free_port(), base / "hello.log")
    with hello:
        ceiling = asyncio.run(requests_per_second(hello.port, "/", {}, args.seconds / 2))
    for path, headers in (
        ("/api/v1/me", site.auth),
        (f"/widget/v1/config?key={site.key}", {"Origin": SITE}),
    ):
        small = args.profile.with_name(f"{args.profile.stem}-me.txt") if args.profile else None
        spy = (
            _profile(server.pid, small, args.seconds / 2)
            if small and path == "/api/v1/me"
            else None
        )
        rate = asyncio.run(requests_per_second(server.port, path, headers, args.seconds / 2))
        if spy is not None:
            spy.wait()
        table.add(
            f"GET {path.split('?')[0]}: requests/s",
            f"{rate:.0f}/s ({rate / ceiling:.2f} of it)",
            f"hello-world {ceiling:.0f}/s",
            "at least 0.5",
        )


def interleaved(
    args: argparse.Namespace, table: Table, server: Any, site: Site, base: Path
) -> None:
    """Short bursts in turn, hello-world first in each round, so that a busy neighbour on a
    shared machine weighs on both sides of a ratio; the medians over the rounds. Beside
    requests/s, requests per CPU-second of the server process: what a request costs, which
    other work on the machine changes far less."""
    paths: list[tuple[str, dict[str, str]]] = [
        ("/health/live", {}),
        ("/api/v1/me", site.auth),
        (f"/widget/v1/config?key={site.key}", {"Origin": SITE}),
    ]
    ceilings: list[tuple[float, float]] = []
    rates: dict[str, list[tuple[float, float]]] = {path: [] for path, _ in paths}
    with hello_server(free_port(), base / "hello.log") as hello:
        for _ in range(args.only_rps):
            ceilings.append(_burst(hello, "/", {}, args.seconds))
            for path, headers in paths:
                rates[path].append(_burst(server, path, headers, args.seconds))
    median = statistics.median
    for path, _ in paths:
        pairs = list(zip(rates[path], ceilings, strict=True))
        ratios = [rate[0] / ceiling[0] for rate, ceiling in pairs]
        cpu_ratios = [rate[1] / ceiling[1] for rate, ceiling in pairs]
        table.add(
            f"GET {path.split('?')[0]}: requests/s",
            f"{median(r[0] for r in rates[path]):.0f}/s ({median(ratios):.2f} of it; rounds "
            f"{min(ratios):.2f}-{max(ratios):.2f}); per server CPU-second "
            f"{median(r[1] for r in rates[path]):.0f} ({median(cpu_ratios):.2f} of it)",
            f"hello-world {median(c[0] for c in ceilings):.0f}/s, "
            f"{median(c[1] for c in ceilings):.0f} per CPU-second; {args.only_rps} rounds of "
            f"{args.seconds:g} s",
            "at least 0.5",
        )


def _burst(server: Any, path: str, headers: dict[str, str], seconds: float) -> tuple[float, float]:
    """Requests/s, and requests per CPU-second of the server process, over one burst."""
    process = psutil.Process(server.pid)
    before = process.cpu_times()
    started = time.perf_counter()
    rate = asyncio.run(requests_per_second(server.port, path, headers, seconds))
    done = rate * (time.perf_counter() - started)
    after = process.cpu_times()
    cpu = (after.user + after.system) - (before.user + before.system)
    return rate, done / max(cpu, 1e-9)


class RssSampler:
    """The server's RSS once a second while the block runs."""

    def __init__(self, server: Any) -> None:
        self._server = server
        self.samples: list[float] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.samples.append(self._server.rss_mib())
            self._stop.wait(1.0)

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.samples.append(self._server.rss_mib())

    @property
    def peak(self) -> float:
        return float(max(self.samples))

    @property
    def first(self) -> float:
        # The first few seconds still warm up; compare after them.
        return float(self.samples[min(5, len(self.samples) - 1)])

    @property
    def last(self) -> float:
        return float(self.samples[-1])

    def tenths(self) -> list[float]:
        """RSS at the end of each tenth of the run: growth that stops shows as a plateau."""
        n = len(self.samples)
        return [float(self.samples[min(n - 1, (n * k) // 10)]) for k in range(1, 11)]


def _profile(pid: int, out: Path, seconds: float) -> Any:
    import subprocess
    import sys

    py_spy = Path(sys.executable).parent / "py-spy"
    out.parent.mkdir(parents=True, exist_ok=True)
    return subprocess.Popen(  # noqa: S603 - our own tool on our own child
        [
            str(py_spy),
            "record",
            "--pid",
            str(pid),
            "--duration",
            str(int(seconds)),
            "--format",
            "raw",
            "--output",
            str(out),
            "--nonblocking",
        ]
    )


if __name__ == "__main__":
    raise SystemExit(main())
