"""ConversationArchive port: conversations read out in bulk, and erased for data rights."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from domain.conversations import Conversation, Message
from domain.feedback import Feedback
from domain.ids import WorkspaceId


@dataclass(frozen=True, slots=True)
class ArchivedSession:
    conversation: Conversation
    messages: list[Message]  # oldest first
    feedback: list[Feedback] = field(default_factory=list)


class ConversationArchive(Protocol):
    """Whole sessions with their messages and feedback; erasure keeps analytics records."""

    def sessions(
        self, workspace_id: WorkspaceId, start: datetime | None, end: datetime | None
    ) -> AsyncIterator[ArchivedSession]:
        """Sessions started in [start, end), oldest first, streamed: memory stays flat."""
        ...

    async def visitor_sessions(
        self, workspace_id: WorkspaceId, visitor_id: str
    ) -> list[ArchivedSession]: ...

    async def erase_visitor(self, workspace_id: WorkspaceId, visitor_id: str) -> int:
        """Deletes the visitor's sessions, messages and feedback, blanks the analytics copies
        of their questions' texts and forgets which analytics key was theirs; returns how
        many sessions went. Counts do not change; the questions leave the lists that name
        questions by their text."""
        ...

    async def retention_policies(self) -> list[tuple[WorkspaceId, int]]:
        """Every workspace that keeps texts for a limited time, with its days (system-wide)."""
        ...

    async def erase_before(self, workspace_id: WorkspaceId, cutoff: datetime) -> int:
        """Retention: sessions quiet since before `cutoff` go, older texts in the others (and
        the analytics copies of questions asked before it) are blanked; returns how many
        messages were erased. Counts do not change."""
        ...
