"""Query strings are checked once, before any route: a parameter holding NUL (which
PostgreSQL cannot store) or bytes that are not UTF-8 is refused with 422 over HTTP. On a
WebSocket handshake such a parameter is dropped, so the socket handler sees it missing and
closes with its usual code (4401 for a key or token)."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, urlencode

from litestar import Request
from litestar.enums import ScopeType
from litestar.types import ASGIApp, Receive, Scope, Send

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


class QueryStringGuard:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        query: bytes = scope.get("query_string", b"")
        if scope["type"] not in (ScopeType.HTTP, ScopeType.WEBSOCKET) or not query:
            await self.app(scope, receive, send)
            return
        if b"%" not in query and query.isascii():
            await self.app(scope, receive, send)  # the common case: nothing encoded at all
            return
        bad, kept = _bad_parameter(query)
        if bad is None:
            await self.app(scope, receive, send)
        elif scope["type"] == ScopeType.WEBSOCKET:
            cleaned: Any = {**scope, "query_string": urlencode(kept).encode()}
            await self.app(cleaned, receive, send)
        else:
            error = ValidationFailed.on(bad, "must be UTF-8 without the NUL character")
            request: Request[Any, Any, Any] = Request(scope)
            response = from_domain_error(error).to_response(request)
            await response.to_asgi_response(None, request)(scope, receive, send)
