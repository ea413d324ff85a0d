"""Plain text: paragraphs are separated by blank lines."""

from __future__ import annotations

from adapters.outbound.parsing.common import Item, clean, paragraphs, to_blocks
from domain.documents import Block


def parse_text(data: bytes) -> list[Block]:
    text = clean(data.decode("utf-8-sig", errors="replace"))
    return to_blocks(Item(paragraph) for paragraph in paragraphs(text))
