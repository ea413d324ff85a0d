"""Sends each format to the parser that suits it: isolation where the risk is."""

from __future__ import annotations

from collections.abc import Set

from application.ports.document_parser import DocumentParser
from domain.documents import Block, MimeType
from domain.plans import ParseBudget

# PDF and Word files go through large parsing libraries over zip, XML and compressed
# streams: a hostile file there gets a child process with memory and CPU limits. Text,
# Markdown and HTML are read by linear-time standard-library code in a thread, which
# spares them the ~0.15 s of starting a process per document.
ISOLATED_FORMATS = frozenset({MimeType.PDF, MimeType.DOCX})


class RoutingDocumentParser:
    def __init__(
        self,
        isolated: DocumentParser,
        inline: DocumentParser,
        isolate: Set[MimeType] = ISOLATED_FORMATS,
    ) -> None:
        self._isolated, self._inline, self._isolate = isolated, inline, isolate

    async def parse(
        self, mime_type: MimeType, data: bytes, budget: ParseBudget | None = None
    ) -> list[Block]:
        parser = self._isolated if mime_type in self._isolate else self._inline
        return await parser.parse(mime_type, data, budget)
