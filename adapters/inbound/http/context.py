"""Per-request context: the request id, the access log line, security headers."""

from __future__ import annotations

import itertools
import logging
import re
import secrets
import time

import structlog
from litestar.types import Scope

_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
RawHeaders = list[tuple[bytes, bytes]]
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}
_SECURITY_HEADERS = [(k.lower().encode(), v.encode()) for k, v in SECURITY_HEADERS.items()]


def request_id_of(scope: Scope) -> str:
    """The caller's `X-Request-ID` when it is safe to echo (the last one sent), else a new one;
    the same for the whole request."""
    state = scope.setdefault("state", {})
    known = state.get("request_id")
    if known is None:
        offered = b""
        for name, value in scope.get("headers", ()):
            if name == b"x-request-id":
                offered = value
        text = offered.decode("latin-1")
        known = state["request_id"] = text if _SAFE_ID.match(text) else _new_request_id()
    return str(known)


# 32 hex digits, as uuid4().hex gave: this process's random half, then a count. Unique
# without a random draw per request (a getrandom system call, ~3% of a small request's
# time under load; issue 14). A request id names a request in the logs; it guards nothing.
_PROCESS = secrets.token_hex(8)
_COUNT = itertools.count(1)


def _new_request_id() -> str:
    return f"{_PROCESS}{next(_COUNT):016x}"


def first_header(scope: Scope, name: bytes) -> str | None:
    """The first value of header `name` (lower case, as ASGI gives names), read from the
    scope: `request.headers` builds a headers object for it, ~3% of a small request's time
    under load (issue 14)."""
    for key, value in scope["headers"]:
        if key == name:
            return value.decode("latin-1")
    return None


def set_header(headers: RawHeaders, name: bytes, value: bytes, present: bool | None = None) -> None:
    """Sets `name` (lower case) to `value`, replacing any it had (`present`: known to be)."""
    if present is None:
        present = any(pair[0].lower() == name for pair in headers)
    if present:
        headers[:] = [pair for pair in headers if pair[0].lower() != name]
    headers.append((name, value))


def add_response_headers(headers: RawHeaders, scope: Scope) -> None:
    """For every response's start, unmatched routes and errors included: the request id,
    and the security headers the response did not set itself."""
    present = {name.lower() for name, _ in headers}
    request_id = request_id_of(scope).encode("latin-1")
    set_header(headers, b"x-request-id", request_id, b"x-request-id" in present)
    headers.extend(pair for pair in _SECURITY_HEADERS if pair[0] not in present)


def start_request(scope: Scope) -> None:
    """Every log line of this request carries its `request_id` (and nothing of the last)."""
    structlog.contextvars.clear_contextvars()
    structlog.contextvars.bind_contextvars(request_id=request_id_of(scope))


def log_request(
    log: structlog.typing.FilteringBoundLogger, scope: Scope, status: int, started: float
) -> None:
    """The access line (its fields not even worked out below level info); the request's
    `structlog.contextvars` are cleared after it."""
    if log.is_enabled_for(logging.INFO):
        log.info(
            "http.request",
            method=scope.get("method"),
            path=scope["path"],
            status=status,
            duration_ms=round((time.perf_counter() - started) * 1000, 1),
        )
    structlog.contextvars.clear_contextvars()
