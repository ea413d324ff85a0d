"""HTML to text with the standard library's tokenizer: main content only, no markup left."""

from __future__ import annotations

from html.parser import HTMLParser

from adapters.outbound.parsing.common import Item, clean, collapse, to_blocks
from domain.documents import Block

# fmt: off
_DROPPED = frozenset({
    "script", "style", "noscript", "template", "svg", "math", "nav", "aside", "form", "iframe",
    "button", "select", "object", "embed", "canvas", "head", "title", "dialog", "audio", "video",
})
# Page chrome; inside <main> or <article> a header holds the article's own title, so it stays.
_CHROME = frozenset({"header", "footer"})
_VOID = frozenset({
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
    "track", "wbr",
})
_BLOCK = frozenset({
    "p", "li", "div", "section", "tr", "br", "td", "th", "pre", "blockquote", "dt", "dd", "ul",
    "ol", "dl", "table", "caption", "figure", "figcaption", "hr", "address", "article", "main",
    "body", "html", "details", "summary", "header", "footer",
})
# fmt: on
_HEADINGS = {f"h{level}": level for level in range(1, 7)}
_CONTENT_ROOTS = frozenset({"main", "article"})


class _TextCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.items: list[tuple[Item, bool]] = []  # (item, inside <main>/<article>)
        self.saw_content_root = False
        self._dropped: list[str] = []
        self._roots = 0
        self._pre = 0
        self._heading: int | None = None
        self._buffer: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        chrome = tag in _CHROME and not self._roots
        if self._dropped or tag in _DROPPED or chrome or _hidden(attrs):
            # Inside a dropped element every open tag is tracked, so its end is found.
            if tag not in _VOID:
                self._dropped.append(tag)
            return
        if tag in _BLOCK or tag in _HEADINGS:
            self._flush()
        if tag in _HEADINGS:
            self._heading = _HEADINGS[tag]
        elif tag in _CONTENT_ROOTS:
            self._roots += 1
            self.saw_content_root = True
        elif tag == "pre":
            self._pre += 1

    def handle_endtag(self, tag: str) -> None:
        if self._dropped:
            if tag in self._dropped:
                while self._dropped.pop() != tag:
                    pass
            return
        if tag in _BLOCK or tag in _HEADINGS:
            self._flush()
        if tag in _HEADINGS:
            self._heading = None
        elif tag in _CONTENT_ROOTS and self._roots:
            self._roots -= 1
        elif tag == "pre" and self._pre:
            self._pre -= 1

    def handle_data(self, data: str) -> None:
        if not self._dropped:
            self._buffer.append(data)

    def close(self) -> None:
        super().close()
        self._flush()

    def _flush(self) -> None:
        raw = clean("".join(self._buffer))
        self._buffer = []
        text = raw.strip("\n").rstrip() if self._pre else collapse(raw)
        if text:
            self.items.append((Item(text, self._heading), self._roots > 0))


def _hidden(attrs: list[tuple[str, str | None]]) -> bool:
    found = dict(attrs)
    return "hidden" in found or (found.get("aria-hidden") or "").lower() == "true"


def parse_html(data: bytes) -> list[Block]:
    collector = _TextCollector()
    collector.feed(data.decode("utf-8-sig", errors="replace"))
    collector.close()
    keep_all = not collector.saw_content_root
    return to_blocks(item for item, in_root in collector.items if keep_all or in_root)
