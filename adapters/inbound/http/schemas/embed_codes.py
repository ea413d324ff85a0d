"""Request and response bodies of embed codes."""

from __future__ import annotations

import html
import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

import msgspec
from msgspec import Meta

from adapters.inbound.http.schemas.base import BodyIn, BodyOut, PageOut
from domain.embed_codes import EmbedCode, WidgetSettings

Text = Annotated[str, Meta(max_length=2000)]


class SettingsBody(BodyIn):
    title: Text | None = None
    greeting: Text | None = None
    primary_color: Text | None = None
    position: Literal["bottom-right", "bottom-left"] | None = None
    placeholder: Text | None = None
    suggested_questions: Annotated[list[Text], Meta(max_length=20)] | None = None
    handoff_enabled: bool | None = None
    no_answer_message: Text | None = None
    rate_limited_message: Text | None = None

    def given(self) -> dict[str, Any]:
        return {k: v for k, v in msgspec.structs.asdict(self).items() if v is not None}


class EmbedCodeBody(BodyIn):
    name: Annotated[str, Meta(max_length=320)]
    allowed_domains: Annotated[list[Text], Meta(max_length=200)] = []
    settings: SettingsBody | None = None


class EmbedCodePatch(BodyIn):
    name: Annotated[str, Meta(max_length=320)] | None = None
    allowed_domains: Annotated[list[Text], Meta(max_length=200)] | None = None
    settings: SettingsBody | None = None
    active: bool | None = None


class SettingsOut(BodyOut):
    title: str
    greeting: str
    primary_color: str
    position: str
    placeholder: str
    suggested_questions: list[str]
    handoff_enabled: bool
    no_answer_message: str
    rate_limited_message: str


class EmbedCodeOut(BodyOut):
    id: uuid.UUID
    name: str
    public_key: str
    allowed_domains: list[str]
    settings: SettingsOut
    active: bool
    snippet: str
    created_at: datetime
    updated_at: datetime


class EmbedCodePage(PageOut):
    items: list[EmbedCodeOut]


def snippet(base_url: str, public_key: str) -> str:
    src = html.escape(f"{base_url.rstrip('/')}/widget/v1/widget.js", quote=True)
    key = html.escape(public_key, quote=True)
    return f'<script src="{src}" data-ccgpt-key="{key}" async></script>'


def settings_out(s: WidgetSettings) -> SettingsOut:
    return SettingsOut(
        title=s.title,
        greeting=s.greeting,
        primary_color=s.primary_color,
        position=s.position,
        placeholder=s.placeholder,
        suggested_questions=list(s.suggested_questions),
        handoff_enabled=s.handoff_enabled,
        no_answer_message=s.no_answer_message,
        rate_limited_message=s.rate_limited_message,
    )


def embed_code_out(code: EmbedCode, base_url: str) -> EmbedCodeOut:
    return EmbedCodeOut(
        id=code.id,
        name=code.name,
        public_key=code.public_key,
        allowed_domains=[str(d) for d in code.allowed_domains],
        settings=settings_out(code.settings),
        active=code.active,
        snippet=snippet(base_url, code.public_key),
        created_at=code.created_at,
        updated_at=code.updated_at,
    )
