"""Conversation exports and visitors' data rights: owners and admins only."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from litestar import Controller, delete, get
from litestar.di import NamedDependency
from litestar.params import FromPath, QueryParameter
from litestar.response import Stream

from adapters.inbound.http.controllers.analytics import day_param
from adapters.inbound.http.schemas import data_rights as e
from application.ports.conversation_archive import ArchivedSession
from application.principal import Principal
from application.use_cases.erase_visitor import EraseVisitor
from application.use_cases.export_conversations import ExportConversations, ExportInput
from application.use_cases.export_visitor import ExportVisitor
from domain.errors import ValidationFailed


def _flat(text: str) -> str:
    return " ".join(text.split())


EXPORT_CONVERSATIONS_DOC = _flat(
    """
    Sessions started from `from` to `to` (inclusive days in `tz`, default UTC; left out:
    all), streamed: JSONL has one session with its messages per line, CSV one row per
    message. Owners and admins only.
    """
)
EXPORT_VISITOR_DOC = _flat(
    """
    Everything stored about a visitor (the widget's visitor id): their sessions, messages
    and feedback. Owners and admins only; 404 when nothing is stored about them.
    """
)
ERASE_VISITOR_DOC = _flat(
    """
    Erases the visitor's sessions, messages and feedback. Analytics figures stay the
    same: they are kept as counts under a random key nothing links to the visitor any
    more (with the normalised question text, so top queries stay the same). Owners and
    admins only; 404 when nothing is stored about the visitor.
    """
)


class DataRightsController(Controller):
    path = "/api/v1"
    tags = ["data rights"]

    @get("/conversations/export", description=EXPORT_CONVERSATIONS_DOC)
    async def export_conversations(
        self,
        principal: NamedDependency[Principal],
        export_conversations: NamedDependency[ExportConversations],
        fmt: Annotated[
            str | None, QueryParameter(name="format", description="jsonl or csv")
        ] = None,
        first: Annotated[str | None, QueryParameter(name="from", description="YYYY-MM-DD")] = None,
        last: Annotated[str | None, QueryParameter(name="to", description="YYYY-MM-DD")] = None,
        tz: Annotated[str | None, QueryParameter(description="IANA time zone")] = None,
    ) -> Stream:
        kind = _export_format(fmt)
        inp = ExportInput(day_param(first, "from"), day_param(last, "to"), tz)
        sessions = await export_conversations.execute(principal, inp)
        body = _jsonl(sessions) if kind == "jsonl" else _csv(sessions)
        media = "application/x-ndjson" if kind == "jsonl" else "text/csv; charset=utf-8"
        disposition = f'attachment; filename="conversations.{kind}"'
        return Stream(body, media_type=media, headers={"Content-Disposition": disposition})

    @get("/visitors/{visitor_id:str}/export", description=EXPORT_VISITOR_DOC)
    async def export_visitor(
        self,
        visitor_id: FromPath[str],
        principal: NamedDependency[Principal],
        export_visitor: NamedDependency[ExportVisitor],
    ) -> e.VisitorExportOut:
        return e.visitor_export_out(await export_visitor.execute(principal, visitor_id))

    @delete("/visitors/{visitor_id:str}", status_code=204, description=ERASE_VISITOR_DOC)
    async def erase_visitor(
        self,
        visitor_id: FromPath[str],
        principal: NamedDependency[Principal],
        erase_visitor: NamedDependency[EraseVisitor],
    ) -> None:
        await erase_visitor.execute(principal, visitor_id)


def _export_format(raw: str | None) -> str:
    if raw in (None, "jsonl"):
        return "jsonl"
    if raw == "csv":
        return "csv"
    raise ValidationFailed.on("format", "must be jsonl or csv")


async def _jsonl(sessions: AsyncIterator[ArchivedSession]) -> AsyncIterator[bytes]:
    async for session in sessions:
        yield e.jsonl_line(session)


async def _csv(sessions: AsyncIterator[ArchivedSession]) -> AsyncIterator[str]:
    yield e.csv_header()
    async for session in sessions:
        lines = e.csv_lines(session)
        if lines:
            yield lines
