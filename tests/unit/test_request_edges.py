"""Small per-request helpers kept cheap for issue 14: request ids, raw header reads, and the
container's selectors settled once at build."""

from __future__ import annotations

import re
from typing import Any

from adapters.inbound.http.context import first_header, request_id_of
from adapters.outbound.memory.unit_of_work import InMemoryUnitOfWorkFactory
from bootstrap.container import build_container
from tests.conftest import make_settings


def _scope(*headers: tuple[bytes, bytes]) -> dict[str, Any]:
    return {"type": "http", "headers": list(headers)}


def test_new_request_ids_are_32_hex_digits_and_never_repeat() -> None:
    ids = [request_id_of(_scope()) for _ in range(1000)]
    assert all(re.fullmatch(r"[0-9a-f]{32}", i) for i in ids)
    assert len(set(ids)) == len(ids)


def test_a_request_keeps_its_id_and_a_safe_offered_one_is_echoed() -> None:
    scope = _scope((b"x-request-id", b"abc-123"))
    assert request_id_of(scope) == "abc-123" == request_id_of(scope)
    unsafe = _scope((b"x-request-id", b"no spaces <allowed>"))
    assert request_id_of(unsafe) != "no spaces <allowed>"
    assert request_id_of(unsafe) == request_id_of(unsafe)


def test_first_header_reads_the_first_value_or_none() -> None:
    scope = _scope((b"origin", b"https://a.example"), (b"origin", b"https://b.example"))
    assert first_header(scope, b"origin") == "https://a.example"
    assert first_header(scope, b"authorization") is None
    assert first_header(_scope((b"x-embed-key", "caf\xe9".encode("latin-1"))), b"x-embed-key") == (
        "caf\xe9"
    )


def test_selectors_are_settled_at_build_and_a_test_override_still_wins(tmp_path: Any) -> None:
    container = build_container(make_settings(storage="memory", data_dir=str(tmp_path)))
    assert isinstance(container.uow(), InMemoryUnitOfWorkFactory)
    assert container.uow.overridden  # pointed at the memory branch once, at build
    replacement = object()
    with container.uow.override(replacement):
        assert container.uow() is replacement
    assert isinstance(container.uow(), InMemoryUnitOfWorkFactory)
