"""The in-memory store shared by the memory repositories, with snapshot/restore for rollback."""

from __future__ import annotations

import asyncio
import copy
import uuid
from dataclasses import dataclass, field, fields
from typing import Any


@dataclass
class MemoryStore:
    """Tables as dicts. Tenant tables are keyed on (workspace_id, id)."""

    workspaces: dict[uuid.UUID, Any] = field(default_factory=dict)
    users: dict[tuple[uuid.UUID, uuid.UUID], Any] = field(default_factory=dict)
    api_keys: dict[tuple[uuid.UUID, uuid.UUID], Any] = field(default_factory=dict)
    refresh_tokens: dict[uuid.UUID, Any] = field(default_factory=dict)
    documents: dict[tuple[uuid.UUID, uuid.UUID], Any] = field(default_factory=dict)
    contents: dict[tuple[uuid.UUID, uuid.UUID], bytes] = field(default_factory=dict)
    chunks: dict[tuple[uuid.UUID, uuid.UUID], list[Any]] = field(default_factory=dict)
    jobs: dict[uuid.UUID, Any] = field(default_factory=dict)
    conversations: dict[tuple[uuid.UUID, uuid.UUID], Any] = field(default_factory=dict)
    usage: dict[tuple[uuid.UUID, Any], int] = field(default_factory=dict)
    embed_codes: dict[tuple[uuid.UUID, uuid.UUID], Any] = field(default_factory=dict)
    messages: dict[tuple[uuid.UUID, uuid.UUID], list[Any]] = field(default_factory=dict)
    feedback: dict[tuple[uuid.UUID, uuid.UUID], Any] = field(default_factory=dict)
    # Analytics records (memory/analytics_records.py), kept past a session's erasure.
    analytics_visitors: dict[tuple[uuid.UUID, str], str] = field(default_factory=dict)
    analytics_sessions: dict[tuple[uuid.UUID, uuid.UUID], Any] = field(default_factory=dict)
    analytics_questions: dict[tuple[uuid.UUID, uuid.UUID], Any] = field(default_factory=dict)
    analytics_citations: dict[tuple[uuid.UUID, uuid.UUID, uuid.UUID], Any] = field(
        default_factory=dict
    )
    question_vectors: dict[tuple[uuid.UUID, str, str], list[float]] = field(default_factory=dict)
    sentence_vectors: dict[tuple[uuid.UUID, uuid.UUID, str], Any] = field(default_factory=dict)
    query_maps: dict[uuid.UUID, Any] = field(default_factory=dict)

    # One transaction at a time: the memory store is serialisable by construction.
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    def snapshot(self) -> dict[str, Any]:
        return {
            f.name: copy.deepcopy(getattr(self, f.name)) for f in fields(self) if f.name != "lock"
        }

    def restore(self, snapshot: dict[str, Any]) -> None:
        for name, value in snapshot.items():
            setattr(self, name, value)


class ScopedRepository:
    """A memory repository seeing one workspace (tenant scope) or all (system scope)."""

    def __init__(self, store: MemoryStore, scope: uuid.UUID | None = None) -> None:
        self._store, self._scope = store, scope

    def _sees(self, workspace_id: uuid.UUID) -> bool:
        return self._scope is None or self._scope == workspace_id

    def _check(self, workspace_id: uuid.UUID) -> None:
        """Like PostgreSQL's row-level security WITH CHECK: no row into another tenant."""
        if not self._sees(workspace_id):
            raise PermissionError("row-level security: the row belongs to another workspace")
