"""Use case: is the service ready to take traffic?"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from application.ports.health import HealthProbe, Status


@dataclass(frozen=True, slots=True)
class Readiness:
    components: dict[str, Status]

    @property
    def ready(self) -> bool:
        # A degraded dependency (say, Redis with a local fallback) still serves; a model
        # still loading does not yet.
        return not {"down", "loading"} & set(self.components.values())


class CheckReadiness:
    """Asks every probe; ready unless one of them is down."""

    def __init__(self, probes: Mapping[str, HealthProbe]) -> None:
        self._probes = probes

    async def execute(self) -> Readiness:
        return Readiness({name: await probe.status() for name, probe in self._probes.items()})
