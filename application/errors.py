"""Application errors: the outside world failed, not the user's request."""

from __future__ import annotations


class EmbeddingUnavailable(Exception):
    """The embedding service failed or is unreachable; the work may be retried."""

    code = "embedding_unavailable"
