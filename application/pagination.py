"""Keyset pagination: opaque cursors over (created_at, id)."""

from __future__ import annotations

import base64
import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Generic, TypeVar

from domain.errors import ValidationFailed

T = TypeVar("T")
MAX_LIMIT = 100
DEFAULT_LIMIT = 20
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class Cursor:
    created_at: datetime
    id: uuid.UUID

    @classmethod
    def at_position(cls, position: int) -> Cursor:
        """For lists ordered by a position (chunk ordinals) rather than by creation time."""
        return cls(_EPOCH, uuid.UUID(int=position))

    @property
    def position(self) -> int:
        return self.id.int

    def encode(self) -> str:
        raw = json.dumps([self.created_at.isoformat(), str(self.id)]).encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @classmethod
    def decode(cls, text: str) -> Cursor:
        try:
            padded = text + "=" * (-len(text) % 4)
            stamp, ident = json.loads(base64.urlsafe_b64decode(padded))
            moment = datetime.fromisoformat(stamp)
            if moment.tzinfo is None:
                raise ValueError("a cursor's time has a time zone")
            return cls(moment, uuid.UUID(ident))
        except (ValueError, TypeError):
            raise ValidationFailed.on("cursor", "is not a valid cursor") from None


@dataclass(frozen=True, slots=True)
class PageRequest:
    """`newest_first` walks the same keyset backwards; a cursor continues in the order of
    the request it is used with."""

    limit: int = DEFAULT_LIMIT
    after: Cursor | None = None
    newest_first: bool = False

    @classmethod
    def parse(
        cls, limit: int | None, cursor: str | None, *, newest_first: bool = False
    ) -> PageRequest:
        size = DEFAULT_LIMIT if limit is None else limit
        if not 1 <= size <= MAX_LIMIT:
            raise ValidationFailed.on("limit", f"must be between 1 and {MAX_LIMIT}")
        return cls(size, Cursor.decode(cursor) if cursor else None, newest_first)


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    items: list[T]
    next_cursor: str | None
