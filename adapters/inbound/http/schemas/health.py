"""Bodies of the health controller."""

from __future__ import annotations

from typing import Literal

from adapters.inbound.http.schemas.base import BodyOut


class ReadinessOut(BodyOut):
    status: Literal["ready", "unavailable"]
    database: str
    redis: str
    queue: str
