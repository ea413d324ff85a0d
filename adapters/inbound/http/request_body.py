"""JSON bodies are checked before and after decoding, in one place, for every route.

Before: the content type must be JSON (a browser can send `text/plain` cross-site without a
preflight, so accepting it would open the API to forged requests), and nesting is capped,
because a generic decoder recurses once per level. After: strings must be storable:
PostgreSQL refuses NUL in text, so a NUL anywhere is a 422 naming the field, not a 500.
"""

from __future__ import annotations

import re
from typing import Any

from litestar import Request
from litestar.serialization import decode_json
from litestar.types import Empty

from domain.errors import UnsupportedMediaType, ValidationFailed

MAX_JSON_DEPTH = 32
# A string token (skipped whole, escapes included) or one bracket.
_TOKENS = re.compile(rb'"(?:[^"\\]|\\.)*"|[\[\]{}]')
_OPENING = frozenset(b"[{")
_JSON_TYPE = re.compile(r"^application/(?:[\w.+-]+\+)?json$")


def nesting_exceeds(body: bytes, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether brackets outside strings nest deeper than `limit` (linear, stops early)."""
    depth = 0
    for match in _TOKENS.finditer(body):
        token = match.group()
        if len(token) != 1:
            continue
        if token[0] in _OPENING:
            depth += 1
            if depth > limit:
                return True
        else:
            depth -= 1
    return False


def unstorable_field(value: Any, path: str = "") -> str | None:
    """The path of the first string (or key) holding a NUL, PostgreSQL's one unstorable
    character; None when there is none."""
    if isinstance(value, str):
        return (path or "body") if "\x00" in value else None
    if isinstance(value, dict):
        for key, item in value.items():
            here = f"{path}.{key}" if path else str(key)
            if "\x00" in str(key):
                return path or "body"
            found = unstorable_field(item, here)
            if found:
                return found
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found = unstorable_field(item, f"{path}[{index}]" if path else f"[{index}]")
            if found:
                return found
    return None


def is_json_media_type(content_type: str) -> bool:
    media_type = content_type.split(";", 1)[0].strip().lower()
    return not media_type or _JSON_TYPE.match(media_type) is not None


class ApiRequest(Request[Any, Any, Any]):
    """Litestar's request with the checks above on `json()`, which every JSON body uses."""

    async def json(self) -> Any:
        if self._json is not Empty:
            return self._json
        body = await self.body()
        if body and not is_json_media_type(self.headers.get("content-type", "")):
            raise UnsupportedMediaType("Send the body as JSON (Content-Type: application/json).")
        if nesting_exceeds(body):
            raise ValidationFailed.on("body", f"is nested deeper than {MAX_JSON_DEPTH} levels")
        decoders = self.route_handler.resolve_type_decoders()
        value = decode_json(body or b"null", type_decoders=decoders)
        field = unstorable_field(value)
        if field is not None:
            raise ValidationFailed.on(field, "must not contain the NUL character")
        self._json = self._connection_state.json = value
        return value
