"""HealthProbe port."""

from __future__ import annotations

from typing import Literal, Protocol

Status = Literal["ok", "degraded", "down", "loading", "not_configured"]


class HealthProbe(Protocol):
    """Reports one dependency's state; must answer within its own short timeout."""

    async def status(self) -> Status: ...
