"""One tenant's heavy uploads cannot stall everyone's ingestion (issue: fair ingestion).

A free workspace uploads Word files that take many seconds to read; meanwhile another
workspace's small document must become ready within 10 s, and the heavy workspace runs
one job at a time. The parser is the real isolated one, so the heavy files really parse."""

from __future__ import annotations

import io
import time
import zipfile
from pathlib import Path
from typing import Any

import docx

from tests.conftest import make_settings
from tests.integration.conftest import make_client
from tests.integration.knowledge_helpers import owner, upload

PARAGRAPH = (
    '<w:p><w:r><w:t xml:space="preserve">Paragraph {n} about returns, shipping and '
    "warranties, in many words for the reader to get through.</w:t></w:r></w:p>"
)


def heavy_docx(paragraphs: int) -> bytes:
    """A valid Word file whose body holds `paragraphs` paragraphs (python-docx reads each
    one slowly: ~1.5 ms apiece here), built directly rather than through python-docx."""
    template = io.BytesIO()
    docx.Document().save(template)
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(template.getvalue())) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for item in source.infolist():
            data = source.read(item)
            if item.filename == "word/document.xml":
                body = "".join(PARAGRAPH.format(n=n) for n in range(paragraphs)).encode()
                data = data.replace(b"<w:body>", b"<w:body>" + body, 1)
            target.writestr(item, data)
    return out.getvalue()


def status(client: Any, headers: dict[str, str], document_id: str) -> str:
    return str(client.get(f"/api/v1/documents/{document_id}", headers=headers).json()["status"])


def test_a_small_document_is_ready_while_another_workspace_parses_heavy_ones(
    database_url: str, tmp_path: Path
) -> None:
    settings = make_settings(
        database_url=database_url,
        data_dir=str(tmp_path / "d"),
        job_poll_seconds="0.05",
        worker_concurrency="2",
    )
    with make_client(settings) as client:
        greedy = owner(client, plan=None)  # free: reading one file may take 20 s at most
        heavy_ids = [
            upload(client, greedy, f"manual-{n}.docx", heavy_docx(20_000 + n)).json()["id"]
            for n in range(2)
        ]
        deadline = time.monotonic() + 30
        while status(client, greedy, heavy_ids[0]) != "processing":
            assert time.monotonic() < deadline
            time.sleep(0.05)

        modest = owner(client, plan=None)
        started = time.monotonic()
        small = client.post(
            "/api/v1/documents/text",
            json={"title": "Hours", "content": "We are open from 9 to 5 on weekdays."},
            headers=modest,
        ).json()["id"]
        while status(client, modest, small) != "ready":
            assert time.monotonic() - started < 10, "the small document waited behind others"
            time.sleep(0.05)
        # The heavy workspace is still at its first file, and runs one at a time.
        assert status(client, greedy, heavy_ids[0]) == "processing"
        assert status(client, greedy, heavy_ids[1]) == "queued"
