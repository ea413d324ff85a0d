"""Use case: erase message texts older than each workspace's `retention_days`."""

from __future__ import annotations

from datetime import timedelta

import structlog

from application.ports.clock import Clock
from application.ports.conversation_archive import ConversationArchive

log = structlog.get_logger()


class ApplyRetention:
    """Run on a schedule: old texts go, analytics figures stay; returns messages erased."""

    def __init__(self, archive: ConversationArchive, clock: Clock) -> None:
        self._archive, self._clock = archive, clock

    async def execute(self) -> int:
        total = 0
        for workspace_id, days in await self._archive.retention_policies():
            cutoff = self._clock.now() - timedelta(days=days)
            erased = await self._archive.erase_before(workspace_id, cutoff)
            if erased:
                log.info("retention.erased", workspace_id=str(workspace_id), messages=erased)
            total += erased
        return total
