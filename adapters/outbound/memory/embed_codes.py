"""In-memory embed codes, with the same contract as PostgreSQL."""

from __future__ import annotations

import copy

from adapters.outbound.memory.repositories import paginate
from adapters.outbound.memory.store import ScopedRepository
from application.pagination import Cursor, Page, PageRequest
from domain.embed_codes import DomainPattern, EmbedCode
from domain.ids import EmbedCodeId, WorkspaceId


class InMemoryEmbedCodeRepository(ScopedRepository):
    async def add(self, code: EmbedCode) -> None:
        self._check(code.workspace_id)
        self._store.embed_codes[(code.workspace_id, code.id)] = copy.deepcopy(code)

    async def get(
        self, workspace_id: WorkspaceId, code_id: EmbedCodeId, *, for_update: bool = False
    ) -> EmbedCode | None:
        if not self._sees(workspace_id):
            return None
        return copy.deepcopy(self._store.embed_codes.get((workspace_id, code_id)))

    async def save(self, code: EmbedCode) -> None:
        key = (code.workspace_id, code.id)
        if self._sees(code.workspace_id) and key in self._store.embed_codes:
            self._store.embed_codes[key] = copy.deepcopy(code)

    async def delete(self, workspace_id: WorkspaceId, code_id: EmbedCodeId) -> None:
        if self._sees(workspace_id):
            self._store.embed_codes.pop((workspace_id, code_id), None)

    async def count(self, workspace_id: WorkspaceId) -> int:
        return len(self._mine(workspace_id))

    async def find_by_public_key(self, public_key: str) -> EmbedCode | None:
        found = (
            c
            for c in self._store.embed_codes.values()
            if c.public_key == public_key and self._sees(c.workspace_id)
        )
        return copy.deepcopy(next(found, None))

    async def active_allowlists(self) -> list[list[DomainPattern]]:
        return [
            list(c.allowed_domains)
            for c in self._store.embed_codes.values()
            if c.active and self._sees(c.workspace_id)
        ]

    def _mine(self, workspace_id: WorkspaceId) -> list[EmbedCode]:
        return [
            c
            for (ws, _), c in self._store.embed_codes.items()
            if ws == workspace_id and self._sees(ws)
        ]

    async def list(self, workspace_id: WorkspaceId, page: PageRequest) -> Page[EmbedCode]:
        return paginate(self._mine(workspace_id), page, lambda c: Cursor(c.created_at, c.id))
