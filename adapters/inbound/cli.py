"""The `ccgpt` command line: serve, migrate."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from bootstrap.settings import Settings, load_settings


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="ccgpt", description="CustomerCareGPT backend")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="run the HTTP/WebSocket API and the widget")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1)
    commands.add_parser("migrate", help="apply database migrations and exit")
    args = parser.parse_args(argv)
    settings = load_settings()
    if args.command == "serve":
        return _serve(settings, args.host, args.port, args.workers)
    return _migrate(settings)


def _serve(settings: Settings, host: str, port: int, workers: int) -> int:
    import uvicorn

    from bootstrap.app import create_app
    from bootstrap.embedded_postgres import EmbeddedPostgres
    from bootstrap.secrets import signing_key

    settings.data_dir.mkdir(parents=True, exist_ok=True)
    signing_key(settings)  # created once here, before any worker could race for it
    database = "in-memory (nothing is kept)" if settings.storage == "memory" else "external"
    embedded: EmbeddedPostgres | None = None
    if settings.embedded_database:
        database = f"embedded PostgreSQL in {(settings.data_dir / 'postgres').resolve()}"
    print(f"CustomerCareGPT listening on http://{host}:{port}", flush=True)
    print(f"  data:     {settings.data_dir.resolve()}", flush=True)
    print(f"  database: {database}", flush=True)
    print(f"  docs:     http://{host}:{port}/schema", flush=True)
    try:
        if workers <= 1:
            uvicorn.run(create_app(settings), host=host, port=port, log_level="warning")
            return 0
        if settings.embedded_database:
            # Workers share one server: start it here and hand them its URL.
            embedded = EmbeddedPostgres(settings.data_dir)
            os.environ["CCGPT_DATABASE_URL"] = embedded.start()
        uvicorn.run(
            "bootstrap.app:create_app",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            log_level="warning",
        )
        return 0
    finally:
        if embedded is not None:
            embedded.stop()


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
