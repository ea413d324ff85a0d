"""PublicSuffixes port: which host names have no single owner."""

from __future__ import annotations

from typing import Protocol


class PublicSuffixes(Protocol):
    """Knows the public-suffix list (`com`, `co.uk`, `github.io` ...)."""

    def is_public_suffix(self, host: str) -> bool:
        """True for a suffix under which anyone may register (and for unknown TLDs)."""
        ...
