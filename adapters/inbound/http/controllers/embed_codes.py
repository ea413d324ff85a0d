"""Embed codes (workspace side)."""

from __future__ import annotations

import uuid

from litestar import Controller, Response, delete, get, patch, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody

from adapters.inbound.http.preview_page import preview_csp, preview_page
from adapters.inbound.http.schemas import embed_codes as e
from application.embed_code_changes import EmbedCodeChanges
from application.pagination import PageRequest
from application.principal import Principal
from application.use_cases.create_embed_code import CreateEmbedCode
from application.use_cases.delete_embed_code import DeleteEmbedCode
from application.use_cases.get_embed_code import GetEmbedCode
from application.use_cases.list_embed_codes import ListEmbedCodes
from application.use_cases.rotate_embed_key import RotateEmbedKey
from application.use_cases.update_embed_code import UpdateEmbedCode
from domain.ids import EmbedCodeId


class EmbedCodeController(Controller):
    """`public_base` is where snippets and previews point (CCGPT_PUBLIC_URL, else this URL)."""

    path = "/api/v1/embed-codes"
    tags = ["embed codes"]

    @post(status_code=201)
    async def create(
        self,
        data: JSONBody[e.EmbedCodeBody],
        principal: NamedDependency[Principal],
        public_base: NamedDependency[str],
        create_embed_code: NamedDependency[CreateEmbedCode],
    ) -> e.EmbedCodeOut:
        settings = data.settings.given() if data.settings else None
        spec = EmbedCodeChanges(data.name, data.allowed_domains, settings)
        code = await create_embed_code.execute(principal, spec)
        return e.embed_code_out(code, public_base)

    @get()
    async def list_codes(
        self,
        principal: NamedDependency[Principal],
        public_base: NamedDependency[str],
        list_embed_codes: NamedDependency[ListEmbedCodes],
        limit: FromQuery[int | None] = None,
        cursor: FromQuery[str | None] = None,
    ) -> e.EmbedCodePage:
        page = await list_embed_codes.execute(principal, PageRequest.parse(limit, cursor))
        return e.EmbedCodePage.of(page, lambda code: e.embed_code_out(code, public_base))

    @get("/{code_id:uuid}")
    async def read(
        self,
        code_id: FromPath[uuid.UUID],
        principal: NamedDependency[Principal],
        public_base: NamedDependency[str],
        get_embed_code: NamedDependency[GetEmbedCode],
    ) -> e.EmbedCodeOut:
        code = await get_embed_code.execute(principal, EmbedCodeId(code_id))
        return e.embed_code_out(code, public_base)

    @patch("/{code_id:uuid}")
    async def change(
        self,
        code_id: FromPath[uuid.UUID],
        data: JSONBody[e.EmbedCodePatch],
        principal: NamedDependency[Principal],
        public_base: NamedDependency[str],
        update_embed_code: NamedDependency[UpdateEmbedCode],
    ) -> e.EmbedCodeOut:
        settings = data.settings.given() if data.settings else None
        changes = EmbedCodeChanges(data.name, data.allowed_domains, settings, data.active)
        code = await update_embed_code.execute(principal, EmbedCodeId(code_id), changes)
        return e.embed_code_out(code, public_base)

    @get("/{code_id:uuid}/preview", media_type="text/html")
    async def preview(
        self,
        code_id: FromPath[uuid.UUID],
        principal: NamedDependency[Principal],
        public_base: NamedDependency[str],
        get_embed_code: NamedDependency[GetEmbedCode],
    ) -> Response[str]:
        """A page that loads the real widget with this code, under a strict CSP."""
        code = await get_embed_code.execute(principal, EmbedCodeId(code_id))
        headers = {
            "Content-Security-Policy": preview_csp(public_base),
            "X-Frame-Options": "SAMEORIGIN",
            "Cache-Control": "no-store",
        }
        return Response(preview_page(code, public_base), media_type="text/html", headers=headers)

    @post("/{code_id:uuid}/rotate-key", status_code=200)
    async def rotate(
        self,
        code_id: FromPath[uuid.UUID],
        principal: NamedDependency[Principal],
        public_base: NamedDependency[str],
        rotate_embed_key: NamedDependency[RotateEmbedKey],
    ) -> e.EmbedCodeOut:
        code = await rotate_embed_key.execute(principal, EmbedCodeId(code_id))
        return e.embed_code_out(code, public_base)

    @delete("/{code_id:uuid}", status_code=204)
    async def remove(
        self,
        code_id: FromPath[uuid.UUID],
        principal: NamedDependency[Principal],
        delete_embed_code: NamedDependency[DeleteEmbedCode],
    ) -> None:
        await delete_embed_code.execute(principal, EmbedCodeId(code_id))
