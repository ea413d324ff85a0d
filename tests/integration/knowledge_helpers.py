"""Shared helpers for knowledge-base integration tests: accounts, uploads, waiting, fixtures."""

from __future__ import annotations

import io
import time
import uuid
from typing import Any

from litestar.testing import TestClient

PASSWORD = "a-good-password"


def owner(client: TestClient[Any], plan: str | None = "pro") -> dict[str, str]:
    body = {
        "email": f"{uuid.uuid4().hex[:10]}@example.com",
        "password": PASSWORD,
        "full_name": "Kim Owner",
        "workspace_name": "Shop",
    }
    response = client.post("/api/v1/auth/register", json=body)
    assert response.status_code == 201, response.text
    headers = {"Authorization": f"Bearer {response.json()['access_token']}"}
    if plan:
        assert (
            client.put("/api/v1/workspace/plan", json={"plan": plan}, headers=headers).status_code
            == 200
        )
    return headers


def upload(
    client: TestClient[Any],
    headers: dict[str, str],
    name: str,
    data: bytes,
    title: str | None = None,
) -> Any:
    form = {"title": title} if title else None
    return client.post(
        "/api/v1/documents", files={"file": (name, data)}, data=form, headers=headers
    )


def wait_settled(
    client: TestClient[Any], headers: dict[str, str], document_id: str
) -> dict[str, Any]:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        document: dict[str, Any] = client.get(
            f"/api/v1/documents/{document_id}", headers=headers
        ).json()
        if document["status"] in ("ready", "failed"):
            return document
        time.sleep(0.1)
    raise AssertionError(f"document {document_id} did not settle: {document}")


def search(
    client: TestClient[Any], headers: dict[str, str], query: str, top_k: int = 5
) -> list[dict[str, Any]]:
    response = client.post("/api/v1/search", json={"query": query, "top_k": top_k}, headers=headers)
    assert response.status_code == 200, response.text
    results: list[dict[str, Any]] = response.json()["results"]
    return results


def pdf_bytes(pages: list[tuple[str, str]]) -> bytes:
    from fpdf import FPDF

    pdf = FPDF()
    for heading, body in pages:
        pdf.add_page()
        pdf.set_font("Helvetica", size=16)
        pdf.multi_cell(0, 10, heading, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("Helvetica", size=11)
        pdf.multi_cell(0, 6, body, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def docx_bytes(sections: list[tuple[str, str]]) -> bytes:
    import docx

    document = docx.Document()
    for heading, body in sections:
        document.add_heading(heading, level=1)
        document.add_paragraph(body)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
