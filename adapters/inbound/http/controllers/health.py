"""Liveness and readiness."""

from __future__ import annotations

from litestar import Controller, Response, get
from litestar.di import NamedDependency

from adapters.inbound.http.schemas import health as h
from application.use_cases.check_readiness import CheckReadiness


class HealthController(Controller):
    path = "/health"
    tags = ["operations"]

    @get("/live")
    async def live(self) -> dict[str, str]:
        return {"status": "alive"}

    @get("/ready")
    async def ready(
        self, check_readiness: NamedDependency[CheckReadiness]
    ) -> Response[h.ReadinessOut]:
        readiness = await check_readiness.execute()
        body = h.ReadinessOut(
            status="ready" if readiness.ready else "unavailable",
            database=readiness.components.get("database", "not_configured"),
            redis=readiness.components.get("redis", "not_configured"),
            queue=readiness.components.get("queue", "not_configured"),
            embedder=readiness.components.get("embedder", "not_configured"),
        )
        return Response(body, status_code=200 if readiness.ready else 503)
