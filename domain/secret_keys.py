"""Secret API keys: high-entropy strings kept only as SHA-256 digests."""

from __future__ import annotations

import hashlib
import secrets

SECRET_KEY_PREFIX = "ccgpt_sk_"  # noqa: S105 - a prefix, not a secret


def new_secret_key() -> str:
    return SECRET_KEY_PREFIX + secrets.token_urlsafe(32)


def looks_like_secret_key(token: str) -> bool:
    return token.startswith(SECRET_KEY_PREFIX)


def digest_secret_key(key: str) -> str:
    # A 256-bit random key needs no slow hash: a plain digest cannot be brute-forced.
    return hashlib.sha256(key.encode()).hexdigest()


def display_prefix(key: str) -> str:
    """Enough of the key to recognise it in a list, not enough to use it."""
    return key[: len(SECRET_KEY_PREFIX) + 6]
