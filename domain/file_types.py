"""What an uploaded file is, decided from its bytes; the name only tells Markdown from text."""

from __future__ import annotations

import io
import re
import zipfile

from domain.documents import MimeType
from domain.errors import UnsupportedMediaType

PDF_MAGIC_WINDOW = 1024
BINARY_WINDOW = 8192
HTML_WINDOW = 4096
MARKDOWN_WINDOW = 65536

# Checked at offset 0, before anything else, so an executable renamed .pdf is refused.
_REFUSED_MAGICS: tuple[tuple[bytes, str], ...] = (
    (b"MZ", "Windows executable"),
    (b"\x7fELF", "ELF executable"),
    (b"\xfe\xed\xfa\xce", "Mach-O executable"),
    (b"\xfe\xed\xfa\xcf", "Mach-O executable"),
    (b"\xce\xfa\xed\xfe", "Mach-O executable"),
    (b"\xcf\xfa\xed\xfe", "Mach-O executable"),
    (b"\xca\xfe\xba\xbe", "Mach-O universal binary or Java class file"),
    (b"\xbe\xba\xfe\xca", "Mach-O universal binary"),
    (b"\x00asm", "WebAssembly module"),
    (b"#!", "script"),
    (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",
        "legacy or password-protected Office file; save it as an unprotected .docx",
    ),
    (b"\x1f\x8b", "gzip archive"),
    (b"7z\xbc\xaf\x27\x1c", "7-Zip archive"),
    (b"Rar!", "RAR archive"),
    (b"\x89PNG", "PNG image"),
    (b"\xff\xd8\xff", "JPEG image"),
    (b"GIF8", "GIF image"),
    (b"\xff\xfe", "UTF-16 text; save it as UTF-8"),
    (b"\xfe\xff", "UTF-16 text; save it as UTF-8"),
)
# Readers accept some junk before the header; we want it at a line start, so a text that
# merely mentions "%PDF-1.7" mid-sentence stays text.
_PDF_HEADER = re.compile(rb"(?:\A|[\r\n])%PDF-\d")
_ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06")
_DOCX_PARTS = frozenset({"word/document.xml", "[Content_Types].xml"})
_HTML_HINTS = ("<head", "<body", "<p>", "<div", "<h1")
_MARKDOWN_SUFFIXES = (".md", ".markdown")
_MARKDOWN_LINE = re.compile(r"^(?:#{1,6} \S|```)", re.MULTILINE)
_MARKDOWN_LINK = re.compile(r"\[[^\]\n]+\]\([^)\s]+\)")
_MARKDOWN_LIST_ITEM = re.compile(r"^- \S", re.MULTILINE)


def _refuse(found: str) -> UnsupportedMediaType:
    return UnsupportedMediaType(
        f"This file looks like a {found}. Upload a PDF, Word (.docx), HTML, Markdown "
        "or plain-text file."
    )


def sniff(data: bytes, filename: str | None) -> MimeType:
    """The type of an upload from its content; raises UnsupportedMediaType for anything else."""
    for magic, found in _REFUSED_MAGICS:
        if data.startswith(magic):
            raise _refuse(found)
    if _PDF_HEADER.search(data[:PDF_MAGIC_WINDOW]):
        return MimeType.PDF
    if data.startswith(_ZIP_MAGICS):
        return _sniff_zip(data)
    if b"\x00" in data[:BINARY_WINDOW]:
        raise _refuse("binary data")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UnsupportedMediaType(
            "This file is neither a supported document nor UTF-8 text; save text files as UTF-8."
        ) from None
    return _sniff_text(text, filename)


def _sniff_zip(data: bytes) -> MimeType:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, ValueError, OSError):
        raise _refuse("damaged ZIP archive") from None
    if not names >= _DOCX_PARTS:
        raise _refuse("ZIP archive that is not a Word document")
    if "word/vbaProject.bin" in names:
        raise _refuse("Word document with macros (.docm); save it as .docx")
    return MimeType.DOCX


def _sniff_text(text: str, filename: str | None) -> MimeType:
    head = text[:HTML_WINDOW].strip().lower()
    if head.startswith(("<!doctype html", "<html")) or (
        head.startswith("<") and any(hint in head for hint in _HTML_HINTS)
    ):
        return MimeType.HTML
    if filename and filename.lower().endswith(_MARKDOWN_SUFFIXES):
        return MimeType.MARKDOWN
    sample = text[:MARKDOWN_WINDOW]
    if (
        _MARKDOWN_LINE.search(sample)
        or _MARKDOWN_LINK.search(sample)
        or len(_MARKDOWN_LIST_ITEM.findall(sample)) >= 2
    ):
        return MimeType.MARKDOWN
    return MimeType.TEXT
