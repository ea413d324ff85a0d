"""The knowledge base: documents, their chunks, and search."""

from __future__ import annotations

import uuid

from litestar import Controller, delete, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody, MultipartBody

from adapters.inbound.http.schemas import documents as k
from application.pagination import PageRequest
from application.principal import Principal
from application.use_cases.add_text_document import AddTextDocument
from application.use_cases.delete_document import DeleteDocument
from application.use_cases.get_document import GetDocument
from application.use_cases.list_chunks import ListChunks
from application.use_cases.list_documents import ListDocuments
from application.use_cases.reindex_document import ReindexDocument
from application.use_cases.search_knowledge import SearchKnowledge
from application.use_cases.upload_document import UploadDocument, UploadInput
from domain.ids import DocumentId


class DocumentController(Controller):
    path = "/api/v1/documents"
    tags = ["knowledge base"]

    @post(status_code=202)
    async def upload(
        self,
        data: MultipartBody[k.UploadForm],
        principal: NamedDependency[Principal],
        upload_document: NamedDependency[UploadDocument],
    ) -> k.DocumentOut:
        content = await data.file.read()
        inp = UploadInput(filename=data.file.filename, data=content, title=data.title)
        return k.document_out(await upload_document.execute(principal, inp))

    @post("/text", status_code=202)
    async def add_text(
        self,
        data: JSONBody[k.TextDocumentBody],
        principal: NamedDependency[Principal],
        add_text_document: NamedDependency[AddTextDocument],
    ) -> k.DocumentOut:
        document = await add_text_document.execute(principal, data.title, data.content)
        return k.document_out(document)

    @get()
    async def list_documents(
        self,
        principal: NamedDependency[Principal],
        list_documents: NamedDependency[ListDocuments],
        limit: FromQuery[int | None] = None,
        cursor: FromQuery[str | None] = None,
    ) -> k.DocumentPage:
        page = await list_documents.execute(principal, PageRequest.parse(limit, cursor))
        return k.DocumentPage.of(page, k.document_out)

    @get("/{document_id:uuid}")
    async def read(
        self,
        document_id: FromPath[uuid.UUID],
        principal: NamedDependency[Principal],
        get_document: NamedDependency[GetDocument],
    ) -> k.DocumentOut:
        return k.document_out(await get_document.execute(principal, DocumentId(document_id)))

    @get("/{document_id:uuid}/chunks")
    async def chunks(
        self,
        document_id: FromPath[uuid.UUID],
        principal: NamedDependency[Principal],
        list_chunks: NamedDependency[ListChunks],
        limit: FromQuery[int | None] = None,
        cursor: FromQuery[str | None] = None,
    ) -> k.ChunkPage:
        page = await list_chunks.execute(
            principal, DocumentId(document_id), PageRequest.parse(limit, cursor)
        )
        return k.ChunkPage.of(page, k.chunk_out)

    @post("/{document_id:uuid}/reindex", status_code=202)
    async def reindex(
        self,
        document_id: FromPath[uuid.UUID],
        principal: NamedDependency[Principal],
        reindex_document: NamedDependency[ReindexDocument],
    ) -> k.DocumentOut:
        return k.document_out(await reindex_document.execute(principal, DocumentId(document_id)))

    @delete("/{document_id:uuid}", status_code=204)
    async def remove(
        self,
        document_id: FromPath[uuid.UUID],
        principal: NamedDependency[Principal],
        delete_document: NamedDependency[DeleteDocument],
    ) -> None:
        await delete_document.execute(principal, DocumentId(document_id))


class SearchController(Controller):
    path = "/api/v1/search"
    tags = ["knowledge base"]

    @post(status_code=200)
    async def search(
        self,
        data: JSONBody[k.SearchBody],
        principal: NamedDependency[Principal],
        search_knowledge: NamedDependency[SearchKnowledge],
    ) -> k.SearchOut:
        found = await search_knowledge.execute(principal, data.query, data.top_k)
        return k.SearchOut(results=[k.search_result_out(f) for f in found])


def document_controller(max_upload_bytes: int) -> type[DocumentController]:
    """Uploads may be as large as the upload cap; every other body keeps the JSON cap."""
    return type(
        "DocumentController", (DocumentController,), {"request_max_body_size": max_upload_bytes}
    )
