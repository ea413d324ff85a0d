"""The OpenAPI document as clients meet it: Litestar's generated document, completed once.

Litestar derives paths, parameters and bodies from the handlers. This adds, from one table
(`operations.py`) and the problem table (`problems.py`), what the handlers cannot say:
operation ids and summaries, security per route, every problem response a route can give
(RFC 9457 `application/problem+json`), rate-limit headers, content types as served, and the
constraints the domain enforces beyond the bodies' types (`schema_facts.py`).
"""

from __future__ import annotations

import copy
import json
from http import HTTPStatus
from typing import Any

from adapters.inbound.http.field_descriptions import DESCRIPTIONS
from adapters.inbound.http.operations import ANALYTICS_IDS, OPERATIONS, TAGS, Auth, Operation
from adapters.inbound.http.problems import MISSING_BODY, STATUS_BY_CODE
from adapters.inbound.http.schema_facts import (
    NO_NUL,
    PARAMETERS,
    PROPERTIES,
    REQUEST_EXAMPLES,
    RESPONSE_EXAMPLES,
    special_responses,
)
from adapters.inbound.http.schemas.base import BodyIn

METHODS = ("get", "put", "post", "patch", "delete")
PROBLEM = "application/problem+json"
INFO = """The HTTP API of CustomerCareGPT: the knowledge base, chat, conversations, embed codes,
analytics, and the public widget API.

**Errors** are RFC 9457 problem details (`application/problem+json`): `type`, `title`,
`status`, `detail`, a stable `code`, and for 422 an `errors` list naming each field. Every
operation lists the statuses it can answer. A resource of another workspace answers
exactly like a missing one: 404 `not_found`.

**Lists** take `limit` (1..100, default 20) and `cursor`, and answer `items` and
`next_cursor` (null on the last page).

**Rate limits**: limited answers carry `RateLimit-Limit`, `RateLimit-Remaining` and
`RateLimit-Reset` (seconds); a 429 also carries `Retry-After`.

**Realtime**: the widget and the dashboard also talk over WebSockets
(`/widget/v1/ws`, `/api/v1/ws`); their frames are described in the AsyncAPI document at
[/schema/asyncapi.json](/schema/asyncapi.json).
"""

SECURITY_SCHEMES: dict[str, Any] = {
    "bearer": {
        "type": "http",
        "scheme": "bearer",
        "description": "A user's access JWT (from register, login or refresh) or a "
        "workspace secret API key (`ccgpt_sk_...`).",
    },
    "embed_key_header": {
        "type": "apiKey",
        "in": "header",
        "name": "X-Embed-Key",
        "description": "An embed code's public key (`ccgpt_pk_...`). Requests from a browser "
        "must come from an Origin the embed code allows (403 `origin_not_allowed`).",
    },
    "embed_key_query": {
        "type": "apiKey",
        "in": "query",
        "name": "key",
        "description": "The embed key as `?key=`, where a header cannot be set (preflights, "
        "sockets).",
    },
    "session_token": {
        "type": "apiKey",
        "in": "header",
        "name": "X-Session-Token",
        "description": "The `session_token` of POST /widget/v1/sessions: opens that session "
        "only, from its origin, under the key it was issued with.",
    },
}
SECURITY: dict[Auth, list[dict[str, list[str]]]] = {
    Auth.PUBLIC: [],
    Auth.BEARER: [{"bearer": []}],
    Auth.WIDGET: [{"embed_key_header": []}, {"embed_key_query": []}],
    Auth.WIDGET_SESSION: [
        {"embed_key_header": [], "session_token": []},
        {"embed_key_query": [], "session_token": []},
    ],
}
CODES_BY_STATUS: dict[int, list[str]] = {}
for _code, _status in STATUS_BY_CODE.items():
    CODES_BY_STATUS.setdefault(_status, []).append(_code)

_INT_HEADER = {"schema": {"type": "integer", "minimum": 0}}
HEADERS: dict[str, Any] = {
    "RateLimit-Limit": {"description": "Requests allowed in the window.", **_INT_HEADER},
    "RateLimit-Remaining": {"description": "Requests left in the window.", **_INT_HEADER},
    "RateLimit-Reset": {"description": "Seconds until the window resets.", **_INT_HEADER},
    "Retry-After": {"description": "Seconds to wait before trying again.", **_INT_HEADER},
    "WWW-Authenticate": {"description": "`Bearer`.", "schema": {"type": "string"}},
}
RATE_HEADERS = ("RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset")


def _header_refs(*names: str) -> dict[str, Any]:
    return {name: {"$ref": f"#/components/headers/{name}"} for name in names}


def problem_schemas() -> dict[str, Any]:
    codes = list(STATUS_BY_CODE)
    return {
        "FieldError": {
            "type": "object",
            "description": "One offending field of a request.",
            "properties": {
                "field": {"type": "string", "description": "`email`, or `settings.title`."},
                "message": {"type": "string", "description": "What is wrong with it."},
            },
            "required": ["field", "message"],
        },
        "Problem": {
            "type": "object",
            "description": "RFC 9457 problem details. Never a traceback, SQL or a secret.",
            "properties": {
                "type": {"type": "string", "description": "`/problems/<code>`."},
                "title": {"type": "string", "description": "The HTTP status phrase."},
                "status": {"type": "integer", "description": "The HTTP status code."},
                "detail": {"type": "string", "description": "What happened, for a person."},
                "code": {"type": "string", "enum": codes, "description": "Stable, for code."},
                "errors": {
                    "type": "array",
                    "items": {"$ref": "#/components/schemas/FieldError"},
                    "description": "The offending fields (422 only).",
                },
            },
            "required": ["type", "title", "status", "detail", "code"],
        },
    }


def _problem_response(status: int, op: Operation, item: dict[str, Any]) -> dict[str, Any]:
    codes = [c for c in CODES_BY_STATUS.get(status, []) if _applies(c, op)]
    code = codes[0] if codes else "internal_error"
    has_body = "requestBody" in item
    query = [p["name"] for p in item.get("parameters", []) if p["in"] == "query"]
    field, message = (
        ("body", "is required")
        if has_body
        else (query[0], "is not valid")
        if query
        else ("query", "must be UTF-8 without the NUL character")
    )
    detail = (MISSING_BODY if has_body else f"{field}: {message}") if status == 422 else None
    example: dict[str, Any] = {
        "type": f"/problems/{code}",
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": detail or f"{HTTPStatus(status).phrase}.",
        "code": code,
    }
    if status == 422:
        example["errors"] = [{"field": field, "message": message}]
    response: dict[str, Any] = {
        "description": f"{HTTPStatus(status).phrase}: `code` "
        + " or ".join(f"`{c}`" for c in codes or [code]),
        "content": {
            PROBLEM: {"schema": {"$ref": "#/components/schemas/Problem"}, "example": example}
        },
    }
    headers: tuple[str, ...] = ()
    if status == 401:
        headers = ("WWW-Authenticate",)
    elif status == 429:
        headers = (*RATE_HEADERS, "Retry-After")
    elif status == 503:
        headers = ("Retry-After",)
    if headers:
        response["headers"] = _header_refs(*headers)
    return response


def _applies(code: str, op: Operation) -> bool:
    if code == "invalid_credentials":
        return op.id == "logIn"
    if code == "email_taken":
        return op.id in ("register", "addMember")
    if code == "origin_not_allowed":
        return op.auth in (Auth.WIDGET, Auth.WIDGET_SESSION)
    return not (code == "unauthorized" and op.id == "logIn")


def error_statuses(op: Operation, item: dict[str, Any], method: str, path: str) -> set[int]:
    """Every error status the route can answer: from its kind, its inputs and its table row."""
    # 422 from the query-string guard too: any query must be UTF-8 without NUL.
    found = set(op.errors) | {422, 500}
    if path not in ("/health/live", "/metrics", "/widget/v1/widget.js"):
        found.add(503)  # the database (or Redis, for limits) is away
    if op.auth is not Auth.PUBLIC or op.id in ("logIn", "refreshTokens"):
        found.add(401)
    if op.auth in (Auth.WIDGET, Auth.WIDGET_SESSION):
        found.add(403)
    if "requestBody" in item:
        found |= {413, 415}
    if any(p["in"] == "path" for p in item.get("parameters", [])):
        found.add(404)
    return found


def _fix_parameters(item: dict[str, Any], op: Operation) -> None:
    for param in item.get("parameters", []):
        schema = param.get("schema", {})
        variants = schema.get("oneOf")
        if variants and any(v.get("type") == "null" for v in variants):
            # A query parameter is absent or a string: `null` is not something one can send.
            kept = [v for v in variants if v.get("type") != "null"]
            param["schema"] = kept[0] if len(kept) == 1 else {"oneOf": kept}
        facts = PARAMETERS.get((op.id, param["name"])) or PARAMETERS.get(("*", param["name"]))
        if facts:
            param["description"] = facts.get("description", param.get("description"))
            param["schema"] = {**param["schema"], **facts.get("schema", {})}
            for key in ("example", "allowEmptyValue"):
                if key in facts:
                    param[key] = facts[key]


def _fix_success(op: Operation, item: dict[str, Any]) -> None:
    for status, response in item["responses"].items():
        if not status.startswith("2"):
            continue
        response["description"] = response.get("description") or HTTPStatus(int(status)).phrase
        if status == "204":
            response.pop("content", None)  # nothing is sent, whatever the handler's type says
        if op.rate_limited:
            response["headers"] = {**response.get("headers", {}), **_header_refs(*RATE_HEADERS)}


def complete_operation(path: str, method: str, item: dict[str, Any]) -> None:
    op = OPERATIONS[(method.upper(), path)]
    item["operationId"] = op.id
    item["summary"] = op.summary
    if op.description:
        described = item.get("description")
        item["description"] = f"{op.description}\n\n{described}" if described else op.description
    item["security"] = SECURITY[op.auth]
    item.setdefault("tags", ["operations"])  # Litestar's PrometheusController has none
    _fix_parameters(item, op)
    item["responses"].pop("400", None)  # Litestar's own shape; ours is the 422 problem
    _fix_success(op, item)
    for error in sorted(error_statuses(op, item, method, path)):
        problem = _problem_response(error, op, item)
        item["responses"].setdefault(str(error), problem)
    item["responses"].update(special_responses(op.id))
    if op.id in ANALYTICS_IDS.values():
        content = item["responses"]["200"]["content"]
        variants = content["application/json"]["schema"].get("oneOf", [])
        content["application/json"]["schema"] = next(v for v in variants if "$ref" in v)
        content["text/csv"] = {"schema": {"type": "string"}, "example": "name,value\n"}
    body = item.get("requestBody")
    if body is not None:
        content = body.get("content", {})
        for media in content.values():
            ref = media.get("schema", {}).get("$ref", "").rsplit("/", 1)[-1]
            if ref in REQUEST_EXAMPLES:
                media["example"] = REQUEST_EXAMPLES[ref]
        if op.id == "startWidgetSession":
            body["required"] = False
            body["content"] = {
                "application/json": {
                    "schema": {
                        "oneOf": [{"$ref": "#/components/schemas/SessionBody"}, {"type": "null"}]
                    },
                    "example": REQUEST_EXAMPLES["SessionBody"],
                }
            }


def _request_bodies() -> set[str]:
    """Every request body type: they refuse unknown fields, and the document says so."""
    found: set[str] = set()
    todo: list[type[Any]] = [BodyIn]
    while todo:
        subclasses: list[type[Any]] = todo.pop().__subclasses__()
        for sub in subclasses:
            found.add(sub.__name__)
            todo.append(sub)
    return found


def _refuse_nul(schema: Any) -> None:
    """Every string of a request without a pattern of its own gets NO_NUL."""
    if isinstance(schema, list):
        for item in schema:
            _refuse_nul(item)
    elif isinstance(schema, dict):
        if schema.get("type") == "string" and "pattern" not in schema and "enum" not in schema:
            schema["pattern"] = NO_NUL
        for key in ("properties", "items", "oneOf", "anyOf"):
            value = schema.get(key)
            if isinstance(value, dict) and key == "properties":
                _refuse_nul(list(value.values()))
            elif value is not None:
                _refuse_nul(value)


def _complete_schemas(schemas: dict[str, Any]) -> None:
    closed = _request_bodies()
    for name, schema in schemas.items():
        for prop, value in schema.get("properties", {}).items():
            value.update(DESCRIPTIONS.get(prop, {}))
            value.update(PROPERTIES.get(("*", prop), {}))
            value.update(PROPERTIES.get((name, prop), {}))
        if name in closed:
            schema["additionalProperties"] = False
            _refuse_nul(schema)
        if name in RESPONSE_EXAMPLES:
            schema["examples"] = [RESPONSE_EXAMPLES[name]]
        if name == "WorkspacePatch":
            schema["minProperties"] = 1  # an empty patch is a 422
        if name == "ChatBody":  # a retry's id belongs to the conversation it was asked in
            schema["dependentRequired"] = {"client_message_id": ["session_id"]}
    schemas.update(problem_schemas())


def _rename_components(doc: dict[str, Any]) -> dict[str, Any]:
    """Litestar tells same-named bodies apart as `workspace_LimitsOut`, titled `LimitsOut`
    both: generated clients would make two classes of one name. They become
    `WorkspaceLimitsOut`, titled so, with every reference rewritten."""
    schemas = doc.get("components", {}).get("schemas", {})
    renamed = {
        name: "".join(part[:1].upper() + part[1:] for part in name.split("_"))
        for name in schemas
        if "_" in name
    }
    text = json.dumps(doc)
    for old, new in renamed.items():
        text = text.replace(f'"#/components/schemas/{old}"', f'"#/components/schemas/{new}"')
    doc = json.loads(text)
    schemas = doc["components"]["schemas"]
    for old, new in renamed.items():
        schemas[new] = schemas.pop(old)
    for name, schema in schemas.items():
        schema["title"] = name
    return doc


def describe(generated: dict[str, Any]) -> dict[str, Any]:
    """The document served at /schema/openapi.json, from the one Litestar generated."""
    doc = _rename_components(copy.deepcopy(generated))
    doc.pop("security", None)  # per operation, below: public routes need nothing
    doc["info"]["description"] = INFO
    components = doc.setdefault("components", {})
    components["securitySchemes"] = SECURITY_SCHEMES
    components["headers"] = HEADERS
    _complete_schemas(components.setdefault("schemas", {}))
    used_tags: set[str] = set()
    for path, path_item in doc["paths"].items():
        for method in METHODS:
            if method in path_item:
                complete_operation(path, method, path_item[method])
                used_tags.update(path_item[method].get("tags", []))
    doc["tags"] = [{"name": t, "description": d} for t, d in TAGS.items() if t in used_tags]
    return doc
