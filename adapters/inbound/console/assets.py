"""The console's static files, read once from the package, each with its ETag."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

# Litestar adds "; charset=utf-8" to text types itself.
MEDIA_TYPES = {
    ".html": "text/html",
    ".js": "text/javascript",
    ".css": "text/css",
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
def _assets() -> dict[str, Asset]:
    """Every file of `static/`, read once (a lookup never caches what a client made up)."""
    found: dict[str, Asset] = {}
    for path in resources.files("adapters.inbound.console").joinpath("static").iterdir():
        if path.is_file() and _NAME.match(path.name):
            body = path.read_bytes()
            media = MEDIA_TYPES[path.name[path.name.rindex(".") :]]
            found[path.name] = Asset(body, media, f'"{hashlib.sha256(body).hexdigest()[:32]}"')
    return found


def asset(name: str) -> Asset | None:
    """A file of `static/` by its plain name, or None for anything else (no path tricks)."""
    return _assets().get(name)
