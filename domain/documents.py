"""Documents of a workspace's knowledge base, their chunks, and the rules of uploads."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from domain.errors import DomainError
from domain.ids import DocumentId, WorkspaceId


class DocumentStatus(StrEnum):
    QUEUED = "queued"
    PROCESSING = "processing"
    READY = "ready"
    FAILED = "failed"


class MimeType(StrEnum):
    PDF = "application/pdf"
    DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    HTML = "text/html"
    MARKDOWN = "text/markdown"
    TEXT = "text/plain"


class UnreadableDocument(DomainError):
    """A document that cannot be parsed (corrupt, encrypted, hostile, too big inside)."""

    code = "unreadable_document"
    title = "The document could not be read"


@dataclass(frozen=True, slots=True)
class Block:
    """A paragraph-sized piece of parsed text with where it came from."""

    text: str
    heading: str | None = None
    page: int | None = None
    is_heading: bool = False


# Control and reserved characters, and the bidirectional overrides and zero-width space
# that make "invoice\u202etxt.exe" read as "invoiceexe.txt" in a console list.
_UNSAFE_NAME = re.compile(
    r"[\x00-\x1f\x7f-\x9f<>:\"|?*\u200b\u2028\u2029\u202a-\u202e\u2066-\u2069]"
)


def sanitise_filename(raw: str | None, fallback: str = "document") -> str:
    """The last path part only, without control or reserved characters, at most 200 chars."""
    name = unicodedata.normalize("NFC", raw or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = _UNSAFE_NAME.sub("", name).strip().lstrip(".")
    return (name or fallback)[:200]


@dataclass(slots=True)
class Document:
    id: DocumentId
    workspace_id: WorkspaceId
    title: str
    filename: str
    mime_type: MimeType
    size_bytes: int
    checksum: str
    status: DocumentStatus
    created_at: datetime
    updated_at: datetime
    chunk_count: int = 0
    error: str | None = None

    def start_processing(self, now: datetime) -> None:
        self.status, self.error, self.updated_at = DocumentStatus.PROCESSING, None, now

    def mark_ready(self, chunk_count: int, now: datetime) -> None:
        self.status, self.chunk_count, self.error = DocumentStatus.READY, chunk_count, None
        self.updated_at = now

    def mark_failed(self, reason: str, now: datetime) -> None:
        self.status, self.chunk_count, self.error = DocumentStatus.FAILED, 0, reason[:500]
        self.updated_at = now

    def mark_retries_exhausted(self, reason: str, now: datetime) -> None:
        """Ingestion kept failing for reasons outside the file: chunks from an earlier
        run, if any, keep serving; the reason is recorded either way."""
        if self.chunk_count > 0:
            self.status, self.error, self.updated_at = DocumentStatus.READY, reason[:500], now
        else:
            self.mark_failed(reason, now)

    def requeue(self, now: datetime) -> None:
        self.status, self.error, self.updated_at = DocumentStatus.QUEUED, None, now
