"""DocumentParser port."""

from __future__ import annotations

from typing import Protocol

from domain.documents import Block, MimeType


class DocumentParser(Protocol):
    """Turns a file's bytes into text blocks; raises UnreadableDocument, never anything else.

    Must stay bounded in time and memory whatever the bytes are.
    """

    async def parse(self, mime_type: MimeType, data: bytes) -> list[Block]: ...
