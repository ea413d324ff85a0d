"""Markdown read as text: headings (ATX and setext), paragraphs, fenced code; never rendered."""

from __future__ import annotations

import re
from collections.abc import Iterator

from adapters.outbound.parsing.common import Item, clean, to_blocks
from domain.documents import Block

_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_ATX = re.compile(r"^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$")
_SETEXT = re.compile(r"^ {0,3}(=+|-+)[ \t]*$")
_BREAK = re.compile(r"^ {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$")  # a thematic break: *** or ___
_TABLE_RULE = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$")
_REFERENCE = re.compile(r"^ {0,3}\[[^\]]+\]:\s+\S+")
_QUOTE = re.compile(r"^ {0,3}>[ \t]?")

_CODE_SPAN = re.compile(r"(`+)(.+?)\1")
_HIDDEN = re.compile(r"<!--.*?-->|<(script|style)\b.*?</\1\s*>", re.DOTALL | re.IGNORECASE)
_TAG = re.compile(r"</?[A-Za-z][^>\n]*>")
_IMAGE_OR_LINK = re.compile(r"!?\[([^\]\n]*)\](?:\([^)\n]*\)|\[[^\]\n]*\])")
_AUTOLINK = re.compile(r"<((?:https?|mailto):[^>\s]+)>")
_STRONG = re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1")
_EMPHASIS = re.compile(r"(?<![\w*])\*(?=\S)(.+?)(?<=\S)\*(?!\*)|(?<!\w)_(?=\S)(.+?)(?<=\S)_(?!\w)")
_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")


def parse_markdown(data: bytes) -> list[Block]:
    text = clean(data.decode("utf-8-sig", errors="replace"))
    return to_blocks(_items(_without_front_matter(text.split("\n"))))


def _without_front_matter(lines: list[str]) -> list[str]:
    if lines and lines[0].strip() == "---":
        for end in range(1, min(len(lines), 200)):
            if lines[end].strip() in ("---", "..."):
                return lines[end + 1 :]
    return lines


def _items(lines: list[str]) -> Iterator[Item]:
    paragraph: list[str] = []
    index = 0
    while index < len(lines):
        line = lines[index]
        index += 1
        fence, atx, setext = _FENCE.match(line), _ATX.match(line), _SETEXT.match(line)
        if setext and paragraph and not (setext.group(1)[0] == "-" and _is_list(paragraph)):
            yield Item(_inline(" ".join(paragraph)), 1 if setext.group(1)[0] == "=" else 2)
            paragraph = []
        elif fence or atx or setext or _BREAK.match(line) or not line.strip():
            if paragraph:
                yield Item(_inline("\n".join(paragraph)))
                paragraph = []
            if fence:
                code, index = _fenced(lines, index, fence.group(1))
                yield Item(code)
            elif atx:
                yield Item(_inline(atx.group(2) or ""), len(atx.group(1)))
        elif not (_TABLE_RULE.match(line) or _REFERENCE.match(line)):
            paragraph.append(_QUOTE.sub("", line).strip())
    if paragraph:
        yield Item(_inline("\n".join(paragraph)))


def _is_list(paragraph: list[str]) -> bool:
    return paragraph[-1].startswith(("- ", "* ", "+ "))


def _fenced(lines: list[str], index: int, opener: str) -> tuple[str, int]:
    """The code up to the closing fence (or the end), and the index after it."""
    closing = re.compile(rf"^ {{0,3}}{re.escape(opener[0])}{{{len(opener)},}}[ \t]*$")
    code: list[str] = []
    while index < len(lines) and not closing.match(lines[index]):
        code.append(lines[index].rstrip())
        index += 1
    return "\n".join(code).strip("\n"), index + 1


def _inline(text: str) -> str:
    """Markup removed lightly; code spans are kept verbatim and never touched."""
    parts = _CODE_SPAN.split(_HIDDEN.sub("", text))
    # re.split with two groups yields: prose, ticks, code, prose, ticks, code, ..., prose
    out = []
    for position, part in enumerate(parts):
        kind = position % 3
        if kind == 0:
            out.append(_prose(part))
        elif kind == 2:
            out.append(part.strip())
    return "".join(out)


def _prose(text: str) -> str:
    text = _AUTOLINK.sub(r"\1", text)
    text = _TAG.sub("", text)
    text = _IMAGE_OR_LINK.sub(r"\1", text)
    text = _STRONG.sub(r"\2", text)
    text = _EMPHASIS.sub(lambda match: match.group(1) or match.group(2), text)
    return _ESCAPE.sub(r"\1", text)
