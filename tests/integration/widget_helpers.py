"""Helpers for widget tests: a workspace with documents and an embed code, and widget calls."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from litestar.testing import TestClient

from tests.conftest import make_settings
from tests.integration.conftest import make_client
from tests.integration.knowledge_helpers import owner, wait_settled

SITE = "https://shop.example.com"
SHIPPING = "# Shipping\n\nOrders to Canada arrive in 5 to 8 business days.\n"
RETURNS = "# Returns\n\nYou can return any item within 30 days for a full refund.\n"


def widget_client(database_url: str, tmp_path: Path, **extra: str) -> TestClient[Any]:
    settings = make_settings(
        database_url=database_url,
        data_dir=str(tmp_path / "d"),
        job_poll_seconds="0.05",
        answer_min_similarity="0.05",  # the hashing embedder's similarities are small
        **extra,
    )
    return make_client(settings)


@dataclass
class Site:
    """A workspace with documents and one embed code that allows SITE."""

    client: TestClient[Any]
    headers: dict[str, str]
    code: dict[str, Any]

    @property
    def key(self) -> str:
        return str(self.code["public_key"])

    def widget(
        self,
        method: str,
        path: str,
        *,
        origin: str | None = SITE,
        key: str | None = None,
        token: str | None = None,
        **kwargs: Any,
    ) -> Any:
        headers = dict(kwargs.pop("headers", {}))
        if origin:
            headers["Origin"] = origin
        if token:
            headers["X-Session-Token"] = token
        params = {"key": key or self.key}
        return self.client.request(
            method, f"/widget/v1{path}", params=params, headers=headers, **kwargs
        )

    def start(self, origin: str = SITE, **body: Any) -> dict[str, Any]:
        response = self.widget("POST", "/sessions", origin=origin, json=body)
        assert response.status_code == 201, response.text
        session: dict[str, Any] = response.json()
        return session

    def ask(
        self,
        session: dict[str, Any],
        text: str,
        origin: str = SITE,
        headers: dict[str, str] | None = None,
        **body: Any,
    ) -> Any:
        return self.widget(
            "POST",
            f"/sessions/{session['session_id']}/messages",
            origin=origin,
            token=session["session_token"],
            json={"text": text, **body},
            headers=headers or {},
        )

    def history(self, session: dict[str, Any]) -> Any:
        return self.widget(
            "GET", f"/sessions/{session['session_id']}/messages", token=session["session_token"]
        )

    def change(self, **body: Any) -> dict[str, Any]:
        response = self.client.patch(
            f"/api/v1/embed-codes/{self.code['id']}", json=body, headers=self.headers
        )
        assert response.status_code == 200, response.text
        self.code = response.json()
        return self.code


def new_site(
    client: TestClient[Any],
    allowed: list[str] | None = None,
    documents: bool = True,
    **settings: Any,
) -> Site:
    headers = owner(client)
    if documents:
        for title, content in (("Shipping", SHIPPING), ("Returns", RETURNS)):
            document = client.post(
                "/api/v1/documents/text", json={"title": title, "content": content}, headers=headers
            ).json()
            wait_settled(client, headers, document["id"])
    body = {
        "name": "Shop",
        "allowed_domains": ["shop.example.com"] if allowed is None else allowed,
        "settings": {"title": "Shop help", "suggested_questions": ["Shipping?"], **settings},
    }
    response = client.post("/api/v1/embed-codes", json=body, headers=headers)
    assert response.status_code == 201, response.text
    return Site(client, headers, response.json())
