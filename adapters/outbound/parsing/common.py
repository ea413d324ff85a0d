"""What every format shares: text cleaning and turning (level, text) items into Blocks.

Headings are reported as the trail of enclosing headings joined by HEADING_SEPARATOR, U+203A
("Shipping \u203a Returns"); a heading closes every open heading of its level or deeper. A
heading block carries its own trail; the blocks after it carry it until the next heading.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from domain.documents import Block

HEADING_SEPARATOR = " \u203a "  # a single right-pointing angle quotation mark
MAX_HEADING_CHARS = 300
MAX_REASON_CHARS = 200

# C0 controls except \t and \n, DEL, and the C1 controls.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_SPACES = re.compile(r"\s+")
_BLANK_LINES = re.compile(r"\n[ \t]*\n")


def normalise_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def clean(text: str) -> str:
    """Unix newlines, no control characters other than tab and newline."""
    return _CONTROL.sub("", normalise_newlines(text))


def collapse(text: str) -> str:
    return _SPACES.sub(" ", text).strip()


def short_reason(exc: BaseException) -> str:
    """The first line of an exception's message, for a person to read."""
    lines = str(exc).strip().splitlines()
    reason = lines[0] if lines else ""
    if len(reason) < 8:  # "'/Root'" from a KeyError says little without its type
        reason = f"{type(exc).__name__} {reason}".strip()
    return reason[:MAX_REASON_CHARS]


def paragraphs(text: str) -> list[str]:
    """Blank-line separated paragraphs, each line right-stripped, empty ones dropped."""
    found = []
    for part in _BLANK_LINES.split(text):
        paragraph = "\n".join(line.rstrip() for line in part.split("\n")).strip("\n")
        if paragraph.strip():
            found.append(paragraph)
    return found


@dataclass(frozen=True, slots=True)
class Item:
    """Text before headings are resolved: level 1 (outermost) and up for a heading, None for body.

    A heading that is not `shown` only sets the trail (a PDF bookmark with no matching text).
    """

    text: str
    level: int | None = None
    page: int | None = None
    shown: bool = True


@dataclass(slots=True)
class HeadingTrail:
    _open: list[tuple[int, str]] = field(default_factory=list)

    def enter(self, level: int, title: str) -> None:
        while self._open and self._open[-1][0] >= level:
            self._open.pop()
        self._open.append((level, title))

    @property
    def path(self) -> str | None:
        return HEADING_SEPARATOR.join(title for _, title in self._open) or None


def to_blocks(items: Iterable[Item]) -> list[Block]:
    """Blocks with their heading trail; whitespace-only items are dropped."""
    trail = HeadingTrail()
    blocks: list[Block] = []
    for item in items:
        if item.level is not None:
            title = collapse(item.text)[:MAX_HEADING_CHARS]
            if title:
                trail.enter(item.level, title)
                if item.shown:
                    blocks.append(Block(title, trail.path, item.page, is_heading=True))
        elif item.text.strip():
            blocks.append(Block(item.text.strip(), trail.path, item.page))
    return blocks
