"""What every body at the HTTP and socket edge shares: msgspec Structs, mapped explicitly
from and to the domain. Requests refuse unknown fields; text fields carry their limits."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, Self

import msgspec
from msgspec import Meta

from application.pagination import Page

ShortText = Annotated[str, Meta(max_length=320)]
Password = Annotated[str, Meta(max_length=1024)]


class BodyIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """Base of every request body: unknown fields are refused, not ignored."""


class BodyOut(msgspec.Struct, kw_only=True):
    """Base of every response body."""


class PageOut(BodyOut):
    """Base of every list answer: `items` (declared by each page type) and the cursor of
    the next page, null on the last."""

    next_cursor: str | None

    @classmethod
    def of(cls, page: Page[Any], convert: Callable[[Any], Any]) -> Self:
        return cls(items=[convert(item) for item in page.items], next_cursor=page.next_cursor)  # type: ignore[call-arg]
