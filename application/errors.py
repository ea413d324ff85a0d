"""Application errors: the outside world failed, not the user's request."""

from __future__ import annotations

from domain.errors import ServiceUnavailable


class DatabaseUnavailable(ServiceUnavailable):
    """The database refused, dropped or timed out a connection; retrying soon may work."""

    title = "Database unavailable"


class EmbeddingUnavailable(ServiceUnavailable):
    """The embedding service failed or is unreachable; the work may be retried."""

    title = "Embedding service unavailable"
