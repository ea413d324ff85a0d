"""Bodies of the health controller."""

from __future__ import annotations

from typing import Literal

from adapters.inbound.http.schemas.base import BodyOut


class ReadinessOut(BodyOut):
    """`status` is `unavailable` while a component is `down`, or `loading` (the embedding
    model, until it has embedded a first query); `degraded` (Redis away) still serves."""

    status: Literal["ready", "unavailable"]
    database: str
    redis: str
    queue: str
    embedder: str
