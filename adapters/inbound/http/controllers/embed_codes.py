"""Embed codes (workspace side)."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Controller, Request, Response, delete, get, patch, post
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody

from adapters.inbound.http import embed_schemas as e
from adapters.inbound.http.dependencies import public_base
from adapters.inbound.http.preview_page import preview_csp, preview_page
from application.pagination import PageRequest
from application.principal import Principal
from application.use_cases.embed_codes import (
    ChangeEmbedCode,
    CreateEmbedCode,
    EmbedCodeChanges,
    ReadEmbedCodes,
)
from domain.ids import EmbedCodeId


class EmbedCodeController(Controller):
    path = "/api/v1/embed-codes"
    tags = ["embed codes"]

    @post(status_code=201)
    async def create(
        self,
        request: Request[Any, Any, Any],
        state: State,
        data: JSONBody[e.EmbedCodeBody],
        principal: NamedDependency[Principal],
        create_embed_code: NamedDependency[CreateEmbedCode],
    ) -> e.EmbedCodeOut:
        settings = data.settings.given() if data.settings else None
        spec = EmbedCodeChanges(data.name, data.allowed_domains, settings)
        code = await create_embed_code.execute(principal, spec)
        return e.embed_code_out(code, public_base(request, state))

    @get()
    async def list_codes(
        self,
        request: Request[Any, Any, Any],
        state: State,
        principal: NamedDependency[Principal],
        read_embed_codes: NamedDependency[ReadEmbedCodes],
        limit: FromQuery[int | None] = None,
        cursor: FromQuery[str | None] = None,
    ) -> e.EmbedCodePage:
        page = await read_embed_codes.list(principal, PageRequest.parse(limit, cursor))
        base = public_base(request, state)
        return e.EmbedCodePage(
            items=[e.embed_code_out(c, base) for c in page.items], next_cursor=page.next_cursor
        )

    @get("/{code_id:uuid}")
    async def read(
        self,
        request: Request[Any, Any, Any],
        state: State,
        code_id: FromPath[uuid.UUID],
        principal: NamedDependency[Principal],
        read_embed_codes: NamedDependency[ReadEmbedCodes],
    ) -> e.EmbedCodeOut:
        code = await read_embed_codes.get(principal, EmbedCodeId(code_id))
        return e.embed_code_out(code, public_base(request, state))

    @patch("/{code_id:uuid}")
    async def change(
        self,
        request: Request[Any, Any, Any],
        state: State,
        code_id: FromPath[uuid.UUID],
        data: JSONBody[e.EmbedCodePatch],
        principal: NamedDependency[Principal],
        change_embed_code: NamedDependency[ChangeEmbedCode],
    ) -> e.EmbedCodeOut:
        settings = data.settings.given() if data.settings else None
        changes = EmbedCodeChanges(data.name, data.allowed_domains, settings, data.active)
        code = await change_embed_code.update(principal, EmbedCodeId(code_id), changes)
        return e.embed_code_out(code, public_base(request, state))

    @get("/{code_id:uuid}/preview", media_type="text/html")
    async def preview(
        self,
        request: Request[Any, Any, Any],
        state: State,
        code_id: FromPath[uuid.UUID],
        principal: NamedDependency[Principal],
        read_embed_codes: NamedDependency[ReadEmbedCodes],
    ) -> Response[str]:
        """A page that loads the real widget with this code, under a strict CSP."""
        code = await read_embed_codes.get(principal, EmbedCodeId(code_id))
        base = public_base(request, state)
        headers = {
            "Content-Security-Policy": preview_csp(base),
            "X-Frame-Options": "SAMEORIGIN",
            "Cache-Control": "no-store",
        }
        return Response(preview_page(code, base), media_type="text/html", headers=headers)

    @post("/{code_id:uuid}/rotate-key", status_code=200)
    async def rotate(
        self,
        request: Request[Any, Any, Any],
        state: State,
        code_id: FromPath[uuid.UUID],
        principal: NamedDependency[Principal],
        change_embed_code: NamedDependency[ChangeEmbedCode],
    ) -> e.EmbedCodeOut:
        code = await change_embed_code.rotate_key(principal, EmbedCodeId(code_id))
        return e.embed_code_out(code, public_base(request, state))

    @delete("/{code_id:uuid}", status_code=204)
    async def remove(
        self,
        code_id: FromPath[uuid.UUID],
        principal: NamedDependency[Principal],
        change_embed_code: NamedDependency[ChangeEmbedCode],
    ) -> None:
        await change_embed_code.delete(principal, EmbedCodeId(code_id))
