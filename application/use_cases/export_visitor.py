"""Use case: everything stored about one visitor (their right of access)."""

from __future__ import annotations

from dataclasses import dataclass

from application.ports.conversation_archive import ArchivedSession, ConversationArchive
from application.principal import Principal
from domain.conversations import clean_visitor_id
from domain.errors import NotFound, ValidationFailed
from domain.roles import Permission


@dataclass(frozen=True, slots=True)
class VisitorRecord:
    visitor_id: str
    sessions: list[ArchivedSession]


def visitor_of(raw: str) -> str:
    visitor = clean_visitor_id(raw)
    if visitor is None:
        raise ValidationFailed.on("visitor_id", "must not be empty")
    return visitor


class ExportVisitor:
    """Owners and admins read out a visitor's sessions, messages and feedback."""

    def __init__(self, archive: ConversationArchive) -> None:
        self._archive = archive

    async def execute(self, principal: Principal, visitor_id: str) -> VisitorRecord:
        principal.require(Permission.EXPORT_DATA)
        visitor = visitor_of(visitor_id)
        sessions = await self._archive.visitor_sessions(principal.workspace_id, visitor)
        if not sessions:
            raise NotFound("Nothing is stored about this visitor.")
        return VisitorRecord(visitor, sessions)
