"""Sniffing: the bytes decide what an upload is; executables and archives are refused."""

from __future__ import annotations

import io
import zipfile

import docx
import pytest
from fpdf import FPDF

from domain.documents import MimeType
from domain.errors import UnsupportedMediaType
from domain.file_types import sniff


def a_pdf() -> bytes:
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    pdf.multi_cell(0, 6, text="Opening hours are nine to five.")
    return bytes(pdf.output())


def a_docx() -> bytes:
    document = docx.Document()
    document.add_paragraph("Hello")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def a_zip(**members: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return out.getvalue()


def refusal(data: bytes, filename: str | None = None) -> str:
    with pytest.raises(UnsupportedMediaType) as caught:
        sniff(data, filename)
    return caught.value.detail


def test_a_pdf_is_a_pdf_whatever_its_name() -> None:
    assert sniff(a_pdf(), "notes.txt") is MimeType.PDF
    assert sniff(a_pdf(), None) is MimeType.PDF


def test_a_pdf_header_after_a_little_junk_is_still_a_pdf() -> None:
    assert sniff(b"junk from a mail gateway\r\n" + a_pdf(), "x.pdf") is MimeType.PDF


def test_a_pdf_header_beyond_the_first_kilobyte_is_not() -> None:
    assert sniff(b"x" * 1024 + b"\n%PDF-1.7\nhello", "x.pdf") is MimeType.TEXT


def test_text_that_mentions_the_pdf_magic_stays_text() -> None:
    assert sniff(b"Our files start with %PDF-1.7 like any other.", "a.txt") is MimeType.TEXT


def test_a_word_document_is_docx() -> None:
    assert sniff(a_docx(), "letter.bin") is MimeType.DOCX


@pytest.mark.parametrize(
    ("data", "found"),
    [
        (b"MZ\x90\x00\x03" + b"\x00" * 60 + b"This program cannot be run in DOS mode", "Windows"),
        (b"MZ" + b"%PDF-1.7\n" * 10, "Windows executable"),
        (b"\x7fELF\x02\x01\x01" + b"\x00" * 100, "ELF executable"),
        (b"\xcf\xfa\xed\xfe\x07\x00\x00\x01" + b"\x00" * 50, "Mach-O"),
        (b"\xca\xfe\xba\xbe\x00\x00\x00\x02", "Mach-O"),
        (b"#!/bin/sh\nrm -rf /\n", "script"),
        (b"\x1f\x8b\x08\x00" + b"\x00" * 20, "gzip"),
        (b"\x89PNG\r\n\x1a\n", "PNG image"),
    ],
)
def test_executables_and_other_binaries_are_refused_even_named_pdf(data: bytes, found: str) -> None:
    assert found in refusal(data, "manual.pdf")


def test_a_plain_zip_is_refused() -> None:
    detail = refusal(a_zip(**{"readme.txt": b"hi", "setup.exe": b"MZ"}), "manual.docx")
    assert "ZIP archive that is not a Word document" in detail


def test_a_damaged_zip_is_refused() -> None:
    assert "damaged ZIP archive" in refusal(b"PK\x03\x04" + b"\x01" * 200, "x.docx")


def test_a_macro_enabled_word_file_is_refused() -> None:
    data = a_zip(
        **{"[Content_Types].xml": b"<x/>", "word/document.xml": b"<x/>"},
        **{"word/vbaProject.bin": b"\x00"},
    )
    assert "macros" in refusal(data, "x.docx")


def test_nul_bytes_mean_binary() -> None:
    assert "binary data" in refusal(b"hello\x00world" * 10, "notes.txt")


def test_text_that_is_not_utf8_is_refused_with_advice() -> None:
    assert "UTF-8" in refusal("Café crème".encode("latin-1"), "menu.txt")
    assert "UTF-8" in refusal("Hello".encode("utf-16"), "hello.txt")


@pytest.mark.parametrize(
    "text",
    [
        "<!DOCTYPE html><html><body><p>Hi</p></body></html>",
        "  \n<HTML lang='en'><p>Hi</p></HTML>",
        "<!-- saved page -->\n<div class='x'><p>Hi</p></div>",
        "\ufeff<html><body>BOM first</body></html>",
    ],
)
def test_html_is_recognised_by_its_markup(text: str) -> None:
    assert sniff(text.encode(), "page.txt") is MimeType.HTML


def test_html_wins_over_a_markdown_name() -> None:
    assert sniff(b"<!doctype html><h1>Hi</h1>", "page.md") is MimeType.HTML


@pytest.mark.parametrize(
    "text",
    [
        "# Shipping\n\nWe ship worldwide.",
        "Intro\n\n```\ncode\n```\n",
        "See [the docs](https://example.com/docs) for more.",
        "Bring:\n- a passport\n- a ticket\n",
    ],
)
def test_markdown_is_recognised_by_its_syntax(text: str) -> None:
    assert sniff(text.encode(), None) is MimeType.MARKDOWN


def test_markdown_is_recognised_by_its_name() -> None:
    assert sniff(b"Just words.", "README.MD") is MimeType.MARKDOWN
    assert sniff(b"Just words.", "notes.markdown") is MimeType.MARKDOWN


@pytest.mark.parametrize(
    "text",
    [
        "Opening hours: 9-17.\n\nClosed on Sundays.",
        "<3 our customers, and 2 < 3 > 1.",
        "#hashtag is not a heading\n- one dash line only",
        "C# and F# are languages.",
    ],
)
def test_everything_else_is_plain_text(text: str) -> None:
    assert sniff(text.encode(), "notes.pdf") is MimeType.TEXT
