"""A real database outage: a private PostgreSQL stopped under a running app and started
again. Requests get 503 with Retry-After at once (no 500, no traceback), the outage is
logged once at each end, and the app heals without a restart."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from adapters.outbound.postgres.migrate import migrate
from bootstrap.embedded_postgres import EmbeddedPostgres
from tests.conftest import make_settings
from tests.integration.conftest import make_client
from tests.integration.fault_helpers import kill_backends
from tests.integration.knowledge_helpers import owner

# A failure here loses data, lets someone in, or stops answers.
pytestmark = pytest.mark.critical


@pytest.fixture
def private_postgres(tmp_path: Path) -> Iterator[EmbeddedPostgres]:
    server = EmbeddedPostgres(tmp_path / "db")
    migrate(server.start())
    yield server
    server.stop()


def test_a_stopped_database_means_503_at_once_and_the_app_heals(
    private_postgres: EmbeddedPostgres, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = private_postgres.start()
    settings = make_settings(
        database_url=url, data_dir=str(tmp_path / "data"), log_json=True, run_worker=False
    )
    with make_client(settings) as client:
        headers = owner(client)
        assert client.get("/api/v1/workspace", headers=headers).status_code == 200
        private_postgres.stop()
        for call in (
            lambda: client.get("/api/v1/workspace", headers=headers),
            lambda: client.post("/api/v1/chat", json={"message": "Shipping?"}, headers=headers),
            lambda: client.get("/api/v1/documents", headers=headers),
        ):
            started = time.perf_counter()
            response = call()
            assert time.perf_counter() - started < 1.0
            assert response.status_code == 503, response.text
            assert response.json()["code"] == "service_unavailable"
            assert int(response.headers["retry-after"]) >= 1
        assert client.get("/health/ready").status_code == 503
        private_postgres.start()
        deadline = time.monotonic() + 10
        status = 0
        while status != 200 and time.monotonic() < deadline:
            status = client.get("/api/v1/workspace", headers=headers).status_code
            time.sleep(0.1)
        assert status == 200
        assert client.get("/health/ready").status_code == 200
    err = capsys.readouterr().err
    logged = [json.loads(line) for line in err.splitlines() if line.startswith("{")]
    events = [line["event"] for line in logged]
    assert events.count("database.unavailable") == 1
    assert events.count("database.recovered") == 1
    assert not [line for line in logged if "exception" in line], "an outage is not a bug"


def test_pooled_connections_killed_under_the_app_cost_no_request(
    private_postgres: EmbeddedPostgres, tmp_path: Path
) -> None:
    """No connection is pinged before use: one that died while pooled fails on its first
    exchange (the scope, before any statement of ours) and is replaced there, once."""
    url = private_postgres.start()
    settings = make_settings(database_url=url, data_dir=str(tmp_path / "data"), run_worker=False)
    with make_client(settings) as client:
        headers = owner(client)
        for _ in range(3):
            # Several idle connections in the pool, all of them killed at once.
            with ThreadPoolExecutor(6) as pool:
                calls = [
                    pool.submit(client.get, "/api/v1/documents", headers=headers) for _ in range(6)
                ]
                assert [call.result().status_code for call in calls] == [200] * 6
            assert kill_backends(url) >= 1
            for path in ("/api/v1/workspace", "/api/v1/documents", "/api/v1/conversations"):
                response = client.get(path, headers=headers)
                assert response.status_code == 200, response.text
