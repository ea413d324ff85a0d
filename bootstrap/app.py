"""The application factory: a Litestar app around the container."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import structlog
from litestar import Litestar
from litestar.datastructures import State
from litestar.openapi import OpenAPIConfig
from litestar.plugins.prometheus import PrometheusController

from adapters.inbound.console.controller import ConsoleController
from adapters.inbound.console.session import ConsoleSessionController
from adapters.inbound.http.api_docs import DocumentJsonPlugin, OfflineSwaggerPlugin, docs_handlers
from adapters.inbound.http.controllers.analytics import AnalyticsController
from adapters.inbound.http.controllers.api_keys import ApiKeyController
from adapters.inbound.http.controllers.auth import AuthController
from adapters.inbound.http.controllers.chat import ChatController, ConversationController
from adapters.inbound.http.controllers.dashboard_socket import dashboard_socket
from adapters.inbound.http.controllers.data_rights import DataRightsController
from adapters.inbound.http.controllers.documents import SearchController, document_controller
from adapters.inbound.http.controllers.embed_codes import EmbedCodeController
from adapters.inbound.http.controllers.health import HealthController
from adapters.inbound.http.controllers.widget import WidgetController, WidgetScriptController
from adapters.inbound.http.controllers.widget_socket import widget_socket
from adapters.inbound.http.controllers.workspace import MeController, WorkspaceController
from adapters.inbound.http.dependencies import dependencies, resolve_dependencies_in_order
from adapters.inbound.http.edge import EdgeMiddleware, add_edge_headers
from adapters.inbound.http.problems import problem_details_plugin
from adapters.inbound.http.request_body import ApiRequest
from adapters.inbound.worker import IngestionWorker
from bootstrap.container import Container, build_container, start, stop
from bootstrap.logging import configure_logging
from bootstrap.settings import Settings, load_settings
from domain.plans import MIB

log = structlog.get_logger()


def create_app(settings: Settings | None = None, container: Container | None = None) -> Litestar:
    """Builds the app; nothing is started until the lifespan runs."""
    settings = settings or load_settings()
    container = container or build_container(settings)
    configure_logging(settings)
    resolve_dependencies_in_order()

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        await start(container)
        await container.access_listener().start()
        worker: IngestionWorker | None = None
        # Load the model now, in the background; /health/ready says `loading` until then.
        warm_up = asyncio.create_task(container.embedder_warmth().warm())
        if settings.run_worker:
            worker = container.ingestion_worker()
            worker.start()
            container.orphan_sweeper().start()
            container.retention_sweeper().start()
        log.info("app.started", storage=settings.storage, data_dir=str(settings.data_dir))
        try:
            yield
        finally:
            warm_up.cancel()
            if worker is not None:
                await worker.stop()
                await container.orphan_sweeper().stop()
                await container.retention_sweeper().stop()
            await container.access_listener().stop()
            await stop(container)
            log.info("app.stopped")

    return Litestar(
        route_handlers=[
            HealthController,
            AuthController,
            MeController,
            WorkspaceController,
            ApiKeyController,
            document_controller(settings.max_upload_mb * MIB + 64 * 1024),
            SearchController,
            ChatController,
            ConversationController,
            EmbedCodeController,
            AnalyticsController,
            DataRightsController,
            WidgetScriptController,
            WidgetController,
            widget_socket,
            dashboard_socket,
            PrometheusController,
            ConsoleController,
            ConsoleSessionController,
            *docs_handlers(),
        ],
        dependencies=dependencies(container),
        plugins=[problem_details_plugin()],
        middleware=[EdgeMiddleware],
        request_class=ApiRequest,
        before_send=[add_edge_headers],
        lifespan=[lifespan],
        state=State(
            {
                "container": container,
                "settings": settings,
                "trusted_proxies": settings.trusted_networks(),
                "own_origins": settings.own_origin_list(),
            }
        ),
        request_max_body_size=settings.max_json_body_kb * 1024,
        openapi_config=openapi_config(),
        debug=False,
        logging_config=None,  # ours (bootstrap/logging.py): every line JSON, one formatter
    )


def openapi_config() -> OpenAPIConfig:
    """The document is completed by `DocumentJsonPlugin` (adapters/inbound/http/api_docs.py);
    Swagger UI is served from the app's own assets, at /schema and /schema/swagger."""
    return OpenAPIConfig(
        title="CustomerCareGPT",
        version="1.0.0",
        path="/schema",
        render_plugins=[DocumentJsonPlugin(), OfflineSwaggerPlugin(path=["/", "/swagger"])],
    )
