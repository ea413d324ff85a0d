"""Analytics answers: the JSON bodies, and the same figures as CSV rows."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import msgspec

from adapters.inbound.http.schemas.base import BodyOut
from application.ports.analytics import DocumentUsage, EmbedCodeUsage, QueryCount
from application.use_cases.find_content_gaps import Gap
from application.use_cases.get_analytics_summary import Summary
from application.use_cases.get_answer_quality import Quality
from application.use_cases.get_queries_over_time import Series
from domain.analytics import rate


def utc(moment: datetime | None) -> datetime | None:
    return moment.astimezone(UTC) if moment is not None else None


class SummaryOut(BodyOut):
    total_queries: int
    total_sessions: int
    unique_visitors: int
    answered_rate: float
    avg_response_ms: int
    p95_response_ms: int
    positive_feedback_rate: float
    handoff_rate: float
    documents: int
    chunks: int
    resolved_sessions: int
    pending_sessions: int
    resolution_rate: float


class PointOut(BodyOut):
    bucket_start: str
    queries: int
    sessions: int
    resolved_sessions: int
    pending_sessions: int
    handoff_sessions: int
    resolution_rate: float
    handoff_rate: float


class SeriesOut(BodyOut):
    interval: str
    points: list[PointOut]


class TopQueryOut(BodyOut):
    query: str
    count: int
    answered_rate: float
    last_asked_at: datetime


class TopQueriesOut(BodyOut):
    items: list[TopQueryOut]


class DocumentUsageOut(BodyOut):
    document_id: uuid.UUID
    title: str
    citations: int
    sessions: int
    last_cited_at: datetime | None


class DocumentsOut(BodyOut):
    items: list[DocumentUsageOut]


class EmbedCodeUsageOut(BodyOut):
    embed_code_id: uuid.UUID | None
    name: str
    sessions: int
    queries: int
    unique_visitors: int
    last_used_at: datetime | None


class EmbedCodesOut(BodyOut):
    items: list[EmbedCodeUsageOut]


class FeedbackOut(BodyOut):
    up: int
    down: int
    positive_rate: float


class UnansweredOut(BodyOut):
    query: str
    count: int


class QualityRow(BodyOut):
    """The quality report as CSV: `figure` rows, then one `unanswered` row per query."""

    kind: str
    name: str
    value: float


class QualityOut(BodyOut):
    feedback: FeedbackOut
    avg_confidence: float
    low_confidence_count: int
    unanswered: list[UnansweredOut]
    handoff_rate: float


class NearDocumentOut(BodyOut):
    document_id: uuid.UUID
    title: str
    score: float


class GapOut(BodyOut):
    label: str
    count: int
    visitors: int
    examples: list[str]
    first_asked_at: datetime
    last_asked_at: datetime
    nearest_documents: list[NearDocumentOut]


class GapsOut(BodyOut):
    items: list[GapOut]


class GapRow(BodyOut):
    """A gap as a CSV row: examples and documents joined with ` | `."""

    label: str
    count: int
    visitors: int
    examples: str
    first_asked_at: datetime
    last_asked_at: datetime
    nearest_documents: str


def gaps_out(gaps: list[Gap]) -> GapsOut:
    return GapsOut(
        items=[
            GapOut(
                label=g.label,
                count=g.count,
                visitors=g.visitors,
                examples=g.examples,
                first_asked_at=g.first_asked_at.astimezone(UTC),
                last_asked_at=g.last_asked_at.astimezone(UTC),
                nearest_documents=[
                    NearDocumentOut(document_id=d.document_id, title=d.title, score=d.score)
                    for d in g.nearest_documents
                ],
            )
            for g in gaps
        ]
    )


def gap_rows(body: GapsOut) -> list[dict[str, Any]]:
    return [
        {
            **msgspec.structs.asdict(g),
            "examples": " | ".join(g.examples),
            "nearest_documents": " | ".join(d.title for d in g.nearest_documents),
        }
        for g in body.items
    ]


def summary_out(s: Summary) -> SummaryOut:
    return msgspec.convert(s, SummaryOut, from_attributes=True)


def series_out(series: Series) -> SeriesOut:
    return SeriesOut(
        interval=series.interval.value,
        points=[
            PointOut(
                bucket_start=p.bucket_start.isoformat(),
                queries=p.counts.queries,
                sessions=p.counts.sessions,
                resolved_sessions=p.counts.resolved_sessions,
                pending_sessions=p.counts.pending_sessions,
                handoff_sessions=p.counts.handoff_sessions,
                resolution_rate=p.resolution_rate,
                handoff_rate=p.handoff_rate,
            )
            for p in series.points
        ],
    )


def top_queries_out(items: list[QueryCount]) -> TopQueriesOut:
    return TopQueriesOut(
        items=[
            TopQueryOut(
                query=q.query,
                count=q.count,
                answered_rate=rate(q.answered, q.count),
                last_asked_at=q.last_asked_at.astimezone(UTC),
            )
            for q in items
        ]
    )


def documents_out(items: list[DocumentUsage]) -> DocumentsOut:
    return DocumentsOut(
        items=[
            DocumentUsageOut(
                document_id=d.document_id,
                title=d.title,
                citations=d.citations,
                sessions=d.sessions,
                last_cited_at=utc(d.last_cited_at),
            )
            for d in items
        ]
    )


def embed_codes_out(items: list[EmbedCodeUsage]) -> EmbedCodesOut:
    return EmbedCodesOut(
        items=[
            EmbedCodeUsageOut(
                embed_code_id=u.embed_code_id,
                name=u.name,
                sessions=u.sessions,
                queries=u.queries,
                unique_visitors=u.unique_visitors,
                last_used_at=utc(u.last_used_at),
            )
            for u in items
        ]
    )


def quality_out(q: Quality) -> QualityOut:
    return QualityOut(
        feedback=FeedbackOut(up=q.feedback_up, down=q.feedback_down, positive_rate=q.positive_rate),
        avg_confidence=q.avg_confidence,
        low_confidence_count=q.low_confidence_count,
        unanswered=[UnansweredOut(query=u.query, count=u.count) for u in q.unanswered],
        handoff_rate=q.handoff_rate,
    )


def rows(items: list[Any]) -> list[dict[str, Any]]:
    """Flat CSV rows of a list of response Structs."""
    return [msgspec.structs.asdict(item) for item in items]


def quality_rows(q: QualityOut) -> list[dict[str, Any]]:
    figures = {
        "feedback_up": q.feedback.up,
        "feedback_down": q.feedback.down,
        "positive_rate": q.feedback.positive_rate,
        "avg_confidence": q.avg_confidence,
        "low_confidence_count": q.low_confidence_count,
        "handoff_rate": q.handoff_rate,
    }
    out = [{"kind": "figure", "name": k, "value": v} for k, v in figures.items()]
    out += [{"kind": "unanswered", "name": u.query, "value": u.count} for u in q.unanswered]
    return out
