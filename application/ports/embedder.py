"""Embedder port."""

from __future__ import annotations

from typing import Protocol

EMBEDDING_DIMENSIONS = 384


class Embedder(Protocol):
    """Turns text into unit-length vectors of EMBEDDING_DIMENSIONS floats, off the event loop."""

    @property
    def name(self) -> str:
        """Identifies the model, so vectors of different models are never mixed."""
        ...

    async def embed_documents(self, texts: list[str]) -> list[list[float]]: ...

    async def embed_query(self, text: str) -> list[float]: ...

    def count_tokens(self, text: str) -> int:
        """Tokens as the model counts them (for chunk sizes)."""
        ...
