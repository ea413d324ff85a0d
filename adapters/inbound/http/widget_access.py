"""The widget's door: which embed code and page origin a request comes with, and CORS.

CORS is answered per embed code, never with `*`: a response carries
`Access-Control-Allow-Origin` only once the request's origin has been checked against its
embed code's allowlist, and a preflight is answered only for an allowed origin. Preflights
cannot carry custom headers: one with `?key=` is checked against that code; one without
(the client sends the key as `X-Embed-Key`) is answered when some active code allows the
origin, and the real request is then checked against its own code.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from litestar import Request, Response
from litestar.connection import ASGIConnection
from litestar.datastructures import State
from litestar.types import Receive, Scope, Send

from adapters.inbound.http.context import RawHeaders, first_header, set_header
from adapters.inbound.http.problems import from_domain_error
from application.use_cases.check_widget_origin import CheckWidgetOrigin
from application.use_cases.open_widget import OpenWidget
from application.widget_access import WidgetAccess
from domain.errors import DomainError, OriginNotAllowed

WIDGET_PREFIX = "/widget/v1/"
_VERIFIED_ORIGIN = "ccgpt_cors_origin"
ALLOW_HEADERS = "Content-Type, X-Embed-Key, X-Session-Token, X-Request-ID"
EXPOSE_HEADERS = "RateLimit-Limit, RateLimit-Remaining, RateLimit-Reset, Retry-After, X-Request-ID"
EXPOSE_HEADERS_BYTES = EXPOSE_HEADERS.encode()


def page_origin(request: ASGIConnection[Any, Any, Any, Any]) -> str | None:
    """The `Origin` header. Browsers leave it off same-origin GETs, marking them with
    `Sec-Fetch-Site: same-origin`: such a page is on the origin this request was sent to
    (which counts as ours only if it is one of `own_origins`, never by the Host header)."""
    origin = first_header(request.scope, b"origin")
    if origin:
        return origin
    if first_header(request.scope, b"sec-fetch-site") == "same-origin":
        base = urlsplit(str(request.base_url))
        return f"{base.scheme}://{base.netloc}"
    return None


def embed_key(request: ASGIConnection[Any, Any, Any, Any]) -> str:
    return first_header(request.scope, b"x-embed-key") or request.query_params.get("key") or ""


async def open_widget(request: ASGIConnection[Any, Any, Any, Any], state: State) -> WidgetAccess:
    opener: OpenWidget = state.container.open_widget()
    return await opener.execute(embed_key(request), page_origin(request), state.own_origins)


async def provide_widget_access(request: Request) -> WidgetAccess:  # type: ignore[type-arg]
    """A Litestar dependency (a bare `Request`, no `State`: see dependencies.py); once it
    succeeds, responses (errors too) carry CORS headers."""
    access = await open_widget(request, request.app.state)
    origin = first_header(request.scope, b"origin")
    if origin is not None:
        request.scope.setdefault("state", {})[_VERIFIED_ORIGIN] = origin
    return access


def add_cors_headers(headers: RawHeaders, scope: Scope) -> None:
    """For a response's start (edge.py's `before_send` hook): CORS headers for an origin its
    embed code allowed."""
    origin = scope.get("state", {}).get(_VERIFIED_ORIGIN)
    if origin:
        set_header(headers, b"access-control-allow-origin", origin.encode("latin-1"))
        set_header(headers, b"access-control-expose-headers", EXPOSE_HEADERS_BYTES)
        headers.append((b"vary", b"Origin"))


async def answer_preflight(scope: Scope, receive: Receive, send: Send) -> None:
    """Answers a CORS preflight of the widget API for the origins each embed code allows."""
    request: Request[Any, Any, Any] = Request(scope)
    state = scope["app"].state
    try:
        if embed_key(request):
            await open_widget(request, state)
        else:  # the key will come as X-Embed-Key: is this origin any code's at all?
            checker: CheckWidgetOrigin = state.container.check_widget_origin()
            if not await checker.execute(page_origin(request), state.own_origins):
                raise OriginNotAllowed("This site is not allowed to use this chat widget.")
    except DomainError as exc:  # no CORS headers: the browser refuses the real request
        response: Response[Any] = from_domain_error(exc).to_response(request)
    else:
        response = Response(
            None,
            status_code=204,
            headers={
                "Access-Control-Allow-Origin": request.headers["origin"],
                "Access-Control-Allow-Methods": "GET, POST, OPTIONS",
                "Access-Control-Allow-Headers": ALLOW_HEADERS,
                "Access-Control-Max-Age": "600",
                "Vary": "Origin",
            },
        )
    await response.to_asgi_response(None, request)(scope, receive, send)


def is_widget_preflight(scope: Scope) -> bool:
    """An HTTP scope's: a CORS preflight of the widget API."""
    if scope.get("method") != "OPTIONS":
        return False
    if not scope["path"].startswith(WIDGET_PREFIX):
        return False
    names = {name for name, _ in scope.get("headers", [])}
    return b"origin" in names and b"access-control-request-method" in names
