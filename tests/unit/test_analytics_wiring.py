"""The reports, exports and data rights are wired in the memory harness as in production."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from litestar.testing import TestClient

from bootstrap.app import create_app
from tests.conftest import make_settings

REPORTS = ("summary", "queries-over-time", "top-queries", "documents", "embed-codes", "quality")


def test_every_report_and_export_answers_in_memory(tmp_path: Path) -> None:
    settings = make_settings(
        storage="memory",
        data_dir=str(tmp_path / "data"),
        answer_min_similarity="0.05",
        job_poll_seconds="0.05",
    )
    with TestClient(create_app(settings)) as client:
        headers = _owner(client)
        document = client.post(
            "/api/v1/documents/text",
            json={"title": "Shipping", "content": "# Shipping\n\nCanada: 5 to 8 days.\n"},
            headers=headers,
        ).json()
        _wait_ready(client, headers, document["id"])
        asked = client.post(
            "/api/v1/chat", json={"message": "How long is shipping to Canada?"}, headers=headers
        )
        assert asked.status_code == 200, asked.text
        for name in (*REPORTS, "gaps"):
            params = {"tz": "Asia/Kolkata"}
            response = client.get(f"/api/v1/analytics/{name}", params=params, headers=headers)
            assert response.status_code == 200, (name, response.text)
        summary = client.get("/api/v1/analytics/summary", headers=headers).json()
        assert (summary["total_queries"], summary["total_sessions"], summary["documents"]) == (
            1,
            1,
            1,
        )
        lines = client.get("/api/v1/conversations/export", headers=headers).text.splitlines()
        assert [len(json.loads(line)["messages"]) for line in lines] == [2]
        patched = client.patch("/api/v1/workspace", json={"retention_days": 7}, headers=headers)
        assert patched.json()["retention_days"] == 7


def _owner(client: TestClient[Any]) -> dict[str, str]:
    body = {"email": "o@example.com", "password": "x" * 12, "full_name": "O", "workspace_name": "W"}
    response = client.post("/api/v1/auth/register", json=body)
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def _wait_ready(client: TestClient[Any], headers: dict[str, str], document_id: str) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if (
            client.get(f"/api/v1/documents/{document_id}", headers=headers).json()["status"]
            == "ready"
        ):
            return
        time.sleep(0.05)
    raise AssertionError("the document never became ready")
