"""Exported conversations: one JSON line per session, or one CSV row per message."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import datetime
from typing import Any

import msgspec

from adapters.inbound.http.csv_output import cell
from adapters.inbound.http.schemas.base import BodyOut
from adapters.inbound.http.schemas.chat import SourceOut, source_out
from application.ports.conversation_archive import ArchivedSession
from application.use_cases.export_visitor import VisitorRecord
from domain.conversations import Conversation, Message
from domain.feedback import Feedback


class FeedbackOut(BodyOut):
    rating: str
    comment: str | None
    created_at: datetime


class ExportedMessage(BodyOut):
    id: uuid.UUID
    role: str
    text: str
    sources: list[SourceOut]
    confidence: float | None
    action: str | None
    latency_ms: int | None
    created_at: datetime
    feedback: FeedbackOut | None


class ExportedSessionInfo(BodyOut):
    id: uuid.UUID
    embed_code_id: uuid.UUID | None
    visitor_id: str | None
    status: str
    message_count: int
    started_at: datetime
    last_message_at: datetime


class ExportedSession(BodyOut):
    session: ExportedSessionInfo
    messages: list[ExportedMessage]


class VisitorExportOut(BodyOut):
    visitor_id: str
    sessions: list[ExportedSession]


def _session_info(c: Conversation) -> ExportedSessionInfo:
    return ExportedSessionInfo(
        id=c.id,
        embed_code_id=c.embed_code_id,
        visitor_id=c.visitor_id,
        status=c.status.value,
        message_count=c.message_count,
        started_at=c.started_at,
        last_message_at=c.last_message_at,
    )


def _message(m: Message, verdict: Feedback | None) -> ExportedMessage:
    return ExportedMessage(
        id=m.id,
        role=m.role.value,
        text=m.text,
        sources=[source_out(s) for s in m.sources],
        confidence=m.confidence,
        action=m.action.value if m.action else None,
        latency_ms=m.latency_ms,
        created_at=m.created_at,
        feedback=FeedbackOut(
            rating=verdict.rating.value, comment=verdict.comment, created_at=verdict.created_at
        )
        if verdict
        else None,
    )


def exported_session(s: ArchivedSession) -> ExportedSession:
    verdicts = {f.message_id: f for f in s.feedback}
    return ExportedSession(
        session=_session_info(s.conversation),
        messages=[_message(m, verdicts.get(m.id)) for m in s.messages],
    )


def visitor_export_out(record: VisitorRecord) -> VisitorExportOut:
    return VisitorExportOut(
        visitor_id=record.visitor_id, sessions=[exported_session(s) for s in record.sessions]
    )


_encoder = msgspec.json.Encoder()


def jsonl_line(s: ArchivedSession) -> bytes:
    return _encoder.encode(exported_session(s)) + b"\n"


CSV_COLUMNS = [
    "session_id",
    "embed_code_id",
    "visitor_id",
    "session_status",
    "session_started_at",
    "message_id",
    "role",
    "text",
    "action",
    "confidence",
    "latency_ms",
    "source_titles",
    "feedback_rating",
    "feedback_comment",
    "created_at",
]


def csv_header() -> str:
    return _csv_rows([dict(zip(CSV_COLUMNS, CSV_COLUMNS, strict=True))], escape=False)


def csv_lines(s: ArchivedSession) -> str:
    c, verdicts = s.conversation, {f.message_id: f for f in s.feedback}
    rows = []
    for m in s.messages:
        verdict = verdicts.get(m.id)
        rows.append(
            {
                "session_id": c.id,
                "embed_code_id": c.embed_code_id,
                "visitor_id": c.visitor_id,
                "session_status": c.status.value,
                "session_started_at": c.started_at,
                "message_id": m.id,
                "role": m.role.value,
                "text": m.text,
                "action": m.action.value if m.action else None,
                "confidence": m.confidence,
                "latency_ms": m.latency_ms,
                "source_titles": "; ".join(src.title for src in m.sources),
                "feedback_rating": verdict.rating.value if verdict else None,
                "feedback_comment": verdict.comment if verdict else None,
                "created_at": m.created_at,
            }
        )
    return _csv_rows(rows)


def _csv_rows(rows: list[dict[str, Any]], escape: bool = True) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    for row in rows:
        writer.writerow([cell(row[k]) if escape else row[k] for k in CSV_COLUMNS])
    return out.getvalue()
