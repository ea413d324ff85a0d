"""The OpenAPI document says what the server does: ids, security, problem responses,
headers, content types and constraints, as an integrator reading only the docs needs."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema_rs  # schemathesis brings it
import pytest
from litestar.testing import TestClient

from adapters.inbound.http.operations import OPERATIONS, Auth
from bootstrap.app import create_app
from domain.conversations import MAX_MESSAGE_CHARS
from tests.conftest import make_settings

METHODS = ("get", "put", "post", "patch", "delete")


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient[Any]]:
    settings = make_settings(storage="memory", data_dir=str(tmp_path_factory.mktemp("doc")))
    with TestClient(create_app(settings)) as client:
        yield client


@pytest.fixture(scope="module")
def doc(served: TestClient[Any]) -> dict[str, Any]:
    response = served.get("/schema/openapi.json")
    assert response.status_code == 200
    document: dict[str, Any] = response.json()
    return document


def operations(doc: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in doc["paths"].items():
        for method in METHODS:
            if method in item:
                yield method, path, item[method]


def test_every_operation_is_in_the_table_and_the_table_is_served(doc: dict[str, Any]) -> None:
    served = {(m.upper(), p) for m, p, _ in operations(doc)}
    assert served == set(OPERATIONS), "document a new route in operations.py"


def test_operation_ids_are_clean_and_unique(doc: dict[str, Any]) -> None:
    ids = [op["operationId"] for _, _, op in operations(doc)]
    assert len(ids) == len(set(ids))
    assert all(re.fullmatch(r"[a-z][A-Za-z]+", i) for i in ids), ids
    assert {"listDocuments", "rotateEmbedKey", "register", "ask"} <= set(ids)
    for _, _, op in operations(doc):
        assert op["summary"] and op["summary"][0].isupper()
        assert op.get("tags")


def test_tags_are_described(doc: dict[str, Any]) -> None:
    assert all(tag["description"] for tag in doc["tags"])
    used = {t for _, _, op in operations(doc) for t in op["tags"]}
    assert used == {tag["name"] for tag in doc["tags"]}


def test_security_is_per_route(doc: dict[str, Any]) -> None:
    assert "security" not in doc
    paths = doc["paths"]
    for public in ("/health/live", "/metrics", "/api/v1/auth/register", "/api/v1/auth/logout"):
        op = next(iter(v for k, v in paths[public].items() if k in METHODS))
        assert op["security"] == [], public
    assert paths["/api/v1/documents"]["get"]["security"] == [{"bearer": []}]
    assert paths["/widget/v1/config"]["get"]["security"] == [
        {"embed_key_header": []},
        {"embed_key_query": []},
    ]
    history = paths["/widget/v1/sessions/{session_id}/messages"]["get"]["security"]
    assert all("session_token" in requirement for requirement in history)
    schemes = doc["components"]["securitySchemes"]
    assert schemes["embed_key_header"]["name"] == "X-Embed-Key"
    assert schemes["session_token"]["name"] == "X-Session-Token"


def test_errors_are_problem_details_with_their_statuses(doc: dict[str, Any]) -> None:
    problem = doc["components"]["schemas"]["Problem"]
    assert set(problem["required"]) == {"type", "title", "status", "detail", "code"}
    assert "errors" in problem["properties"]
    for method, path, op in operations(doc):
        assert "400" not in op["responses"], (method, path)
        for status, response in op["responses"].items():
            if int(status) >= 400 and not (path == "/health/ready" and status == "503"):
                content = response["content"]["application/problem+json"]
                assert content["schema"] == {"$ref": "#/components/schemas/Problem"}
                assert content["example"]["status"] == int(status)
        auth = OPERATIONS[(method.upper(), path)].auth
        if auth is not Auth.PUBLIC:
            assert "401" in op["responses"], (method, path)
        if "requestBody" in op:
            assert {"413", "415", "422"} <= op["responses"].keys(), (method, path)
        if "{" in path:
            assert "404" in op["responses"], (method, path)
    login = doc["paths"]["/api/v1/auth/login"]["post"]["responses"]
    assert {"401", "429"} <= login.keys() and "invalid_credentials" in login["401"]["description"]
    assert "402" in doc["paths"]["/api/v1/documents"]["post"]["responses"]
    assert "409" in doc["paths"]["/api/v1/auth/register"]["post"]["responses"]


def test_rate_limit_headers_are_declared_where_sent(doc: dict[str, Any]) -> None:
    ask = doc["paths"]["/widget/v1/sessions/{session_id}/messages"]["post"]["responses"]
    assert {"RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset"} <= ask["200"][
        "headers"
    ].keys()
    assert "Retry-After" in ask["429"]["headers"]
    assert "RateLimit-Limit" in doc["paths"]["/api/v1/chat"]["post"]["responses"]["200"]["headers"]
    assert "Retry-After" in doc["paths"]["/api/v1/documents"]["get"]["responses"]["503"]["headers"]


def test_content_types_are_as_served(doc: dict[str, Any], served: TestClient[Any]) -> None:
    paths = doc["paths"]
    assert list(paths["/metrics"]["get"]["responses"]["200"]["content"]) == ["text/plain"]
    script = paths["/widget/v1/widget.js"]["get"]["responses"]
    assert list(script["200"]["content"]) == ["application/javascript"] and "304" in script
    assert served.get("/metrics").headers["content-type"].startswith("text/plain")
    js = served.get("/widget/v1/widget.js").headers["content-type"]
    assert js.startswith("application/javascript")
    session = paths["/widget/v1/sessions"]["post"]["requestBody"]
    assert session["required"] is False
    summary = paths["/api/v1/analytics/summary"]["get"]["responses"]["200"]["content"]
    assert {"application/json", "text/csv"} <= summary.keys()


def test_constraints_are_as_enforced(doc: dict[str, Any]) -> None:
    schemas = doc["components"]["schemas"]
    assert schemas["ChatBody"]["properties"]["message"]["maxLength"] == MAX_MESSAGE_CHARS
    assert schemas["WidgetMessageBody"]["properties"]["text"]["maxLength"] == MAX_MESSAGE_CHARS
    password = schemas["RegisterBody"]["properties"]["password"]
    assert (password["minLength"], password["maxLength"]) == (10, 128)
    colour = schemas["SettingsBody"]["properties"]["primary_color"]["oneOf"][0]["pattern"]
    assert re.match(colour, "#0F766E") and not re.match(colour, "teal")
    assert schemas["SearchBody"]["properties"]["top_k"]["maximum"] >= 1
    assert schemas["DocumentOut"]["properties"]["status"]["enum"] == [
        "queued",
        "processing",
        "ready",
        "failed",
    ]
    assert schemas["FeedbackBody"]["properties"]["rating"]["enum"] == ["up", "down"]
    assert schemas["RegisterBody"]["additionalProperties"] is False
    limit = next(
        p for p in doc["paths"]["/api/v1/documents"]["get"]["parameters"] if p["name"] == "limit"
    )
    assert (limit["schema"]["minimum"], limit["schema"]["maximum"]) == (1, 100)
    order = next(
        p
        for p in doc["paths"]["/api/v1/conversations"]["get"]["parameters"]
        if p["name"] == "order"
    )
    assert order["schema"]["enum"] == ["newest", "oldest"] and order["description"]


def test_request_bodies_have_examples(doc: dict[str, Any]) -> None:
    register = doc["paths"]["/api/v1/auth/register"]["post"]["requestBody"]["content"]
    assert register["application/json"]["example"]["email"]


def test_sockets_are_described_by_an_asyncapi_document(
    doc: dict[str, Any], served: TestClient[Any]
) -> None:
    assert "/schema/asyncapi.json" in doc["info"]["description"]
    asyncapi = served.get("/schema/asyncapi.json").json()
    assert asyncapi["asyncapi"].startswith("2.")
    widget = asyncapi["channels"]["/widget/v1/ws"]
    assert {"publish", "subscribe"} <= widget.keys()
    assert "/api/v1/ws" in asyncapi["channels"]
    schemas = asyncapi["components"]["schemas"]
    assert schemas["Ask"]["properties"]["type"]["enum"] == ["message"]
    assert {"Ready", "Pong", "ErrorOut", "MessageFrame", "Ping"} <= schemas.keys()


def test_the_docs_page_loads_nothing_from_outside(served: TestClient[Any]) -> None:
    for path in ("/schema", "/schema/swagger"):
        page = served.get(path)
        assert page.status_code == 200 and "text/html" in page.headers["content-type"]
        assert not re.search(r"""(src|href)=["']https?://""", page.text), page.text[:500]
        for asset in re.findall(r"""(?:src|href)=["'](/schema/assets/[^"']+)""", page.text):
            assert served.get(asset).status_code == 200, asset


def test_the_readme_links_the_socket_document() -> None:
    readme = (Path(__file__).parents[2] / "README.md").read_text()
    assert "/schema/asyncapi.json" in readme


def test_examples_fit_their_schemas(doc: dict[str, Any]) -> None:
    schemas = doc["components"]["schemas"]
    for name in ("DocumentOut", "ChatOut", "ConversationOut", "TokenPairOut", "SessionOut"):
        (example,) = schemas[name]["examples"]
        assert set(example) == set(schemas[name]["properties"]), name
        fits(doc, name, example)
    for _, _, op in operations(doc):
        for media in op.get("requestBody", {}).get("content", {}).values():
            ref = media["schema"].get("$ref", "")
            if "example" in media and ref:
                fits(doc, ref.rsplit("/", 1)[-1], media["example"])


def fits(doc: dict[str, Any], name: str, value: Any) -> None:
    schema = {"$ref": f"#/components/schemas/{name}", "components": doc["components"]}
    jsonschema_rs.Draft202012Validator(schema).validate(value)


def test_every_operation_parameter_and_property_is_described(doc: dict[str, Any]) -> None:
    for method, path, op in operations(doc):
        assert op.get("description"), (method, path)
        for param in op.get("parameters", []):
            assert param.get("description"), (method, path, param["name"])
    for name, schema in doc["components"]["schemas"].items():
        for prop, value in schema.get("properties", {}).items():
            assert value.get("description"), f"{name}.{prop}: add it to field_descriptions.py"
