"""Request and response bodies of the knowledge base."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

from litestar.datastructures import UploadFile
from msgspec import Meta

from adapters.inbound.http.schemas.base import BodyIn, BodyOut, PageOut
from domain.documents import Document
from domain.knowledge import Chunk, FoundChunk


@dataclass
class UploadForm:
    file: UploadFile
    title: str | None = None


class TextDocumentBody(BodyIn):
    title: Annotated[str, Meta(max_length=320)]
    content: str


class SearchBody(BodyIn):
    query: str
    top_k: int = 5


class DocumentOut(BodyOut):
    id: uuid.UUID
    title: str
    filename: str
    mime_type: str
    size_bytes: int
    status: str
    chunk_count: int
    error: str | None
    created_at: datetime
    updated_at: datetime


class DocumentPage(PageOut):
    items: list[DocumentOut]


class ChunkOut(BodyOut):
    id: uuid.UUID
    ordinal: int
    text: str
    page: int | None
    heading: str | None
    token_count: int


class ChunkPage(PageOut):
    items: list[ChunkOut]


class SearchResultOut(BodyOut):
    chunk_id: uuid.UUID
    document_id: uuid.UUID
    document_title: str
    text: str
    score: float
    page: int | None
    heading: str | None


class SearchOut(BodyOut):
    results: list[SearchResultOut]


def document_out(doc: Document) -> DocumentOut:
    return DocumentOut(
        id=doc.id,
        title=doc.title,
        filename=doc.filename,
        mime_type=doc.mime_type.value,
        size_bytes=doc.size_bytes,
        status=doc.status.value,
        chunk_count=doc.chunk_count,
        error=doc.error,
        created_at=doc.created_at,
        updated_at=doc.updated_at,
    )


def chunk_out(chunk: Chunk) -> ChunkOut:
    return ChunkOut(
        id=chunk.id,
        ordinal=chunk.ordinal,
        text=chunk.text,
        page=chunk.page,
        heading=chunk.heading,
        token_count=chunk.token_count,
    )


def search_result_out(found: FoundChunk) -> SearchResultOut:
    return SearchResultOut(
        chunk_id=found.chunk_id,
        document_id=found.document_id,
        document_title=found.document_title,
        text=found.text,
        score=round(found.score, 6),
        page=found.page,
        heading=found.heading,
    )
