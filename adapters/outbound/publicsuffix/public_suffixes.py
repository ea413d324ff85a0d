"""The public-suffix list as the `publicsuffixlist` package ships it (no network use)."""

from __future__ import annotations

from functools import cached_property

from publicsuffixlist import PublicSuffixList


class PslPublicSuffixes:
    @cached_property
    def _list(self) -> PublicSuffixList:
        return PublicSuffixList()

    def is_public_suffix(self, host: str) -> bool:
        # No registrable part means the whole name is a suffix (or an unknown TLD).
        return self._list.privatesuffix(host.lower().rstrip(".")) is None
