"""Parsing: each format gives its text, headings and pages; hostile files come back readable."""

from __future__ import annotations

import asyncio
import io
import multiprocessing
import time
import zipfile

import docx
import pytest
from fpdf import FPDF
from pypdf import PdfReader, PdfWriter

from adapters.outbound.parsing import docx as docx_format
from adapters.outbound.parsing import formats
from adapters.outbound.parsing import pdf as pdf_format
from adapters.outbound.parsing.common import HEADING_SEPARATOR
from adapters.outbound.parsing.formats import PARSERS
from adapters.outbound.parsing.isolated import InlineDocumentParser, IsolatedDocumentParser
from domain.chunking import chunk_blocks
from domain.documents import Block, MimeType, UnreadableDocument
from tests.unit import parsing_helpers

SHIPPING = "We ship to every country in the European Union within five working days. " * 3
RETURNS = "Unused items can be returned within thirty days for a full refund. " * 3
WARRANTY = "Every appliance carries a two-year warranty covering parts and labour. " * 3


def build_pdf(*, outline: bool = True) -> bytes:
    pdf = FPDF()
    pdf.set_font("helvetica", size=12)
    pages = [("Shipping", SHIPPING, "Returns", RETURNS), ("Warranty", WARRANTY, None, None)]
    for title, body, subtitle, subbody in pages:
        pdf.add_page()
        _pdf_heading(pdf, title, 0, outline)
        pdf.multi_cell(0, 6, text=body, new_x="LMARGIN", new_y="NEXT")
        pdf.multi_cell(0, 6, text="Questions? Write to us.", new_x="LMARGIN", new_y="NEXT")
        if subtitle and subbody:
            _pdf_heading(pdf, subtitle, 1, outline)
            pdf.multi_cell(0, 6, text=subbody, new_x="LMARGIN", new_y="NEXT")
    pdf.add_page()
    pdf.multi_cell(0, 6, text="This third page continues the warranty terms.")
    return bytes(pdf.output())


def _pdf_heading(pdf: FPDF, title: str, level: int, outline: bool) -> None:
    if outline:
        pdf.start_section(title, level=level)
    pdf.set_font("helvetica", "B", 16 - 2 * level)
    pdf.cell(text=title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("helvetica", size=12)


def encrypt(data: bytes, user_password: str, owner_password: str | None = None) -> bytes:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    writer.encrypt(user_password, owner_password)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def build_docx() -> bytes:
    document = docx.Document()
    document.add_heading("Customer handbook", level=0)
    document.add_heading("Shipping", level=1)
    document.add_paragraph(SHIPPING)
    document.add_paragraph("   ")
    document.add_heading("Returns", level=2)
    document.add_paragraph(RETURNS)
    table = document.add_table(rows=3, cols=3)
    for row, values in zip(
        table.rows, [("Plan", "Price", "Seats"), ("Pro", "20", "5")], strict=False
    ):
        for cell, value in zip(row.cells, values, strict=True):
            cell.text = value
    table.cell(2, 0).merge(table.cell(2, 1)).text = "Enterprise: ask us"
    document.add_heading("Warranty", level=1)
    document.add_paragraph(WARRANTY)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def replace_parts(data: bytes, **parts: bytes) -> bytes:
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for member in source.infolist():
            target.writestr(member.filename, parts.pop(member.filename, source.read(member)))
        for name, content in parts.items():
            target.writestr(name, content)
    return out.getvalue()


def unreadable(mime_type: MimeType, data: bytes) -> str:
    with pytest.raises(UnreadableDocument) as caught:
        PARSERS[mime_type](data)
    return caught.value.detail


def trail(*titles: str) -> str:
    return HEADING_SEPARATOR.join(titles)


def texts(blocks: list[Block]) -> list[str]:
    return [block.text for block in blocks]


# PDF


def test_pdf_paragraphs_keep_their_page_and_bookmark_headings() -> None:
    blocks = PARSERS[MimeType.PDF](build_pdf())
    assert [(b.text, b.page) for b in blocks if b.is_heading] == [
        ("Shipping", 1),
        ("Returns", 1),
        ("Warranty", 2),
    ]
    by_text = {block.text: block for block in blocks}
    assert by_text[SHIPPING.strip()].heading == "Shipping"
    assert by_text[SHIPPING.strip()].page == 1
    assert by_text[RETURNS.strip()].heading == "Shipping \u203a Returns"
    assert by_text[WARRANTY.strip()].page == 2
    assert by_text["Questions? Write to us."].page == 2
    last = by_text["This third page continues the warranty terms."]
    assert (last.page, last.heading) == (3, "Warranty")


def test_pdf_without_bookmarks_still_has_paragraphs_and_pages() -> None:
    blocks = PARSERS[MimeType.PDF](build_pdf(outline=False))
    assert not any(block.is_heading or block.heading for block in blocks)
    assert texts(blocks)[:3] == ["Shipping", SHIPPING.strip(), "Questions? Write to us."]
    assert {block.page for block in blocks} == {1, 2, 3}


def test_an_encrypted_pdf_is_refused_with_advice() -> None:
    detail = unreadable(MimeType.PDF, encrypt(build_pdf(), "secret"))
    assert detail == "The PDF is encrypted; upload an unprotected copy."


def test_a_pdf_with_only_an_owner_password_is_read() -> None:
    blocks = PARSERS[MimeType.PDF](encrypt(build_pdf(), "", "owner-secret"))
    assert SHIPPING.strip() in texts(blocks)


@pytest.mark.parametrize(
    "data",
    [build_pdf()[:900], build_pdf()[:-300], b"%PDF-1.7\n" + b"garbage " * 100],
    ids=["half", "tail cut off", "garbage"],
)
def test_a_damaged_pdf_is_unreadable_with_a_reason(data: bytes) -> None:
    assert "The PDF is damaged or incomplete" in unreadable(MimeType.PDF, data)


def test_a_pdf_without_text_is_probably_a_scan() -> None:
    pdf = FPDF()
    pdf.add_page()
    pdf.rect(10, 10, 50, 50, style="F")
    assert "no extractable text (a scan?)" in unreadable(MimeType.PDF, bytes(pdf.output()))


def test_a_pdf_with_too_many_pages_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pdf_format, "MAX_PDF_PAGES", 2)
    assert "3 pages; at most 2" in unreadable(MimeType.PDF, build_pdf())


# DOCX


def test_docx_headings_paragraphs_and_table_rows_in_order() -> None:
    blocks = PARSERS[MimeType.DOCX](build_docx())
    assert [(b.text, b.heading) for b in blocks] == [
        ("Customer handbook", "Customer handbook"),
        ("Shipping", trail("Customer handbook", "Shipping")),
        (SHIPPING.strip(), trail("Customer handbook", "Shipping")),
        ("Returns", trail("Customer handbook", "Shipping", "Returns")),
        (RETURNS.strip(), trail("Customer handbook", "Shipping", "Returns")),
        ("Plan | Price | Seats", trail("Customer handbook", "Shipping", "Returns")),
        ("Pro | 20 | 5", trail("Customer handbook", "Shipping", "Returns")),
        ("Enterprise: ask us", trail("Customer handbook", "Shipping", "Returns")),
        ("Warranty", trail("Customer handbook", "Warranty")),
        (WARRANTY.strip(), trail("Customer handbook", "Warranty")),
    ]
    assert [b.text for b in blocks if b.is_heading] == [
        "Customer handbook",
        "Shipping",
        "Returns",
        "Warranty",
    ]


def build_zip_bomb_docx() -> bytes:
    """A real Word file plus a member that unpacks to 200 MB of zeros (~200 KB packed)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(build_docx())) as source, zipfile.ZipFile(out, "w") as bomb:
        for member in source.infolist():
            bomb.writestr(member, source.read(member))
        info = zipfile.ZipInfo("word/media/zeros.bin")
        info.compress_type = zipfile.ZIP_DEFLATED
        with bomb.open(info, "w", force_zip64=True) as zeros:
            chunk = bytes(1024 * 1024)
            for _ in range(200):
                zeros.write(chunk)
    return out.getvalue()


def test_a_docx_zip_bomb_is_refused_before_unpacking() -> None:
    bomb = build_zip_bomb_docx()
    assert len(bomb) < 2 * 1024 * 1024
    assert "zip bomb" in unreadable(MimeType.DOCX, bomb)


def test_a_docx_that_unpacks_too_big_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(docx_format, "MAX_UNCOMPRESSED_BYTES", 1024)
    assert "unpacks to more than" in unreadable(MimeType.DOCX, build_docx())


def test_a_docx_with_too_many_parts_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(docx_format, "MAX_MEMBERS", 3)
    assert "more than 3 parts" in unreadable(MimeType.DOCX, build_docx())


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">
<w:body><w:p><w:r><w:t>&lol3;</w:t></w:r></w:p></w:body></w:document>"""


def test_a_docx_with_xml_entities_is_refused() -> None:
    hostile = replace_parts(build_docx(), **{"word/document.xml": BILLION_LAUGHS})
    assert "declares XML entities" in unreadable(MimeType.DOCX, hostile)


def test_a_docx_part_in_utf16_is_refused() -> None:
    hostile = replace_parts(
        build_docx(), **{"word/document.xml": BILLION_LAUGHS.decode().encode("utf-16")}
    )
    assert "unexpected encoding" in unreadable(MimeType.DOCX, hostile)


async def test_a_damaged_docx_is_unreadable() -> None:
    assert "not a valid zip package" in unreadable(MimeType.DOCX, build_docx()[:500])
    no_body = replace_parts(build_docx(), **{"word/document.xml": b"<not-word/>"})
    with pytest.raises(UnreadableDocument, match=r"^Could not read this Word file: "):
        await InlineDocumentParser().parse(MimeType.DOCX, no_body)


# HTML, Markdown, text

HOSTILE_HTML = b"""<!DOCTYPE html><html><head><title>Shop</title>
<style>body { color: red }</style><script>alert(1)</script></head>
<body><header>Logo</header><nav><a href="/">Home</a><ul><li>Menu</li></ul></nav>
<main><h1>Shipping &amp; returns</h1>
<p>We ship   to <b>Spain</b> &lt;fast&gt; &eacute;t&#233;.<script>alert(1)</script></p>
<!-- <p>a comment</p> --><noscript>Enable JS</noscript>
<h2>Returns</h2><ul><li>Keep the receipt</li><li>Use the label</li></ul>
<table><tr><th>Days</th><td>30</td></tr></table>
<div hidden>internal note</div><form><button>Buy</button><input value="x"></form>
<svg><text>chart</text></svg><pre>  step 1
  step 2</pre></main>
<aside>Related</aside><footer>&copy; Shop</footer></body></html>"""


def test_html_keeps_the_main_text_and_nothing_hostile() -> None:
    blocks = PARSERS[MimeType.HTML](HOSTILE_HTML)
    assert [(b.text, b.heading, b.is_heading) for b in blocks] == [
        ("Shipping & returns", "Shipping & returns", True),
        ("We ship to Spain <fast> été.", "Shipping & returns", False),
        ("Returns", trail("Shipping & returns", "Returns"), True),
        ("Keep the receipt", trail("Shipping & returns", "Returns"), False),
        ("Use the label", trail("Shipping & returns", "Returns"), False),
        ("Days", trail("Shipping & returns", "Returns"), False),
        ("30", trail("Shipping & returns", "Returns"), False),
        ("step 1\n  step 2", trail("Shipping & returns", "Returns"), False),
    ]


def test_html_without_main_keeps_the_body_minus_the_chrome() -> None:
    page = (
        b"<html><body><header>Site</header><nav>Menu</nav><div>First<br>Second</div>"
        b"<p>Third</p><footer>Legal</footer></body></html>"
    )
    assert texts(PARSERS[MimeType.HTML](page)) == ["First", "Second", "Third"]


def test_an_articles_own_header_is_kept() -> None:
    page = (
        b"<body><header>Site</header><article><header><h1>Opening hours</h1>"
        b"<p>Updated May</p></header><p>Nine to five.</p></article><footer>Legal</footer></body>"
    )
    blocks = PARSERS[MimeType.HTML](page)
    assert [(b.text, b.heading) for b in blocks] == [
        ("Opening hours", "Opening hours"),
        ("Updated May", "Opening hours"),
        ("Nine to five.", "Opening hours"),
    ]


MARKDOWN = b"""---
title: Front matter is dropped
---
# Shipping

We ship **fast** to [many countries](https://example.com/countries), see `snake_case_id`.
<div>Inline <em>HTML</em> is stripped</div>

Returns
-------

- Keep the receipt
- Use the _prepaid_ label

```python
# a comment, not a heading
print("**kept as is**")
```

Warranty
========

Two years.
"""


def test_markdown_headings_paragraphs_and_code() -> None:
    blocks = PARSERS[MimeType.MARKDOWN](MARKDOWN)
    assert [(b.text, b.heading, b.is_heading) for b in blocks] == [
        ("Shipping", "Shipping", True),
        (
            "We ship fast to many countries, see snake_case_id.\nInline HTML is stripped",
            "Shipping",
            False,
        ),
        ("Returns", trail("Shipping", "Returns"), True),
        ("- Keep the receipt\n- Use the prepaid label", trail("Shipping", "Returns"), False),
        (
            '# a comment, not a heading\nprint("**kept as is**")',
            trail("Shipping", "Returns"),
            False,
        ),
        ("Warranty", "Warranty", True),
        ("Two years.", "Warranty", False),
    ]


def test_text_paragraphs_without_control_characters() -> None:
    data = b"\xef\xbb\xbfFirst line\r\nsame paragraph\x07\r\n \r\n\r\n\tSecond\x00 one\x1b[31m\n \n"
    assert texts(PARSERS[MimeType.TEXT](data)) == [
        "First line\nsame paragraph",
        "Second one[31m",
    ]


@pytest.mark.parametrize("mime_type", list(MimeType))
def test_no_format_returns_blank_blocks_or_markup(mime_type: MimeType) -> None:
    samples = {
        MimeType.PDF: build_pdf(),
        MimeType.DOCX: build_docx(),
        MimeType.HTML: HOSTILE_HTML,
        MimeType.MARKDOWN: MARKDOWN,
        MimeType.TEXT: b"a\n\n   \n\n\t\nb",
    }
    blocks = PARSERS[mime_type](samples[mime_type])
    assert blocks
    assert all(block.text.strip() == block.text and block.text for block in blocks)
    assert not any("<script" in b.text or "alert(" in b.text or "</" in b.text for b in blocks)


# The parsers behind the port


@pytest.mark.parametrize("mime_type", [MimeType.PDF, MimeType.DOCX])
async def test_isolated_and_inline_parsers_agree(mime_type: MimeType) -> None:
    data = build_pdf() if mime_type is MimeType.PDF else build_docx()
    inline = await InlineDocumentParser().parse(mime_type, data)
    assert inline
    assert await IsolatedDocumentParser().parse(mime_type, data) == inline


@pytest.mark.parametrize("parser", [InlineDocumentParser, IsolatedDocumentParser])
async def test_unexpected_errors_become_readable(parser: type) -> None:
    faulty = parser(parsers={MimeType.PDF: parsing_helpers.fail_oddly})
    with pytest.raises(UnreadableDocument, match=r"^Could not read this PDF file: KeyError"):
        await faulty.parse(MimeType.PDF, b"%PDF-1.7")
    with pytest.raises(UnreadableDocument, match="no parser for text/html"):
        await faulty.parse(MimeType.HTML, b"<p>hi</p>")


async def test_a_document_with_too_much_text_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(formats, "MAX_TEXT_CHARS", 10)
    with pytest.raises(UnreadableDocument, match="more than 10 characters of text"):
        await InlineDocumentParser().parse(MimeType.TEXT, b"eleven chars")


async def test_isolated_parser_reports_the_format_error() -> None:
    with pytest.raises(UnreadableDocument, match="encrypted"):
        await IsolatedDocumentParser().parse(MimeType.PDF, encrypt(build_pdf(), "secret"))


async def test_a_hanging_parse_is_killed_at_the_timeout() -> None:
    parser = IsolatedDocumentParser(
        timeout_seconds=0.5, parsers={MimeType.TEXT: parsing_helpers.sleep_forever}
    )
    started = time.monotonic()
    with pytest.raises(UnreadableDocument, match=r"^Parsing took longer than 0.5 s"):
        await parser.parse(MimeType.TEXT, b"zzz")
    assert time.monotonic() - started < 5
    assert not multiprocessing.active_children()


async def test_a_memory_hog_is_stopped_and_the_server_carries_on() -> None:
    parser = IsolatedDocumentParser(
        memory_limit_mb=256, parsers={MimeType.TEXT: parsing_helpers.hog_memory}
    )
    with pytest.raises(UnreadableDocument, match="ran out of memory"):
        await parser.parse(MimeType.TEXT, b"x")
    assert await IsolatedDocumentParser().parse(MimeType.TEXT, b"still fine") == [
        Block("still fine")
    ]
    assert bytearray(300 * 1024 * 1024)  # this process has no such limit


async def test_a_crashing_parser_is_reported_not_raised() -> None:
    parser = IsolatedDocumentParser(parsers={MimeType.TEXT: parsing_helpers.crash})
    with pytest.raises(UnreadableDocument, match=r"crashed on this file \(signal SIGSEGV\)"):
        await parser.parse(MimeType.TEXT, b"x")


async def test_a_cancelled_parse_leaves_no_child_behind() -> None:
    parser = IsolatedDocumentParser(parsers={MimeType.TEXT: parsing_helpers.sleep_forever})
    task = asyncio.create_task(parser.parse(MimeType.TEXT, b"x"))
    await asyncio.sleep(0.3)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    for _ in range(100):
        if not multiprocessing.active_children():
            break
        await asyncio.sleep(0.05)
    assert not multiprocessing.active_children()


def test_a_pdf_section_across_a_page_break_is_chunked_per_page() -> None:
    pdf = FPDF()
    pdf.set_font("helvetica", size=12)
    pdf.add_page()
    pdf.start_section("Account", level=0)
    pdf.cell(text="Account", new_x="LMARGIN", new_y="NEXT")
    pdf.multi_cell(0, 6, text="To reset your password, choose Send reset link.")
    pdf.add_page()
    pdf.multi_cell(0, 6, text="The link expires after 30 minutes.")
    blocks = PARSERS[MimeType.PDF](bytes(pdf.output()))
    chunks = chunk_blocks(blocks, lambda text: len(text.split()))
    # Short enough for one chunk, but a chunk never spans a page: each cites its own page.
    assert [(c.text, c.page, c.heading) for c in chunks] == [
        ("Account\n\nTo reset your password, choose Send reset link.", 1, "Account"),
        ("The link expires after 30 minutes.", 2, "Account"),
    ]
