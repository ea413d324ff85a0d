"""Query strings are checked once, before any route: a parameter holding NUL (which
PostgreSQL cannot store) or bytes that are not UTF-8 is refused with 422 over HTTP. On a
WebSocket handshake such a parameter is dropped, so the socket handler sees it missing and
closes with its usual code (4401 for a key or token)."""

from __future__ import annotations

from typing import Any, cast
from urllib.parse import parse_qsl, urlencode

from litestar import Request
from litestar.types import ASGIApp, Scope

from adapters.inbound.http.problems import from_domain_error
from domain.errors import ValidationFailed


def _bad_parameter(query: bytes) -> tuple[str | None, list[tuple[str, str]]]:
    """The first refused parameter's name (or "query"), and the acceptable pairs."""
    try:
        pairs = parse_qsl(query.decode("utf-8"), keep_blank_values=True, errors="strict")
    except (UnicodeDecodeError, ValueError):
        return "query", []
    kept = [(k, v) for k, v in pairs if "\x00" not in k and "\x00" not in v]
    if len(kept) == len(pairs):
        return None, kept
    bad = next(k for k, v in pairs if "\x00" in k or "\x00" in v)
    return bad.replace("\x00", "") or "query", kept


def refused(scope: Scope) -> tuple[str | None, list[tuple[str, str]]]:
    """The refused parameter (None when all pass, as almost all do) and the acceptable pairs."""
    query: bytes = scope.get("query_string", b"")
    if not query or (b"%" not in query and query.isascii()):
        return None, []  # the common case: nothing encoded at all
    return _bad_parameter(query)


def socket_scope(scope: Scope) -> Scope:
    """A WebSocket handshake's scope without its refused parameters."""
    bad, kept = refused(scope)
    if bad is None:
        return scope
    cleaned: Any = {**scope, "query_string": urlencode(kept).encode()}
    return cast("Scope", cleaned)


def refusal(scope: Scope) -> ASGIApp | None:
    """The 422 for an HTTP request whose query string is refused; None when it passes."""
    bad, _ = refused(scope)
    if bad is None:
        return None
    error = ValidationFailed.on(bad, "must be UTF-8 without the NUL character")
    request: Request[Any, Any, Any] = Request(scope)
    return from_domain_error(error).to_response(request).to_asgi_response(None, request)
