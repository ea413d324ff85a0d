"""The knowledge base over HTTP, against PostgreSQL + pgvector and the in-app worker."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient

from tests.conftest import make_settings
from tests.integration.conftest import make_client
from tests.integration.knowledge_helpers import (
    docx_bytes,
    owner,
    pdf_bytes,
    search,
    upload,
    wait_settled,
)

FILES = {
    "glacier.md": (
        b"# Glacier tours\n\nOur glacier hikes leave at 7am from the Skaftafell visitor centre.\n\n"
        b"## Crampons\n\nCrampons and helmets are included in the ticket price.\n"
    ),
    "kayak.txt": (
        b"Sea kayak rental\n\nKayaks can be rented by the hour; wetsuits cost 15 euros extra.\n"
    ),
    "lighthouse.html": (
        b"<html><head><style>p{}</style><script>alert('x')</script></head><body>"
        b"<nav>Home | Shop</nav><main><h1>Lighthouse museum</h1>"
        b"<p>The lighthouse museum opens on Sundays and keeps a collection of Fresnel lenses.</p>"
        b"</main><footer>Copyright</footer></body></html>"
    ),
}
QUESTIONS = {
    "glacier": "are crampons included for the glacier hike?",
    "kayak": "how much does a wetsuit cost with a kayak?",
    "lighthouse": "when is the lighthouse museum open?",
    "volcano": "what does the volcano report say about lava temperature?",
    "sauna": "how hot is the geothermal sauna?",
}


@pytest.fixture
def kb_client(database_url: str, tmp_path: Path) -> Iterator[TestClient[Any]]:
    settings = make_settings(
        database_url=database_url,
        data_dir=str(tmp_path / "d"),
        embedder="hashing",
        job_poll_seconds="0.05",
    )
    with make_client(settings) as client:
        yield client


def all_formats() -> dict[str, bytes]:
    volcano = pdf_bytes(
        [
            ("Volcano report", "Eruption history of the region."),
            ("Lava", "The lava temperature measured at the vent was 1150 degrees Celsius."),
        ]
    )
    sauna = docx_bytes([("Geothermal sauna", "The geothermal sauna is kept at 85 degrees.")])
    return {**FILES, "volcano.pdf": volcano, "sauna.docx": sauna}


def test_every_format_becomes_searchable_and_answers_its_own_question(
    kb_client: TestClient[Any],
) -> None:
    headers = owner(kb_client)
    ids = {}
    for name, data in all_formats().items():
        response = upload(kb_client, headers, name, data)
        assert response.status_code == 202, response.text
        assert response.json()["status"] == "queued"
        ids[name.split(".")[0]] = response.json()["id"]
    for document_id in ids.values():
        document = wait_settled(kb_client, headers, document_id)
        assert document["status"] == "ready", document
        assert document["chunk_count"] >= 1 and document["error"] is None
    for stem, question in QUESTIONS.items():
        assert search(kb_client, headers, question)[0]["document_id"] == ids[stem], question


def test_chunks_keep_pages_and_headings(kb_client: TestClient[Any]) -> None:
    headers = owner(kb_client)
    long_pages = [
        (
            f"Section {n}",
            " ".join(f"Observation {n}.{i} of the crater rim was recorded." for i in range(60)),
        )
        for n in (1, 2, 3)
    ]
    volcano = upload(kb_client, headers, "long-report.pdf", pdf_bytes(long_pages)).json()
    wait_settled(kb_client, headers, volcano["id"])
    chunks = kb_client.get(f"/api/v1/documents/{volcano['id']}/chunks", headers=headers).json()[
        "items"
    ]
    assert {c["page"] for c in chunks} == {1, 2, 3}
    first_of_page_3 = next(c for c in chunks if c["page"] == 3)
    assert "Observation 3." in first_of_page_3["text"]
    assert all(
        {"id", "ordinal", "text", "page", "heading", "token_count"} <= c.keys() for c in chunks
    )
    assert [c["ordinal"] for c in chunks] == list(range(len(chunks)))


def test_html_keeps_main_text_only(kb_client: TestClient[Any]) -> None:
    headers = owner(kb_client)
    document = upload(kb_client, headers, "lighthouse.html", FILES["lighthouse.html"]).json()
    wait_settled(kb_client, headers, document["id"])
    chunks = kb_client.get(f"/api/v1/documents/{document['id']}/chunks", headers=headers).json()[
        "items"
    ]
    text = " ".join(c["text"] for c in chunks)
    assert "Fresnel" in text and "alert" not in text and "Copyright" not in text and "<" not in text


def test_an_executable_named_pdf_is_refused_and_nothing_is_stored(
    kb_client: TestClient[Any],
) -> None:
    headers = owner(kb_client)
    response = upload(kb_client, headers, "invoice.pdf", b"MZ\x90\x00" + b"\x00" * 200)
    assert response.status_code == 415 and response.json()["code"] == "unsupported_media_type"
    assert kb_client.get("/api/v1/documents", headers=headers).json()["items"] == []


def test_a_corrupt_pdf_fails_readably_and_the_server_keeps_serving(
    kb_client: TestClient[Any],
) -> None:
    headers = owner(kb_client)
    broken = upload(
        kb_client, headers, "broken.pdf", b"%PDF-1.7\n1 0 obj << /Type /Catalog >> garbage"
    ).json()
    document = wait_settled(kb_client, headers, broken["id"])
    assert document["status"] == "failed" and document["error"]
    assert "Traceback" not in document["error"]
    assert kb_client.get("/health/live").status_code == 200


def test_identical_content_is_detected(kb_client: TestClient[Any]) -> None:
    headers = owner(kb_client)
    assert upload(kb_client, headers, "a.txt", b"Same words.").status_code == 202
    again = upload(kb_client, headers, "b.txt", b"Same words.")
    assert again.status_code == 409 and again.json()["code"] == "conflict"


def test_text_documents(kb_client: TestClient[Any]) -> None:
    headers = owner(kb_client)
    response = kb_client.post(
        "/api/v1/documents/text",
        json={"title": "Opening hours", "content": "Open 9 to 5."},
        headers=headers,
    )
    assert response.status_code == 202 and response.json()["mime_type"] == "text/plain"
    assert wait_settled(kb_client, headers, response.json()["id"])["status"] == "ready"
    for body in (
        {"title": "x", "content": "  "},
        {"content": "no title"},
        {"title": "", "content": "x"},
    ):
        bad = kb_client.post("/api/v1/documents/text", json=body, headers=headers)
        assert bad.status_code == 422, body


@pytest.mark.critical
def test_deleted_documents_are_never_retrieved_again(kb_client: TestClient[Any]) -> None:
    headers = owner(kb_client)
    kept = upload(kb_client, headers, "kayak.txt", FILES["kayak.txt"]).json()
    gone = upload(kb_client, headers, "glacier.md", FILES["glacier.md"]).json()
    for document in (kept, gone):
        wait_settled(kb_client, headers, document["id"])
    assert kb_client.delete(f"/api/v1/documents/{gone['id']}", headers=headers).status_code == 204
    results = search(kb_client, headers, "crampons glacier hike", top_k=10)
    assert all(r["document_id"] != gone["id"] for r in results)
    assert kb_client.get(f"/api/v1/documents/{gone['id']}", headers=headers).status_code == 404
    assert (
        kb_client.get(f"/api/v1/documents/{gone['id']}/chunks", headers=headers).status_code == 404
    )
    assert kb_client.delete(f"/api/v1/documents/{gone['id']}", headers=headers).status_code == 404
    usage = kb_client.get("/api/v1/workspace", headers=headers).json()["usage"]
    assert usage["documents"] == 1 and usage["storage_bytes"] == len(FILES["kayak.txt"])


@pytest.mark.critical
def test_another_workspace_never_sees_a_document_or_chunk(kb_client: TestClient[Any]) -> None:
    alice, mallory = owner(kb_client), owner(kb_client)
    document = upload(kb_client, alice, "glacier.md", FILES["glacier.md"]).json()
    wait_settled(kb_client, alice, document["id"])
    assert search(kb_client, mallory, "crampons glacier") == []
    for method, path in (
        ("GET", f"/api/v1/documents/{document['id']}"),
        ("GET", f"/api/v1/documents/{document['id']}/chunks"),
        ("POST", f"/api/v1/documents/{document['id']}/reindex"),
        ("DELETE", f"/api/v1/documents/{document['id']}"),
    ):
        response = kb_client.request(method, path, headers=mallory)
        assert response.status_code == 404 and response.json()["code"] == "not_found", path
    assert kb_client.get("/api/v1/documents", headers=mallory).json()["items"] == []
    assert search(kb_client, alice, "crampons glacier")[0]["document_id"] == document["id"]


def test_reindex_replaces_chunks_without_duplicates(kb_client: TestClient[Any]) -> None:
    headers = owner(kb_client)
    document = upload(kb_client, headers, "glacier.md", FILES["glacier.md"]).json()
    before = wait_settled(kb_client, headers, document["id"])
    chunk_ids = [
        c["id"]
        for c in kb_client.get(
            f"/api/v1/documents/{document['id']}/chunks", headers=headers
        ).json()["items"]
    ]
    assert (
        kb_client.post(f"/api/v1/documents/{document['id']}/reindex", headers=headers).status_code
        == 202
    )
    after = wait_settled(kb_client, headers, document["id"])
    assert after["status"] == "ready" and after["chunk_count"] == before["chunk_count"]
    again = [
        c["id"]
        for c in kb_client.get(
            f"/api/v1/documents/{document['id']}/chunks", headers=headers
        ).json()["items"]
    ]
    assert again == chunk_ids
    assert len(search(kb_client, headers, "crampons", top_k=50)) == before["chunk_count"]


@pytest.mark.critical
def test_agents_read_but_do_not_change_the_knowledge_base(kb_client: TestClient[Any]) -> None:
    headers = owner(kb_client)
    member = {
        "email": f"agent-{uuid.uuid4().hex[:10]}@example.org",
        "full_name": "Al",
        "role": "agent",
        "password": "a-good-password",
    }
    assert (
        kb_client.post("/api/v1/workspace/members", json=member, headers=headers).status_code == 201
    )
    login = kb_client.post(
        "/api/v1/auth/login", json={"email": member["email"], "password": member["password"]}
    )
    agent = {"Authorization": f"Bearer {login.json()['access_token']}"}
    assert upload(kb_client, agent, "a.txt", b"text").status_code == 403
    assert kb_client.get("/api/v1/documents", headers=agent).status_code == 200


@pytest.mark.parametrize(
    "body",
    [
        {"query": "", "top_k": 5},
        {"query": "x", "top_k": 0},
        {"query": "x", "top_k": 51},
        {"query": "x" * 1001},
    ],
)
def test_search_input_is_validated(kb_client: TestClient[Any], body: dict[str, Any]) -> None:
    response = kb_client.post("/api/v1/search", json=body, headers=owner(kb_client, plan=None))
    assert response.status_code == 422 and response.json()["code"] == "validation_error"


def test_plan_limits_on_documents(database_url: str, tmp_path: Path) -> None:
    plans = tmp_path / "plans.toml"
    plans.write_text("[plans.free]\ndocuments = 2\nmax_file_mb = 1\nstorage_mb = 2\n")
    settings = make_settings(
        database_url=database_url,
        data_dir=str(tmp_path / "d"),
        embedder="hashing",
        plans_file=str(plans),
    )
    with make_client(settings) as client:
        headers = owner(client, plan=None)
        too_big = upload(client, headers, "big.txt", b"a " * (600 * 1024))
        assert too_big.status_code == 413 and too_big.json()["code"] == "payload_too_large"
        assert upload(client, headers, "one.txt", b"one").status_code == 202
        assert upload(client, headers, "two.txt", b"two").status_code == 202
        third = upload(client, headers, "three.txt", b"three")
        assert third.status_code == 402 and third.json()["code"] == "quota_exceeded"
        assert "documents" in third.json()["detail"]
        assert (
            client.put("/api/v1/workspace/plan", json={"plan": "pro"}, headers=headers).status_code
            == 200
        )
        assert upload(client, headers, "three.txt", b"three").status_code == 202


def test_uploads_over_the_hard_cap_are_413(database_url: str, tmp_path: Path) -> None:
    settings = make_settings(
        database_url=database_url,
        data_dir=str(tmp_path / "d"),
        embedder="hashing",
        max_upload_mb="1",
    )
    with make_client(settings) as client:
        headers = owner(client, plan="enterprise")
        response = upload(client, headers, "big.txt", b"a" * (2 * 1024 * 1024))
        assert response.status_code == 413 and response.json()["code"] == "payload_too_large"


@pytest.mark.critical
def test_hostile_files_fail_cleanly_and_ingestion_goes_on(kb_client: TestClient[Any]) -> None:
    from tests.unit.test_parsing import (
        BILLION_LAUGHS,
        build_docx,
        build_zip_bomb_docx,
        encrypt,
        replace_parts,
    )

    headers = owner(kb_client)
    hostile = {
        "locked.pdf": encrypt(pdf_bytes([("Secret", "Hidden text.")]), "secret"),
        "laughs.docx": replace_parts(build_docx(), **{"word/document.xml": BILLION_LAUGHS}),
        "bomb.docx": build_zip_bomb_docx(),
    }
    for name, data in hostile.items():
        response = upload(kb_client, headers, name, data)
        assert response.status_code in (202, 415), (name, response.text)
        if response.status_code == 202:
            document = wait_settled(kb_client, headers, response.json()["id"])
            assert document["status"] == "failed", (name, document)
            assert document["error"] and "Traceback" not in document["error"], document
    assert kb_client.get("/health/ready").status_code == 200
    good = upload(kb_client, headers, "kayak.txt", FILES["kayak.txt"]).json()
    assert wait_settled(kb_client, headers, good["id"])["status"] == "ready"
