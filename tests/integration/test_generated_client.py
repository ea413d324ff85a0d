"""The document is usable, not only valid: a Python client generated from it at test time
(openapi-python-client, into a temporary directory) runs a customer's first journey
against the real server: register, add a document, wait until it is ready, ask, and read
the conversation back. Every call goes through the generated functions and models."""

from __future__ import annotations

import importlib
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from bootstrap.app import create_app
from tests.conftest import make_settings
from tests.integration.knowledge_helpers import PASSWORD
from tests.integration.live_server import ApiServer
from tests.integration.test_serve_process import free_port

PACKAGE = "ccgpt_generated_client"


def generate(url: str, where: Path) -> Any:
    document = where / "openapi.json"
    document.write_bytes(httpx.get(f"{url}/schema/openapi.json").content)
    config = where / "generator.yaml"
    config.write_text("post_hooks: []\n")  # no formatter needed to import it
    tool = Path(sys.executable).with_name("openapi-python-client")
    result = subprocess.run(  # noqa: S603 - our own venv's tool on our own document
        [
            str(tool),
            "generate",
            "--path",
            str(document),
            "--output-path",
            str(where / PACKAGE),
            "--meta",
            "none",
            "--config",
            str(config),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Unable to" not in result.stdout, result.stdout  # no schema was dropped
    sys.path.insert(0, str(where))
    return importlib.import_module(PACKAGE)


@pytest.fixture
def api(database_url: str, tmp_path: Path) -> Any:
    settings = make_settings(
        database_url=database_url,
        data_dir=str(tmp_path / "d"),
        job_poll_seconds="0.05",
        answer_min_similarity="0.05",  # the hashing embedder's similarities are small
    )
    with ApiServer(create_app(settings), free_port()) as server:
        yield server


def test_a_generated_client_runs_the_first_journey(api: Any, tmp_path: Path) -> None:
    client_package = generate(api.url, tmp_path)
    try:
        journey(client_package, api.url)
    finally:
        sys.path.remove(str(tmp_path))
        for name in [n for n in sys.modules if n.startswith(PACKAGE)]:
            del sys.modules[name]


def journey(pkg: Any, url: str) -> None:
    def module(name: str) -> Any:
        return importlib.import_module(f"{PACKAGE}.{name}")

    models = module("models")
    anonymous = pkg.Client(base_url=url)
    registered = module("api.accounts.register").sync(
        client=anonymous,
        body=models.RegisterBody(
            email=f"journey-{time.time_ns()}@acme.example",
            password=PASSWORD,
            full_name="Kim Owner",
            workspace_name="Acme",
        ),
    )
    assert isinstance(registered, models.RegisteredOut), registered
    client = pkg.AuthenticatedClient(base_url=url, token=registered.access_token)

    document = module("api.knowledge_base.add_text_document").sync(
        client=client,
        body=models.TextDocumentBody(
            title="Shipping",
            content="# Shipping\n\nOrders to Canada arrive in 5 to 8 business days.\n",
        ),
    )
    assert isinstance(document, models.DocumentOut), document
    get_document = module("api.knowledge_base.get_document")
    deadline = time.monotonic() + 60
    while (status := get_document.sync(document.id, client=client).status.value) != "ready":
        assert status in ("queued", "processing") and time.monotonic() < deadline, status
        time.sleep(0.1)

    answer = module("api.chat.ask").sync(
        client=client, body=models.ChatBody(message="How long does shipping to Canada take?")
    )
    assert isinstance(answer, models.ChatOut), answer
    assert answer.action.value == "answered" and "5 to 8" in answer.answer
    assert answer.sources[0].title == "Shipping"

    thread = module("api.conversations.get_conversation").sync(answer.session_id, client=client)
    assert isinstance(thread, models.ThreadOut), thread
    assert [m.role.value for m in thread.messages] == ["visitor", "assistant"]
    assert thread.messages[1].id == answer.message_id
    listed = module("api.conversations.list_conversations").sync(client=client)
    assert [c.id for c in listed.items] == [answer.session_id]

    missing = get_document.sync_detailed(answer.session_id, client=client)
    assert missing.status_code == 404
    assert isinstance(missing.parsed, models.Problem) and missing.parsed.code.value == "not_found"
