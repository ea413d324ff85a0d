"""Serves the console's page, its static files and its widget-preview frame."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.status_codes import HTTP_200_OK, HTTP_304_NOT_MODIFIED

from adapters.inbound.console.assets import Asset, asset
from adapters.inbound.console.security import console_csp, preview_frame_csp
from domain.errors import NotFound


def _serve(
    request: Request[Any, Any, Any], file: Asset, headers: dict[str, str]
) -> Response[bytes]:
    # no-cache: always revalidated, so a new release shows at once without hashed names.
    headers = {"ETag": file.etag, "Cache-Control": "no-cache", **headers}
    if file.matches(request.headers.get("if-none-match")):
        return Response(b"", status_code=HTTP_304_NOT_MODIFIED, headers=headers)
    return Response(file.body, status_code=HTTP_200_OK, media_type=file.media_type, headers=headers)


def _bases(request: Request[Any, Any, Any], public_base: str) -> tuple[str, str]:
    """Where the page may be: the configured public URL, and where this request came in."""
    return public_base, str(request.base_url)


def _page(name: str) -> Asset:
    file = asset(name)
    if file is None:  # a packaging mistake, not a client error
        raise RuntimeError(f"the console's {name} is missing from the package")
    return file


class ConsoleController(Controller):
    """`/console` is the single page (its views live in the URL fragment)."""

    path = "/console"
    include_in_schema = False
    security = []

    @get()
    async def index(
        self, request: Request[Any, Any, Any], public_base: NamedDependency[str]
    ) -> Response[bytes]:
        headers = {
            "Content-Security-Policy": console_csp(*_bases(request, public_base)),
            "X-Frame-Options": "DENY",
            "Cross-Origin-Opener-Policy": "same-origin",
        }
        return _serve(request, _page("index.html"), headers)

    @get("/preview")
    async def preview(
        self, request: Request[Any, Any, Any], public_base: NamedDependency[str]
    ) -> Response[bytes]:
        """The real widget on a page the console frames beside the embed-code form."""
        headers = {
            "Content-Security-Policy": preview_frame_csp(*_bases(request, public_base)),
            "X-Frame-Options": "SAMEORIGIN",
        }
        return _serve(request, _page("preview.html"), headers)

    @get("/assets/{name:str}")
    async def static(self, request: Request[Any, Any, Any], name: FromPath[str]) -> Response[bytes]:
        file = asset(name)
        if file is None or file.media_type.startswith("text/html"):
            raise NotFound("No such console file.")
        return _serve(
            request,
            file,
            {"X-Frame-Options": "DENY", "Cross-Origin-Resource-Policy": "same-origin"},
        )
