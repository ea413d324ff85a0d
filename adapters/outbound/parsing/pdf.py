"""PDF text per page with pypdf; headings come from the PDF's bookmarks (its outline)."""

from __future__ import annotations

import io
from collections.abc import Iterator
from itertools import islice
from typing import Any

from pypdf import PasswordType, PdfReader
from pypdf.errors import DependencyError, FileNotDecryptedError, PyPdfError

from adapters.outbound.parsing.common import (
    Item,
    clean,
    collapse,
    paragraphs,
    short_reason,
    to_blocks,
)
from domain.documents import Block, UnreadableDocument

MAX_PDF_PAGES = 2000
MAX_OUTLINE_ENTRIES = 10_000
SHORT_LINE = 0.75  # a line shorter than this share of the page's longest one ends a paragraph

Outline = dict[int, list[tuple[int, str]]]  # page index -> [(level, title)] in outline order


def parse_pdf(data: bytes) -> list[Block]:
    try:
        reader = PdfReader(io.BytesIO(data))
        _unlock(reader)
        count = len(reader.pages)
        if count > MAX_PDF_PAGES:
            raise UnreadableDocument(
                f"The PDF has {count} pages; at most {MAX_PDF_PAGES} can be indexed. "
                "Split it into smaller files."
            )
        outline = _outline(reader)
        items = [
            item
            for index, page in enumerate(reader.pages)
            for item in _page_items(page.extract_text() or "", index, outline.get(index, []))
        ]
    except (FileNotDecryptedError, DependencyError):
        raise _encrypted() from None
    except PyPdfError as exc:
        raise UnreadableDocument(f"The PDF is damaged or incomplete: {short_reason(exc)}") from None
    blocks = to_blocks(items)
    if not blocks:
        raise UnreadableDocument(
            "The PDF has no extractable text (a scan?). Upload a PDF with a text layer, "
            "or run it through OCR first."
        )
    return blocks


def _encrypted() -> UnreadableDocument:
    return UnreadableDocument("The PDF is encrypted; upload an unprotected copy.")


def _unlock(reader: PdfReader) -> None:
    # An owner password alone (printing/copying restrictions) opens with an empty user password.
    if reader.is_encrypted and reader.decrypt("") == PasswordType.NOT_DECRYPTED:
        raise _encrypted()


def _outline(reader: PdfReader) -> Outline:
    found: Outline = {}
    try:
        entries = list(islice(_flatten(reader, reader.outline, 1), MAX_OUTLINE_ENTRIES))
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, RecursionError):
        return found  # a broken outline costs the headings, not the document
    for page, level, title in entries:
        found.setdefault(page, []).append((level, title))
    return found


def _flatten(reader: PdfReader, nodes: list[Any], level: int) -> Iterator[tuple[int, int, str]]:
    for node in nodes:
        if isinstance(node, list):
            yield from _flatten(reader, node, level + 1)
            continue
        page, title = reader.get_destination_page_number(node), collapse(str(node.title or ""))
        if page is not None and page >= 0 and title:
            yield page, min(level, 9), title


def _page_items(text: str, index: int, headings: list[tuple[int, str]]) -> list[Item]:
    page = index + 1
    chunks = _split(clean(text))
    # Each bookmark of the page becomes a heading where a paragraph matches its title;
    # bookmarks with no matching text take effect at the page start (or after the previous
    # matched one), so the page's text still gets its heading.
    items: list[Item] = []
    position = 0
    for level, title in headings:
        match = next((at for at in range(position, len(chunks)) if _same(chunks[at], title)), None)
        if match is None:
            items.append(Item(title, level, page, shown=False))
            continue
        items.extend(Item(chunk, None, page) for chunk in chunks[position:match])
        items.append(Item(chunks[match], level, page))
        position = match + 1
    items.extend(Item(chunk, None, page) for chunk in chunks[position:])
    return items


def _same(chunk: str, title: str) -> bool:
    return collapse(chunk).casefold() == title.casefold()


def _split(text: str) -> list[str]:
    """Paragraphs on blank lines; a page with none has its wrapped lines merged back."""
    if "\n\n" in text.replace(" ", "").replace("\t", ""):
        return [collapse(paragraph) for paragraph in paragraphs(text)]
    lines = [line.strip() for line in text.split("\n") if line.strip()]
    longest = max((len(line) for line in lines), default=0)
    merged: list[str] = []
    current: list[str] = []
    for line in lines:
        current.append(line)
        if len(line) < SHORT_LINE * longest:
            merged.append(" ".join(current))
            current = []
    if current:
        merged.append(" ".join(current))
    return merged
