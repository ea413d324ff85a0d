"""Request metrics for `/metrics`: the series Litestar's Prometheus middleware wrote
(`ccgpt_requests_total`, `ccgpt_request_duration_seconds`, `ccgpt_requests_in_progress`,
`ccgpt_requests_error_total`; labelled method, route template, status code, app name), kept
cheaper: each series' child is looked up once and then remembered, so a request costs two
gauge steps, one increment and one observation, with no label handling (issue 14)."""

from __future__ import annotations

import re
from typing import Any

from litestar.enums import ScopeType
from litestar.types import Scope
from prometheus_client import Counter, Gauge, Histogram
from prometheus_client.metrics import MetricWrapperBase

APP_NAME = "ccgpt"
LABELS = ("method", "path", "status_code", "app_name")
# Not counted: the scraper's own requests and the probes (searched anywhere in the path).
EXCLUDED = re.compile("/metrics|/health")

REQUESTS = Counter("ccgpt_requests_total", "Total requests", LABELS)
DURATION = Histogram("ccgpt_request_duration_seconds", "Request duration, in seconds", LABELS)
IN_PROGRESS = Gauge(
    "ccgpt_requests_in_progress",
    "Total requests currently in progress",
    LABELS,
    multiprocess_mode="livesum",
)
ERRORS = Counter("ccgpt_requests_error_total", "Total errors in requests", LABELS)

# Bounded by routes x methods x statuses: paths are route templates, never raw paths.
_children: dict[tuple[MetricWrapperBase, str, str, int], Any] = {}


def _child(metric: MetricWrapperBase, method: str, path: str, status: int) -> Any:
    key = (metric, method, path, status)
    child = _children.get(key)
    if child is None:
        child = _children[key] = metric.labels(method, path, status, APP_NAME)
    return child


def is_metered(scope: Scope) -> bool:
    if getattr(scope.get("route_handler"), "is_mount", False):
        return EXCLUDED.search(scope["raw_path"].decode()) is None
    return EXCLUDED.search(scope["path"]) is None


def series_of(scope: Scope) -> tuple[str, str]:
    """The method label (`websocket` for sockets) and the route template."""
    if scope["type"] == ScopeType.HTTP:
        return scope["method"], scope["path_template"]
    return scope["type"], scope["path_template"]


def in_progress(method: str, path: str) -> Any:
    """The in-progress gauge's child; labelled status 200 whatever the outcome, as before."""
    return _child(IN_PROGRESS, method, path, 200)


def record(method: str, path: str, status: int, seconds: float) -> None:
    if status >= 500:
        _child(ERRORS, method, path, status).inc()
    _child(REQUESTS, method, path, status).inc()
    _child(DURATION, method, path, status).observe(seconds)
