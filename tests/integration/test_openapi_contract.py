"""The OpenAPI document as a contract: schemathesis generates requests for every operation
from /schema/openapi.json and checks every answer against it (status declared, body and
headers as described, valid input accepted, invalid input refused), against the real
server and PostgreSQL, with a workspace, an embed code and a widget session prepared.

The run is bounded (CCGPT_TEST_SCHEMA_EXAMPLES examples per operation, 8 by default) so
that it fits CI; raise it locally to fuzz harder."""

from __future__ import annotations

import itertools
import json
import os
import time
import uuid
import zoneinfo
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis.config import SchemathesisConfig
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import negative_data_rejection, positive_data_acceptance
from schemathesis.specs.openapi.formats import register_string_format

from application.pagination import Cursor
from bootstrap.app import create_app
from tests.conftest import make_settings
from tests.integration.knowledge_helpers import PASSWORD
from tests.integration.live_server import ApiServer
from tests.integration.test_serve_process import free_port

EXAMPLES = int(os.environ.get("CCGPT_TEST_SCHEMA_EXAMPLES", "8"))
SITE = "https://shop.example.com"
# Valid input the server refuses for what the workspace holds, not for its shape: a 402 is
# the plan's quota, which a fuzzer's sign-ups and uploads reach.
ACCEPTED = ["2xx", "3xx", "401", "402", "403", "404", "409", "429"]
REFUSED = ["400", "401", "403", "404", "405", "406", "409", "413", "415", "422", "428", "429"]


@dataclass
class Prepared:
    url: str
    bearer: str
    embed_key: str
    session_id: str
    session_token: str


def _prepare(url: str) -> Prepared:
    with httpx.Client(base_url=url, timeout=30) as http:
        account = http.post(
            "/api/v1/auth/register",
            json={
                "email": f"fuzz-{time.time_ns()}@acme.example",
                "password": PASSWORD,
                "full_name": "Fuzz Owner",
                "workspace_name": "Fuzz",
            },
        ).json()
        headers = {"Authorization": f"Bearer {account['access_token']}"}
        http.put("/api/v1/workspace/plan", json={"plan": "enterprise"}, headers=headers)
        http.post(
            "/api/v1/documents/text",
            json={"title": "Shipping", "content": "Orders to Canada arrive in 5 to 8 days."},
            headers=headers,
        )
        code = http.post(
            "/api/v1/embed-codes",
            json={"name": "Shop", "allowed_domains": ["shop.example.com"]},
            headers=headers,
        ).json()
        key = code["public_key"]
        session = http.post(
            "/widget/v1/sessions", headers={"X-Embed-Key": key, "Origin": SITE}
        ).json()
        return Prepared(
            url, account["access_token"], key, session["session_id"], session["session_token"]
        )


@pytest.fixture(scope="module")
def prepared(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Prepared]:
    app_settings = make_settings(
        database_url=database_url,
        data_dir=str(tmp_path_factory.mktemp("contract") / "d"),
        job_poll_seconds="0.05",
        # One fuzzer is every client here: per-IP limits would only measure the fuzzer.
        rate_limit_ip="100000/minute",
        rate_limit_embed="100000/minute",
        rate_limit_workspace="100000/minute",
        rate_limit_login="100000/minute",
    )
    with ApiServer(create_app(app_settings), free_port()) as api:
        yield _prepare(api.url)


@pytest.fixture(scope="module")
def api_schema(prepared: Prepared) -> Any:
    config = SchemathesisConfig.from_dict(
        {
            "checks": {
                "positive_data_acceptance": {"expected-statuses": ACCEPTED},
                # API.md: a message over 4,000 characters gets 413 (or 422).
                "negative_data_rejection": {"expected-statuses": REFUSED},
            },
            # Credentials are the test's to give (below), not the generator's to invent; and
            # an unknown query parameter is ignored, as HTTP servers do, not refused.
            "generation": {"with-security-parameters": False, "allow-extra-parameters": False},
        }
    )
    return schemathesis.openapi.from_url(f"{prepared.url}/schema/openapi.json", config=config)


def _is_uuid(value: Any) -> bool:
    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return value is not None


def credentials(case: Any, prepared: Prepared) -> dict[str, str]:
    """What a real caller of this operation sends: its credentials, from an allowed page."""
    path = case.operation.path
    if path.startswith("/api/v1/"):
        return {"Authorization": f"Bearer {prepared.bearer}"}
    if path.startswith("/widget/v1/") and not path.endswith("widget.js"):
        if _is_uuid((case.path_parameters or {}).get("session_id")):
            case.path_parameters["session_id"] = prepared.session_id  # a real one, not a 404
        return {
            "X-Embed-Key": prepared.embed_key,
            "X-Session-Token": prepared.session_token,
            "Origin": SITE,
        }
    return {}


# What JSON Schema cannot state, and the server rightly refuses although each field is
# well formed: a window whose `from` is after `to` (or too long for its interval), and an
# upload whose bytes are no document (the type is sniffed from the content).
CROSS_FIELD = {"from", "to", "interval"}
# ... and a retried question's id with no conversation (session_id null) to look it up in.
RETRY_ID = {"client_message_id"}


def refused_for_meaning(case: Any, response: Any) -> bool:
    if case.operation.path == "/api/v1/documents" and case.method == "POST":
        return response.status_code == 415
    if response.status_code != 422:
        return False
    fields = {error["field"] for error in response.json().get("errors", [])}
    return bool(fields) and (fields <= CROSS_FIELD or fields == RETRY_ID)


def counted_in_utf16(case: Any) -> bool:
    """Schemathesis makes a too-long string by counting UTF-16 units; JSON Schema's
    maxLength (and the server) count characters, so with a character beyond the BMP its
    "too long" text may be within the limit."""
    text = json.dumps(case.body, ensure_ascii=False, default=str)
    return any(ord(c) > 0xFFFF for c in text)


def _formats() -> None:
    """Values of the document's own formats, as the server makes and reads them."""
    cursors = st.builds(
        lambda moment, ident: Cursor(moment, ident).encode(),
        st.datetimes(timezones=st.just(UTC)),
        st.uuids(),
    )
    register_string_format("cursor", cursors)
    zones = sorted(z for z in zoneinfo.available_timezones() if len(z) <= 64)
    register_string_format("iana-time-zone", st.sampled_from(zones))


def test_every_operation_keeps_its_documented_contract(api_schema: Any, prepared: Prepared) -> None:
    # One test over every operation (schemathesis' own pytest loader does not run on
    # pytest 9); every failure of every operation is reported together.
    _formats()
    failures: dict[str, str] = {}
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 50

    for operation, mode in itertools.product(operations, GenerationMode):

        @given(case=operation.as_strategy(mode))
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
            derandomize=True,
            database=None,
        )
        def run(case: Any) -> None:
            headers = {**(case.headers or {}), **credentials(case, prepared)}
            response = case.call(base_url=prepared.url, headers=headers, timeout=30)
            excluded = [positive_data_acceptance] if refused_for_meaning(case, response) else []
            if counted_in_utf16(case):
                excluded.append(negative_data_rejection)
            case.validate_response(response, excluded_checks=excluded)

        try:
            run()
        except Unsatisfiable:
            assert mode is GenerationMode.NEGATIVE  # nothing to get wrong: no inputs
        except (Exception, BaseExceptionGroup) as exc:  # collected, reported below
            failures[operation.label] = str(exc)[:3000]
    assert not failures, "\n\n".join(f"{label}:\n{text}" for label, text in failures.items())


def test_the_document_is_served_as_json(prepared: Prepared) -> None:
    response = httpx.get(f"{prepared.url}/schema/openapi.json")
    assert response.status_code == 200
    assert response.json()["openapi"].startswith("3.1")
