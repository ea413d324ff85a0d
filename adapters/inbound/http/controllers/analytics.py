"""Analytics reports: JSON, or the same figures as CSV with `?format=csv`."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date
from typing import Annotated, Any, Literal

import msgspec
from litestar import Controller, Response, get
from litestar.di import NamedDependency, Provide
from litestar.params import FromQuery, QueryParameter

from adapters.inbound.http.csv_output import csv_response
from adapters.inbound.http.schemas import analytics as a
from application.analytics import ReportInput
from application.principal import Principal
from application.use_cases.find_content_gaps import FindContentGaps
from application.use_cases.get_analytics_summary import GetAnalyticsSummary
from application.use_cases.get_answer_quality import GetAnswerQuality
from application.use_cases.get_document_usage import GetDocumentUsage
from application.use_cases.get_embed_code_usage import GetEmbedCodeUsage
from application.use_cases.get_queries_over_time import GetQueriesOverTime
from application.use_cases.get_top_queries import GetTopQueries
from domain.errors import ValidationFailed

Format = Literal["json", "csv"]

DEFINITIONS = """

Definitions: a *query* is a message a visitor wrote, counted when it was asked. A
*session* is a conversation in which the visitor wrote at least once, counted when it
started. A *unique visitor* is a widget visitor id (a session without one is a visitor of
its own). A query is *answered* when the bot's reply was a grounded answer with sources.
*Response time* is from receiving the question to storing the bot's reply. A session is
*handed off* when a person took it over or wrote in it. A session is *resolved* by the
bot when it got a grounded answer, its last bot reply was not `no_answer`, nobody took it
over, no agent wrote in it, no answer was rated down, and the visitor wrote nothing for 24
hours after the last answer; younger sessions are *pending*. `from` and `to` are
inclusive dates in `tz` (an IANA zone, default UTC; an unknown zone is a 422); left out,
the report covers the 30 days up to today. Rates are between 0 and 1."""


def _flat(text: str) -> str:
    return " ".join(text.split())


SUMMARY_DOC = _flat(
    """
    Headline figures: queries, sessions, visitors, answer, handoff and resolution rates.
    """
)
QUERIES_OVER_TIME_DOC = _flat(
    """
    Queries and sessions per bucket; buckets start at local midnight (or hour, or
    Monday) in `tz`, empty ones are zeros, and they add up to the summary.
    """
)
TOP_QUERIES_DOC = _flat(
    """
    The most asked queries, normalised for case, spacing and punctuation (limit 1..100,
    default 10).
    """
)
DOCUMENTS_DOC = _flat(
    """
    Citations of each document in answers given in the window, and the sessions they
    were given in; documents never cited are listed with 0.
    """
)
EMBED_CODES_DOC = _flat(
    """
    Sessions, queries and visitors per embed code; traffic through the API, which has no
    embed code, is the item with `embed_code_id` null.
    """
)
QUALITY_DOC = _flat(
    """
    Visitors' thumbs on the bot's answers, its mean confidence, replies under 0.5
    confidence, the queries it could not answer, and the handoff rate.
    """
)
GAPS_DOC = _flat(
    """
    Content gaps: questions that got `no_answer`, a reply under 0.5 confidence or a
    thumbs-down, grouped by meaning (embedding similarity), the groups that affect the
    most visitors first (limit 1..100, default 20); each with its size, examples, when
    it was first and last asked, and the existing documents nearest to it.
    """
)


def report_input(
    first: Annotated[
        str | None, QueryParameter(name="from", description="First day (YYYY-MM-DD), in tz")
    ] = None,
    last: Annotated[
        str | None, QueryParameter(name="to", description="Last day (YYYY-MM-DD), in tz")
    ] = None,
    tz: Annotated[
        str | None, QueryParameter(description="IANA time zone, e.g. Europe/Amsterdam")
    ] = None,
    embed_code_id: FromQuery[uuid.UUID | None] = None,
) -> ReportInput:
    return ReportInput(day_param(first, "from"), day_param(last, "to"), tz, embed_code_id)


def day_param(raw: str | None, name: str) -> date | None:
    if raw is None:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise ValidationFailed.on(name, "must be a date such as 2026-03-29") from None


def output_format(
    fmt: Annotated[str | None, QueryParameter(name="format", description="json or csv")] = None,
) -> Format:
    if fmt in (None, "json"):
        return "json"
    if fmt == "csv":
        return "csv"
    raise ValidationFailed.on("format", "must be json or csv")


class AnalyticsController(Controller):
    path = "/api/v1/analytics"
    tags = ["analytics"]
    dependencies = {
        "report": Provide(report_input, sync_to_thread=False),
        "output": Provide(output_format, sync_to_thread=False),
    }

    @get("/summary", description=SUMMARY_DOC + DEFINITIONS)
    async def summary(
        self,
        principal: NamedDependency[Principal],
        report: NamedDependency[ReportInput],
        output: NamedDependency[Format],
        get_analytics_summary: NamedDependency[GetAnalyticsSummary],
    ) -> Response[a.SummaryOut | str]:
        body = a.summary_out(await get_analytics_summary.execute(principal, report))
        return _answer(body, output, "summary", a.SummaryOut, lambda: a.rows([body]))

    @get("/queries-over-time", description=QUERIES_OVER_TIME_DOC + DEFINITIONS)
    async def queries_over_time(
        self,
        principal: NamedDependency[Principal],
        report: NamedDependency[ReportInput],
        output: NamedDependency[Format],
        get_queries_over_time: NamedDependency[GetQueriesOverTime],
        interval: Annotated[
            Literal["hour", "day", "week"] | None, QueryParameter(description="hour, day or week")
        ] = None,
    ) -> Response[a.SeriesOut | str]:
        series = await get_queries_over_time.execute(principal, report, interval)
        body = a.series_out(series)
        return _answer(body, output, "queries-over-time", a.PointOut, lambda: a.rows(body.points))

    @get("/top-queries", description=TOP_QUERIES_DOC + DEFINITIONS)
    async def top_queries(
        self,
        principal: NamedDependency[Principal],
        report: NamedDependency[ReportInput],
        output: NamedDependency[Format],
        get_top_queries: NamedDependency[GetTopQueries],
        limit: FromQuery[int | None] = None,
    ) -> Response[a.TopQueriesOut | str]:
        body = a.top_queries_out(await get_top_queries.execute(principal, report, limit))
        return _answer(body, output, "top-queries", a.TopQueryOut, lambda: a.rows(body.items))

    @get("/documents", description=DOCUMENTS_DOC + DEFINITIONS)
    async def documents(
        self,
        principal: NamedDependency[Principal],
        report: NamedDependency[ReportInput],
        output: NamedDependency[Format],
        get_document_usage: NamedDependency[GetDocumentUsage],
    ) -> Response[a.DocumentsOut | str]:
        body = a.documents_out(await get_document_usage.execute(principal, report))
        return _answer(body, output, "documents", a.DocumentUsageOut, lambda: a.rows(body.items))

    @get("/embed-codes", description=EMBED_CODES_DOC + DEFINITIONS)
    async def embed_codes(
        self,
        principal: NamedDependency[Principal],
        report: NamedDependency[ReportInput],
        output: NamedDependency[Format],
        get_embed_code_usage: NamedDependency[GetEmbedCodeUsage],
    ) -> Response[a.EmbedCodesOut | str]:
        body = a.embed_codes_out(await get_embed_code_usage.execute(principal, report))
        return _answer(body, output, "embed-codes", a.EmbedCodeUsageOut, lambda: a.rows(body.items))

    @get("/quality", description=QUALITY_DOC + DEFINITIONS)
    async def quality(
        self,
        principal: NamedDependency[Principal],
        report: NamedDependency[ReportInput],
        output: NamedDependency[Format],
        get_answer_quality: NamedDependency[GetAnswerQuality],
    ) -> Response[a.QualityOut | str]:
        body = a.quality_out(await get_answer_quality.execute(principal, report))
        return _answer(body, output, "quality", a.QualityRow, lambda: a.quality_rows(body))

    @get("/gaps", description=GAPS_DOC + DEFINITIONS)
    async def gaps(
        self,
        principal: NamedDependency[Principal],
        report: NamedDependency[ReportInput],
        output: NamedDependency[Format],
        find_content_gaps: NamedDependency[FindContentGaps],
        limit: FromQuery[int | None] = None,
    ) -> Response[a.GapsOut | str]:
        body = a.gaps_out(await find_content_gaps.execute(principal, report, limit))
        return _answer(body, output, "gaps", a.GapRow, lambda: a.gap_rows(body))


def _answer(
    body: Any,
    output: Format,
    name: str,
    row_type: type[msgspec.Struct],
    rows: Callable[[], list[dict[str, Any]]],
) -> Response[Any]:
    if output == "csv":
        columns = [f.name for f in msgspec.structs.fields(row_type)]
        return csv_response(name, columns, rows())
    return Response(body)
