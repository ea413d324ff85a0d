"""In-memory conversation archive, with PostgreSQL's contract (erasure keeps analytics)."""

from __future__ import annotations

import copy
from collections.abc import AsyncIterator, Callable
from dataclasses import replace
from datetime import datetime

from adapters.outbound.memory.analytics_records import QuestionRecord
from adapters.outbound.memory.store import MemoryStore
from application.ports.conversation_archive import ArchivedSession
from domain.conversations import Conversation
from domain.ids import WorkspaceId


class InMemoryConversationArchive:
    def __init__(self, store: MemoryStore) -> None:
        self._store = store

    def _archived(self, c: Conversation) -> ArchivedSession:
        messages = copy.deepcopy(self._store.messages.get((c.workspace_id, c.id), []))
        verdicts = (self._store.feedback.get((c.workspace_id, m.id)) for m in messages)
        return ArchivedSession(copy.deepcopy(c), messages, [f for f in verdicts if f])

    def _of(self, workspace_id: WorkspaceId) -> list[Conversation]:
        found = [c for (w, _), c in self._store.conversations.items() if w == workspace_id]
        return sorted(found, key=lambda c: (c.started_at, c.id))

    async def sessions(
        self, workspace_id: WorkspaceId, start: datetime | None, end: datetime | None
    ) -> AsyncIterator[ArchivedSession]:
        for c in self._of(workspace_id):
            if (start is None or c.started_at >= start) and (end is None or c.started_at < end):
                yield self._archived(c)

    async def visitor_sessions(
        self, workspace_id: WorkspaceId, visitor_id: str
    ) -> list[ArchivedSession]:
        return [self._archived(c) for c in self._of(workspace_id) if c.visitor_id == visitor_id]

    async def erase_visitor(self, workspace_id: WorkspaceId, visitor_id: str) -> int:
        async with self._store.lock:
            gone = [c for c in self._of(workspace_id) if c.visitor_id == visitor_id]
            for c in gone:
                self._drop(c)
            key = self._store.analytics_visitors.pop((workspace_id, visitor_id), None)
            self._blank_questions(workspace_id, lambda q: q.visitor_key == key)
        return len(gone)

    async def retention_policies(self) -> list[tuple[WorkspaceId, int]]:
        return [
            (ws.id, ws.retention_days)
            for ws in self._store.workspaces.values()
            if ws.retention_days is not None
        ]

    async def erase_before(self, workspace_id: WorkspaceId, cutoff: datetime) -> int:
        erased = 0
        async with self._store.lock:
            for c in self._of(workspace_id):
                if c.last_message_at < cutoff:
                    erased += c.message_count
                    self._drop(c)
                    continue
                for m in self._store.messages.get((workspace_id, c.id), []):
                    if m.created_at < cutoff and m.text:
                        m.text, m.query, erased = "", None, erased + 1
            for key, f in list(self._store.feedback.items()):
                if key[0] == workspace_id and f.created_at < cutoff and f.comment:
                    self._store.feedback[key] = replace(f, comment=None)
            self._forget_orphan_visitors(workspace_id)
            self._blank_questions(workspace_id, lambda q: q.asked_at < cutoff)
        return erased

    def _blank_questions(
        self, workspace_id: WorkspaceId, which: Callable[[QuestionRecord], bool]
    ) -> None:
        """The analytics copy of a question's text is a message text too: blanked (the
        record and every count stay), with embeddings of texts no longer asked."""
        for (w, _), q in self._store.analytics_questions.items():
            if w == workspace_id and q.query and which(q):
                q.query = ""
        asked = {
            q.query for (w, _), q in self._store.analytics_questions.items() if w == workspace_id
        }
        for key in list(self._store.question_vectors):
            if key[0] == workspace_id and key[2] not in asked:
                del self._store.question_vectors[key]

    def _drop(self, c: Conversation) -> None:
        key = (c.workspace_id, c.id)
        for m in self._store.messages.pop(key, []):
            self._store.feedback.pop((c.workspace_id, m.id), None)
        del self._store.conversations[key]

    def _forget_orphan_visitors(self, workspace_id: WorkspaceId) -> None:
        left = {c.visitor_id for c in self._of(workspace_id)}
        for w, visitor in list(self._store.analytics_visitors):
            if w == workspace_id and visitor not in left:
                del self._store.analytics_visitors[(w, visitor)]
