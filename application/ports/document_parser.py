"""DocumentParser port."""

from __future__ import annotations

from typing import Protocol

from domain.documents import Block, MimeType
from domain.plans import ParseBudget


class DocumentParser(Protocol):
    """Turns a file's bytes into text blocks; raises UnreadableDocument, never anything else.

    Must stay bounded in time and memory whatever the bytes are: within `budget` where the
    adapter can enforce it (a child process), else within its own limits.
    """

    async def parse(
        self, mime_type: MimeType, data: bytes, budget: ParseBudget | None = None
    ) -> list[Block]: ...
