"""The console's static files, read once from the package, each with its ETag."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

MEDIA_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
}
# Plain file names only: no directories, no dot files, a known extension.
_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]*\.(html|js|css|svg)$")


@dataclass(frozen=True, slots=True)
class Asset:
    body: bytes
    media_type: str
    etag: str

    def matches(self, if_none_match: str | None) -> bool:
        if not if_none_match:
            return False
        tags = {t.strip().removeprefix("W/") for t in if_none_match.split(",")}
        return "*" in tags or self.etag in tags


@cache
def asset(name: str) -> Asset | None:
    """A file of `static/`, or None for anything that is not one (no path tricks)."""
    if not _NAME.match(name):
        return None
    path = resources.files("adapters.inbound.console").joinpath("static", name)
    if not path.is_file():
        return None
    body = path.read_bytes()
    suffix = name[name.rindex(".") :]
    return Asset(body, MEDIA_TYPES[suffix], f'"{hashlib.sha256(body).hexdigest()[:32]}"')
