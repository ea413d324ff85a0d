"""Use case: every session of a period with its messages, streamed for download."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date

from application.ports.conversation_archive import ArchivedSession, ConversationArchive
from application.principal import Principal
from domain.analytics import day_bounds
from domain.roles import Permission


@dataclass(frozen=True, slots=True)
class ExportInput:
    """Sessions started from `first` to `last` (inclusive days in `tz`); left out: all."""

    first: date | None = None
    last: date | None = None
    tz: str | None = None


class ExportConversations:
    """Owners and admins take the conversations out; the stream never holds them all."""

    def __init__(self, archive: ConversationArchive) -> None:
        self._archive = archive

    async def execute(
        self, principal: Principal, inp: ExportInput
    ) -> AsyncIterator[ArchivedSession]:
        principal.require(Permission.EXPORT_DATA)  # before the first byte is sent
        start, end = day_bounds(inp.first, inp.last, inp.tz)
        return self._archive.sessions(principal.workspace_id, start, end)
