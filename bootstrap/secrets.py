"""The token signing key, one per deployment: from `CCGPT_SECRET_KEY`; else, with an
external database (several nodes may share it), generated once and kept in that database
so every node signs and checks with the same key; else generated once into the data dir."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import structlog

from bootstrap.settings import Settings

log = structlog.get_logger()
KEY_FILE = "secret_key"


def signing_key(settings: Settings) -> str:
    if settings.secret_key:
        return settings.secret_key
    if settings.storage == "postgres" and settings.database_url:
        return _shared_in_database(settings.database_url)
    path = settings.data_dir / KEY_FILE
    if not path.exists():
        _create_private(path, secrets.token_urlsafe(48))
    return path.read_text().strip()


def _shared_in_database(url: str) -> str:
    """The first node to start writes a key; every node (that one included) reads the one
    that won. Works before migrations have run (the table is created if missing)."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(
            "CREATE TABLE IF NOT EXISTS ccgpt_deployment_secrets "
            "(name text PRIMARY KEY, value text NOT NULL)"
        )
        conn.execute(
            "INSERT INTO ccgpt_deployment_secrets (name, value) VALUES ('signing_key', %s) "
            "ON CONFLICT (name) DO NOTHING",
            (secrets.token_urlsafe(48),),
        )
        row = conn.execute(
            "SELECT value FROM ccgpt_deployment_secrets WHERE name = 'signing_key'"
        ).fetchone()
    assert row is not None
    log.info("secrets.signing_key_from_database", hint="set CCGPT_SECRET_KEY to keep it elsewhere")
    return str(row[0])


def _create_private(path: Path, content: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        # O_EXCL: two processes starting at once never write two different keys.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    with os.fdopen(fd, "w") as handle:
        handle.write(content + "\n")
