"""The API's own documentation, served by the app: the completed OpenAPI document, Swagger UI
from assets installed with the app (a pinned PyPI package, never a CDN), and an AsyncAPI
document of the two WebSockets derived from their frame types."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import msgspec
from litestar import Request, get
from litestar.openapi.plugins import JsonRenderPlugin, SwaggerRenderPlugin
from litestar.static_files import create_static_files_router
from litestar.types import ControllerRouterHandler

from adapters.inbound.http.openapi_document import describe
from adapters.inbound.http.schemas import frames as f
from adapters.inbound.http.sockets import (
    CLOSE_FORBIDDEN,
    CLOSE_IDLE,
    CLOSE_TOO_LARGE,
    CLOSE_TOO_MANY,
    CLOSE_UNAUTHORIZED,
)

ASSETS_PATH = "/schema/assets"
_ASSET_FILES = ("swagger-ui-bundle.js", "swagger-ui-standalone-preset.js", "swagger-ui.css")


def swagger_assets_dir() -> Path:
    """Swagger UI's files as the `swagger-ui-py` wheel ships them (pinned in pyproject)."""
    import swagger_ui

    return Path(swagger_ui.__file__).parent / "static"


class _Completed:
    """Render plugins that serve the completed document (computed once per app)."""

    def completed(self, schema: dict[str, Any]) -> dict[str, Any]:
        done: dict[int, dict[str, Any]] = self.__dict__.setdefault("_done", {})
        if id(schema) not in done:
            done.clear()
            done[id(schema)] = describe(schema)
        return done[id(schema)]


class DocumentJsonPlugin(_Completed, JsonRenderPlugin):
    def render(self, request: Request[Any, Any, Any], openapi_schema: dict[str, Any]) -> bytes:
        return super().render(request, self.completed(openapi_schema))


class OfflineSwaggerPlugin(_Completed, SwaggerRenderPlugin):
    def __init__(self, path: str | list[str]) -> None:
        super().__init__(
            js_url=f"{ASSETS_PATH}/swagger-ui-bundle.js",
            css_url=f"{ASSETS_PATH}/swagger-ui.css",
            standalone_preset_js_url=f"{ASSETS_PATH}/swagger-ui-standalone-preset.js",
            favicon=f"<link rel='icon' type='image/png' href='{ASSETS_PATH}/favicon-32x32.png'>",
            path=path,
        )

    def render(self, request: Request[Any, Any, Any], openapi_schema: dict[str, Any]) -> bytes:
        return super().render(request, self.completed(openapi_schema))


def docs_handlers() -> list[ControllerRouterHandler]:
    return [
        create_static_files_router(
            path=ASSETS_PATH,
            directories=[swagger_assets_dir()],
            include_in_schema=False,
            cache_control=None,
        ),
        asyncapi_document,
    ]


@get("/schema/asyncapi.json", include_in_schema=False, media_type="application/json")
async def asyncapi_document() -> dict[str, Any]:
    """The WebSockets, as AsyncAPI 2.6."""
    return asyncapi()


CLOSE_CODES = (
    f"Close codes: {CLOSE_UNAUTHORIZED} bad or missing credentials, {CLOSE_FORBIDDEN} origin "
    f"not allowed, {CLOSE_IDLE} idle timeout, {CLOSE_TOO_MANY} too many connections or "
    f"messages, {CLOSE_TOO_LARGE} frame too large. Frames are JSON text with a `type`."
)


def _messages(union: Any) -> list[type[msgspec.Struct]]:
    return list(getattr(union, "__args__", (union,)))


@cache
def asyncapi() -> dict[str, Any]:
    widget_in, dashboard_in = _messages(f.WidgetFrame), _messages(f.DashboardFrame)
    server_out = _messages(f.Frame)
    every = sorted({*widget_in, *dashboard_in, *server_out}, key=lambda t: t.__name__)
    _, schemas = msgspec.json.schema_components(every, ref_template="#/components/schemas/{name}")
    names = {t: _message_name(t) for t in every}
    messages = {
        names[t]: {
            "name": names[t],
            "title": f"{names[t]} ({msgspec.inspect.type_info(t).tag})",  # type: ignore[attr-defined]
            "payload": {"$ref": f"#/components/schemas/{t.__name__}"},
        }
        for t in every
    }

    def one_of(types: list[type[msgspec.Struct]]) -> dict[str, Any]:
        return {
            "message": {"oneOf": [{"$ref": f"#/components/messages/{names[t]}"} for t in types]}
        }

    return {
        "asyncapi": "2.6.0",
        "info": {
            "title": "CustomerCareGPT realtime",
            "version": "1.0.0",
            "description": "The widget's and the dashboard's WebSockets. " + CLOSE_CODES,
        },
        "channels": {
            "/widget/v1/ws": {
                "description": "A visitor's session: "
                "`?key=<embed key>&session_id=&session_token=`, from an Origin the embed "
                "code allows. Answers, agents' replies, typing and "
                "handoff arrive live.",
                "publish": {"summary": "Frames the widget sends.", **one_of(widget_in)},
                "subscribe": {"summary": "Frames the server sends.", **one_of(server_out)},
            },
            "/api/v1/ws": {
                "description": "The dashboard: `?token=<access JWT or secret key>`; owners, admins "
                "and agents. Every conversation event of the workspace arrives live; agents "
                "reply and type into a session (`session_id`); an `auth` frame renews the token.",
                "publish": {"summary": "Frames the dashboard sends.", **one_of(dashboard_in)},
                "subscribe": {"summary": "Frames the server sends.", **one_of(server_out)},
            },
        },
        "components": {"schemas": schemas, "messages": messages},
    }


def _message_name(frame_type: type[msgspec.Struct]) -> str:
    return frame_type.__name__
