"""Ready means warm: a process takes traffic only once its embedding model is loaded and has
embedded one query, so the first visitor's search costs what every other one does (it used
to take 8-22 s after a restart while `/health/ready` already said 200)."""

from __future__ import annotations

import asyncio

import structlog

from application.ports.embedder import Embedder
from application.ports.health import Status

log = structlog.get_logger()
RETRY_SECONDS = 5.0


class EmbedderWarmth:
    """A health probe (`loading` until warm) and the task that warms the embedder."""

    def __init__(self, embedder: Embedder) -> None:
        self._embedder = embedder
        self._warm = not hasattr(embedder, "warm_up")  # remote embedders have nothing to load

    async def status(self) -> Status:
        return "ok" if self._warm else "loading"

    async def warm(self) -> None:
        """Loads the model and embeds one query, off the event loop; retries on failure."""
        while not self._warm:
            try:
                await self._embedder.warm_up()  # type: ignore[attr-defined]
                await self._embedder.embed_query("warm up")
            except Exception as exc:
                log.warning("embedder.warm_up_failed", error=type(exc).__name__)
                await asyncio.sleep(RETRY_SECONDS)
                continue
            self._warm = True
            log.info("embedder.warm")
