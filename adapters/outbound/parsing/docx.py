"""Word (.docx) text with python-docx, after the zip itself has been checked for tricks."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterator

import docx
from docx.document import Document
from docx.table import Table
from docx.text.paragraph import Paragraph

from adapters.outbound.parsing.common import Item, clean, collapse, short_reason, to_blocks
from domain.documents import Block, UnreadableDocument

MAX_MEMBERS = 10_000
MAX_UNCOMPRESSED_BYTES = 100 * 1024 * 1024
MAX_RATIO = 100
RATIO_CHECKED_FROM = 64 * 1024  # tiny parts compress absurdly well and can do no harm
SCAN_CHUNK = 1024 * 1024
_FORBIDDEN_MARKUP = (b"<!DOCTYPE", b"<!ENTITY")
_XML_SUFFIXES = (".xml", ".rels")
_HEADING_LEVEL = re.compile(r"^Heading\s*(\d)?")


def parse_docx(data: bytes) -> list[Block]:
    inspect_package(data)
    try:
        document = docx.Document(io.BytesIO(data))
    except (KeyError, ValueError, zipfile.BadZipFile) as exc:
        raise UnreadableDocument(
            f"The Word file is damaged or incomplete: {short_reason(exc)}"
        ) from None
    return to_blocks(_items(document))


def inspect_package(data: bytes) -> None:
    """Refuses zip bombs and XML with a DOCTYPE before any XML parser sees the file."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            members = package.infolist()
            _check_sizes(members)
            for member in members:
                if member.filename.lower().endswith(_XML_SUFFIXES):
                    _check_markup(package, member)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, EOFError) as exc:
        raise UnreadableDocument(
            f"The Word file is not a valid zip package: {short_reason(exc)}"
        ) from None


def _check_sizes(members: list[zipfile.ZipInfo]) -> None:
    if len(members) > MAX_MEMBERS:
        raise UnreadableDocument(f"The Word file holds more than {MAX_MEMBERS} parts.")
    for member in members:
        ratio = member.file_size / max(member.compress_size, 1)
        if member.file_size > RATIO_CHECKED_FROM and ratio > MAX_RATIO:
            raise UnreadableDocument(
                f"The Word file looks like a zip bomb ({member.filename} is compressed "
                f"{ratio:.0f} to 1)."
            )
    if sum(member.file_size for member in members) > MAX_UNCOMPRESSED_BYTES:
        raise UnreadableDocument(
            f"The Word file unpacks to more than {MAX_UNCOMPRESSED_BYTES // 2**20} MB."
        )


def _check_markup(package: zipfile.ZipFile, member: zipfile.ZipInfo) -> None:
    # zipfile never returns more than the declared size, which _check_sizes has bounded.
    overlap = max(len(marker) for marker in _FORBIDDEN_MARKUP) - 1
    tail = b""
    with package.open(member) as part:
        first = True
        while chunk := part.read(SCAN_CHUNK):
            if first and (chunk.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in chunk[:4]):
                # UTF-16 XML would hide a DOCTYPE from the byte search below; Word writes UTF-8.
                raise UnreadableDocument(
                    f"The Word file has a part in an unexpected encoding ({member.filename})."
                )
            first = False
            window = tail + chunk
            if any(marker in window for marker in _FORBIDDEN_MARKUP):
                raise UnreadableDocument(
                    f"The Word file declares XML entities ({member.filename}); "
                    "this is refused as a known attack."
                )
            tail = window[-overlap:]


def _items(document: Document) -> Iterator[Item]:
    for block in document.iter_inner_content():
        if isinstance(block, Paragraph):
            yield _paragraph(block)
        elif isinstance(block, Table):
            yield from _rows(block)


def _paragraph(paragraph: Paragraph) -> Item:
    text = clean(paragraph.text).strip()
    style = paragraph.style.name if paragraph.style is not None else ""
    if style and style.startswith("Title"):
        return Item(text, 1)
    heading = _HEADING_LEVEL.match(style or "")
    if heading:
        # Title is level 1, so "Heading 1" sits under it.
        return Item(text, 1 + int(heading.group(1) or 1))
    return Item(text)


def _rows(table: Table) -> Iterator[Item]:
    for row in table.rows:
        cells: list[str] = []
        previous = None
        for cell in row.cells:
            # python-docx repeats a merged cell once per grid column it spans.
            if previous is None or cell._tc is not previous._tc:
                text = collapse(clean(cell.text))
                if text:
                    cells.append(text)
            previous = cell
        if cells:
            yield Item(" | ".join(cells))
