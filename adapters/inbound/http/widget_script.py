"""The widget's one JavaScript file, loaded once, with its ETag and a gzipped copy."""

from __future__ import annotations

import gzip
import hashlib
from dataclasses import dataclass
from functools import cache
from importlib import resources


@dataclass(frozen=True, slots=True)
class WidgetScript:
    source: bytes
    gzipped: bytes
    etag: str

    @classmethod
    def of(cls, source: bytes) -> WidgetScript:
        digest = hashlib.sha256(source).hexdigest()[:32]
        # mtime=0: the same file always gzips to the same bytes, on every server.
        return cls(source, gzip.compress(source, compresslevel=9, mtime=0), f'"{digest}"')

    def matches(self, if_none_match: str | None) -> bool:
        """RFC 9110: a list of entity tags, weak ones compared weakly, or `*`."""
        if not if_none_match:
            return False
        tags = {t.strip().removeprefix("W/") for t in if_none_match.split(",")}
        return "*" in tags or self.etag in tags


@cache
def widget_script() -> WidgetScript:
    return WidgetScript.of(resources.files("widget").joinpath("widget.js").read_bytes())
