"""Use case: erase a visitor's sessions and message texts (their right to erasure)."""

from __future__ import annotations

import structlog

from application.ports.conversation_archive import ConversationArchive
from application.principal import Principal
from application.use_cases.export_visitor import visitor_of
from domain.errors import NotFound
from domain.roles import Permission

log = structlog.get_logger()


class EraseVisitor:
    """Owners and admins erase a visitor; analytics figures stay as they were."""

    def __init__(self, archive: ConversationArchive) -> None:
        self._archive = archive

    async def execute(self, principal: Principal, visitor_id: str) -> None:
        principal.require(Permission.EXPORT_DATA)
        visitor = visitor_of(visitor_id)
        sessions = await self._archive.erase_visitor(principal.workspace_id, visitor)
        if not sessions:
            raise NotFound("Nothing is stored about this visitor.")
        # The visitor id itself is not logged: it is what was just erased.
        log.info("visitor.erased", sessions=sessions)
