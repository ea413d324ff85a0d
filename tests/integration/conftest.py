"""Integration fixtures: one embedded PostgreSQL (pgvector) per test session, migrated."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from litestar.testing import TestClient
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.outbound.memory.unit_of_work import InMemoryUnitOfWorkFactory
from adapters.outbound.postgres.engine import runtime_engine
from adapters.outbound.postgres.migrate import migrate
from adapters.outbound.postgres.unit_of_work import PostgresUnitOfWorkFactory
from application.ports.unit_of_work import UnitOfWorkFactory
from bootstrap.app import create_app
from bootstrap.embedded_postgres import EmbeddedPostgres
from bootstrap.settings import Settings
from tests.conftest import make_settings
from tests.integration.knowledge_helpers import owner, wait_settled
from tests.integration.live_server import ApiServer
from tests.integration.redis_server import free_port


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    server = EmbeddedPostgres(Path(tmp_path_factory.mktemp("pg")))
    url = server.start()
    migrate(url)
    yield url
    server.stop()


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    built = runtime_engine(database_url, pool_size=4)
    yield built
    await built.dispose()


@pytest.fixture(params=["memory", "postgres"])
async def uow(request: pytest.FixtureRequest) -> AsyncIterator[UnitOfWorkFactory]:
    """Every UnitOfWorkFactory in turn, for the repository contract suites."""
    if request.param == "memory":
        yield InMemoryUnitOfWorkFactory()
        return
    engine = runtime_engine(request.getfixturevalue("database_url"), pool_size=4)
    yield PostgresUnitOfWorkFactory(engine)
    await engine.dispose()


@pytest.fixture
def postgres_settings(database_url: str, tmp_path: Path) -> Settings:
    return make_settings(database_url=database_url, data_dir=str(tmp_path / "data"))


@pytest.fixture
def client(postgres_settings: Settings) -> Iterator[TestClient[Any]]:
    """The whole HTTP app against the real (embedded) PostgreSQL."""
    with TestClient(create_app(postgres_settings)) as test_client:
        yield test_client


def make_client(settings: Settings) -> TestClient[Any]:
    return TestClient(create_app(settings))


def fresh_database(database_url: str) -> str:
    """A new, migrated database on the session's server, for tests that need it empty."""
    import uuid

    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(
        make_url(database_url).set(drivername="postgresql+psycopg"), isolation_level="AUTOCOMMIT"
    )
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    url = make_url(database_url).set(database=name).render_as_string(hide_password=False)
    migrate(url)
    return url


@pytest.fixture
def empty_database_url(database_url: str) -> str:
    return fresh_database(database_url)


# --- a live server with a ready workspace and embed code (sockets, streaming) -------


@pytest.fixture
def server(database_url: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Any]:
    extra = getattr(request, "param", {})
    settings = make_settings(
        database_url=database_url,
        data_dir=str(tmp_path / "d"),
        job_poll_seconds="0.05",
        answer_min_similarity="0.05",  # the hashing embedder's similarities are small
        **extra,
    )
    with ApiServer(create_app(settings), free_port()) as api:
        yield api


@pytest.fixture
def site(server: ApiServer) -> Iterator[Any]:
    from tests.integration.widget_helpers import RETURNS, SHIPPING, Site  # it imports us

    with httpx.Client(base_url=server.url, timeout=30) as client:
        headers = owner(client)  # type: ignore[arg-type]
        for title, content in (("Shipping", SHIPPING), ("Returns", RETURNS)):
            document = client.post(
                "/api/v1/documents/text", json={"title": title, "content": content}, headers=headers
            ).json()
            wait_settled(client, headers, document["id"])  # type: ignore[arg-type]
        code = client.post(
            "/api/v1/embed-codes",
            json={
                "name": "Shop",
                "allowed_domains": ["shop.example.com"],
                "settings": {"rate_limited_message": "Easy there!"},
            },
            headers=headers,
        ).json()
        yield Site(client, headers, code)  # type: ignore[arg-type]
