"""HealthController over HTTP: liveness, and readiness against the real embedded PostgreSQL."""

from __future__ import annotations

from typing import Any

from litestar.testing import TestClient

# --- health ------------------------------------------------------------------


def test_health_live(client: TestClient[Any]) -> None:
    response = client.get("/health/live")
    assert response.status_code == 200


def test_health_ready_reports_the_database(client: TestClient[Any]) -> None:
    response = client.get("/health/ready")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["database"] == "ok"
    assert {"database", "redis", "queue"} <= body.keys()
