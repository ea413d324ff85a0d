"""Analytics answers with every report full, in the server's own shapes (`SHAPES`, checked
by test_console_http.py): the console's pages are shown data a fresh workspace lacks, such
as content gaps and a week of traffic, while the journey test reads the real API."""

from __future__ import annotations

import json
from typing import Any

from adapters.inbound.http.schemas import analytics as a

SHAPES: dict[str, type[Any]] = {
    "summary": a.SummaryOut,
    "queries-over-time": a.SeriesOut,
    "top-queries": a.TopQueriesOut,
    "documents": a.DocumentsOut,
    "embed-codes": a.EmbedCodesOut,
    "quality": a.QualityOut,
    "gaps": a.GapsOut,
}


def analytics_answer(path: str, params: dict[str, list[str]]) -> tuple[str, str]:
    """What the analytics endpoints answer for `path`, as (media type, body)."""
    at = "2026-12-02T10:00:00Z"
    bodies: dict[str, Any] = {
        "summary": {
            "total_queries": 12,
            "total_sessions": 5,
            "unique_visitors": 4,
            "answered_rate": 0.75,
            "avg_response_ms": 120,
            "p95_response_ms": 300,
            "positive_feedback_rate": 0.8,
            "handoff_rate": 0.2,
            "documents": 2,
            "chunks": 10,
            "resolved_sessions": 2,
            "pending_sessions": 1,
            "resolution_rate": 0.5,
        },
        "queries-over-time": {
            "interval": params.get("interval", ["day"])[0],
            "points": [
                {
                    "bucket_start": f"2026-12-0{d}T00:00:00+00:00",
                    "queries": d,
                    "sessions": 1,
                    "resolved_sessions": 1,
                    "pending_sessions": 0,
                    "handoff_sessions": 0,
                    "resolution_rate": 1.0,
                    "handoff_rate": 0.0,
                }
                for d in (1, 2, 3)
            ],
        },
        "top-queries": {
            "items": [
                {
                    "query": "shipping to canada",
                    "count": 5,
                    "answered_rate": 1.0,
                    "last_asked_at": at,
                }
            ]
        },
        "documents": {
            "items": [
                {
                    "document_id": "00000000-0000-0000-0000-000000000001",
                    "title": "guide",
                    "citations": 7,
                    "sessions": 4,
                    "last_cited_at": at,
                }
            ]
        },
        "embed-codes": {
            "items": [
                {
                    "embed_code_id": "00000000-0000-0000-0000-000000000002",
                    "name": "Acme site",
                    "sessions": 5,
                    "queries": 12,
                    "unique_visitors": 4,
                    "last_used_at": at,
                }
            ]
        },
        "quality": {
            "feedback": {"up": 4, "down": 1, "positive_rate": 0.8},
            "avg_confidence": 0.61,
            "low_confidence_count": 2,
            "unanswered": [{"query": "do you sell gift cards", "count": 2}],
            "handoff_rate": 0.2,
        },
        "gaps": {
            "items": [
                {
                    "label": "Gift cards",
                    "count": 3,
                    "visitors": 2,
                    "examples": ["Do you sell gift cards?", "Can I buy a voucher?"],
                    "first_asked_at": at,
                    "last_asked_at": at,
                    "nearest_documents": [
                        {
                            "document_id": "00000000-0000-0000-0000-000000000001",
                            "title": "guide",
                            "score": 0.21,
                        }
                    ],
                }
            ]
        },
    }
    report = path.rsplit("/", 1)[1]
    if params.get("format") == ["csv"]:
        return "text/csv", f"report,total\n{report},12\n"
    return "application/json", json.dumps(bodies[report])
