"""Rows <-> domain entities: one generic mapping for every table in `tables.py`.

Each field of an entity's dataclass is the column of the same name, so a new field needs a
column (a migration and `tables.py`) and nothing here. Values cross as the database wants
them: enums by value, nested dataclasses as JSON; coming back, msgspec converts each value
to the field's type (strings to enums, JSON to dataclasses, UUIDs to typed ids). The few
columns whose stored form differs say so with `store`/`load`."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from enum import Enum
from typing import Any, Generic, TypeVar

import msgspec

from domain.accounts import ApiKey, RefreshToken, User, Workspace
from domain.conversations import Conversation, Message
from domain.documents import Document
from domain.embed_codes import DomainPattern, EmbedCode
from domain.feedback import Feedback
from domain.knowledge import Chunk

E = TypeVar("E")
Convert = Callable[[Any], Any]


class Rows(Generic[E]):
    def __init__(
        self,
        entity: type[E],
        *,
        store: Mapping[str, Convert] | None = None,
        load: Mapping[str, Convert] | None = None,
    ) -> None:
        self._entity = entity
        self._fields = tuple(field.name for field in dataclasses.fields(entity))  # type: ignore[arg-type]
        self._store, self._load = dict(store or {}), dict(load or {})

    @property
    def fields(self) -> tuple[str, ...]:
        """The columns `to_row` fills, in the entity's field order."""
        return self._fields

    def to_row(self, item: E) -> dict[str, Any]:
        return {
            name: self._store.get(name, _column_value)(getattr(item, name)) for name in self._fields
        }

    def from_row(self, row: Any) -> E:
        return self.from_mapping(row._mapping)

    def from_mapping(self, stored: Mapping[str, Any]) -> E:
        values = {
            name: self._load[name](stored[name]) if name in self._load else stored[name]
            for name in self._fields
            if name in stored
        }
        return msgspec.convert(values, self._entity)


def _column_value(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if dataclasses.is_dataclass(value):
        return msgspec.to_builtins(value)
    if isinstance(value, list | tuple):
        return msgspec.to_builtins(list(value))
    return value


WORKSPACES = Rows(Workspace)
USERS = Rows(User)
API_KEYS = Rows(ApiKey)
REFRESH_TOKENS = Rows(RefreshToken)
DOCUMENTS = Rows(Document)
CHUNKS = Rows(Chunk, store={"embedding": list}, load={"embedding": lambda v: [float(x) for x in v]})
CONVERSATIONS = Rows(Conversation)
MESSAGES = Rows(Message)
FEEDBACK = Rows(Feedback)
EMBED_CODES = Rows(
    EmbedCode,
    store={"allowed_domains": lambda patterns: [str(p) for p in patterns]},
    load={"allowed_domains": lambda stored: [DomainPattern.parse(d) for d in stored]},
)
