"""What every route shares, in one ASGI middleware: the request id and the access log line,
the query-string guard, request metrics, the widget's CORS preflights; and one `before_send`
hook for the headers every response carries (unmatched routes and errors included).

These were four middlewares and two hooks: each layer cost a call, a wrapped `send` and
scope lookups per request, about half of a small request's time (issue 14). The order is
kept: the guard's 422s are logged but not metered; preflights are metered.
"""

from __future__ import annotations

import time
from typing import Any

import structlog
from litestar.enums import ScopeType
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from adapters.inbound.http import metrics
from adapters.inbound.http.context import (
    add_response_headers,
    log_request,
    start_request,
)
from adapters.inbound.http.query_guard import refusal, socket_scope
from adapters.inbound.http.widget_access import (
    add_cors_headers,
    answer_preflight,
    is_widget_preflight,
)


class _Reply:
    """A `send` that notes the status and when the last body part went out."""

    __slots__ = ("_send", "ended", "status")

    def __init__(self, send: Send) -> None:
        self._send, self.status, self.ended = send, 0, 0.0

    async def send(self, message: Message) -> None:
        kind = message["type"]
        if kind == "http.response.start":
            self.status = message["status"]  # type: ignore[typeddict-item]
        elif kind == "http.response.body":
            self.ended = time.perf_counter()
        await self._send(message)


class EdgeMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        # Bound now (the app's logging is configured by then), not looked up per request.
        self._log = structlog.get_logger().bind()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind == ScopeType.HTTP:
            await self._http(scope, receive, send)
        elif kind == ScopeType.WEBSOCKET:
            await self._socket(socket_scope(scope), receive, send)
        else:
            await self.app(scope, receive, send)

    async def _http(self, scope: Scope, receive: Receive, send: Send) -> None:
        start_request(scope)
        started, reply = time.perf_counter(), _Reply(send)
        try:
            refused = refusal(scope)
            if refused is not None:
                await refused(scope, receive, reply.send)
            elif metrics.is_metered(scope):
                await self._metered(scope, receive, reply, started)
            elif is_widget_preflight(scope):
                await answer_preflight(scope, receive, reply.send)
            else:
                await self.app(scope, receive, reply.send)
        finally:
            log_request(self._log, scope, reply.status or 500, started)

    async def _metered(self, scope: Scope, receive: Receive, reply: _Reply, started: float) -> None:
        method, path = metrics.series_of(scope)
        gauge = metrics.in_progress(method, path)
        gauge.inc()
        try:
            if is_widget_preflight(scope):
                await answer_preflight(scope, receive, reply.send)
            else:
                await self.app(scope, receive, reply.send)
        finally:
            gauge.dec()
            seconds = reply.ended - started if reply.ended else 0.0
            metrics.record(method, path, reply.status or 200, seconds)

    async def _socket(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not metrics.is_metered(scope):
            await self.app(scope, receive, send)
            return
        method, path = metrics.series_of(scope)
        gauge = metrics.in_progress(method, path)
        gauge.inc()
        try:
            await self.app(scope, receive, send)
        finally:
            gauge.dec()
            metrics.record(method, path, 200, 0.0)  # a socket has no status nor body end


async def add_edge_headers(message: Message, scope: Scope) -> None:
    """The `before_send` hook: security headers, the request id, and CORS where allowed."""
    if message["type"] == "http.response.start":
        headers: Any = message.get("headers")
        if not isinstance(headers, list):
            headers = message["headers"] = list(headers or ())
        add_response_headers(headers, scope)
        add_cors_headers(headers, scope)
