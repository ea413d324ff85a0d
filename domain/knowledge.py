"""Chunks as stored and found, and ingestion jobs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from domain.ids import ChunkId, DocumentId, JobId, WorkspaceId


@dataclass(frozen=True, slots=True)
class Chunk:
    id: ChunkId
    workspace_id: WorkspaceId
    document_id: DocumentId
    ordinal: int
    text: str
    heading: str | None
    page: int | None
    token_count: int
    embedding: tuple[float, ...]


@dataclass(frozen=True, slots=True)
class FoundChunk:
    """A chunk a retriever found, with its document's title and a score (higher is better)."""

    chunk_id: ChunkId
    document_id: DocumentId
    document_title: str
    text: str
    heading: str | None
    page: int | None
    score: float
    similarity: float | None = None  # cosine to the question, when the vector search found it


@dataclass(slots=True)
class IngestionJob:
    id: JobId
    workspace_id: WorkspaceId
    document_id: DocumentId
    created_at: datetime
    attempts: int = 0
    max_attempts: int = 5

    @property
    def exhausted(self) -> bool:
        return self.attempts >= self.max_attempts

    def backoff_seconds(self) -> int:
        """1, 4, 16, 64... seconds, capped at ten minutes."""
        return int(min(600, 4 ** max(0, self.attempts - 1)))
