"""EmbedCodeRepository port."""

from __future__ import annotations

from typing import Protocol

from application.pagination import Page, PageRequest
from domain.embed_codes import DomainPattern, EmbedCode
from domain.ids import EmbedCodeId, WorkspaceId


class EmbedCodeRepository(Protocol):
    """Embed codes of workspaces; the widget finds them by public key."""

    async def add(self, code: EmbedCode) -> None: ...

    async def get(
        self, workspace_id: WorkspaceId, code_id: EmbedCodeId, *, for_update: bool = False
    ) -> EmbedCode | None: ...

    async def save(self, code: EmbedCode) -> None: ...

    async def delete(self, workspace_id: WorkspaceId, code_id: EmbedCodeId) -> None: ...

    async def count(self, workspace_id: WorkspaceId) -> int: ...

    async def find_by_public_key(self, public_key: str) -> EmbedCode | None:
        """Cross-workspace lookup for the widget; needs a system-scoped unit of work."""
        ...

    async def active_allowlists(self) -> list[list[DomainPattern]]:
        """Every active code's allowed domains (system scope): which origins may use some
        widget at all, for CORS preflights that carry no key."""
        ...

    # Last: a method named `list` would shadow the builtin for annotations below it.
    async def list(self, workspace_id: WorkspaceId, page: PageRequest) -> Page[EmbedCode]: ...
