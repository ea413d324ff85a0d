"""The format functions by MIME type, and the one place their failures become readable."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from adapters.outbound.parsing.common import short_reason
from adapters.outbound.parsing.docx import parse_docx
from adapters.outbound.parsing.html import parse_html
from adapters.outbound.parsing.markdown import parse_markdown
from adapters.outbound.parsing.pdf import parse_pdf
from adapters.outbound.parsing.text import parse_text
from domain.documents import Block, MimeType, UnreadableDocument

FormatParser = Callable[[bytes], list[Block]]

PARSERS: dict[MimeType, FormatParser] = {
    MimeType.PDF: parse_pdf,
    MimeType.DOCX: parse_docx,
    MimeType.HTML: parse_html,
    MimeType.MARKDOWN: parse_markdown,
    MimeType.TEXT: parse_text,
}

KINDS = {
    MimeType.PDF: "PDF",
    MimeType.DOCX: "Word",
    MimeType.HTML: "HTML",
    MimeType.MARKDOWN: "Markdown",
    MimeType.TEXT: "text",
}

MAX_TEXT_CHARS = 20_000_000  # far beyond any manual; bounds what crosses back to the server


def pick(parsers: Mapping[MimeType, FormatParser], mime_type: MimeType) -> FormatParser:
    try:
        return parsers[mime_type]
    except KeyError:
        raise UnreadableDocument(f"There is no parser for {mime_type} files.") from None


def run_format(parse: FormatParser, mime_type: MimeType, data: bytes) -> list[Block]:
    """Runs one format function; whatever goes wrong comes out as UnreadableDocument."""
    kind = KINDS.get(mime_type, str(mime_type))
    try:
        blocks = parse(data)
    except UnreadableDocument:
        raise
    except MemoryError:
        raise out_of_memory(kind) from None
    except RecursionError:
        raise UnreadableDocument(f"This {kind} file is nested too deeply to read.") from None
    except Exception as exc:
        raise UnreadableDocument(f"Could not read this {kind} file: {short_reason(exc)}") from None
    if sum(len(block.text) for block in blocks) > MAX_TEXT_CHARS:
        raise UnreadableDocument(
            f"This {kind} file holds more than {MAX_TEXT_CHARS:,} characters of text; "
            "split it into smaller files."
        )
    return blocks


def out_of_memory(kind: str) -> UnreadableDocument:
    return UnreadableDocument(f"Reading this {kind} file ran out of memory.")
