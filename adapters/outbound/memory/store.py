"""The in-memory store shared by the memory repositories, with snapshot/restore for rollback."""

from __future__ import annotations

import copy
import uuid
from dataclasses import dataclass, field
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

    def snapshot(self) -> dict[str, Any]:
        return copy.deepcopy(self.__dict__)

    def restore(self, snapshot: dict[str, Any]) -> None:
        self.__dict__.update(snapshot)
