"""The public widget API, keyed by an embed code's public key, and the widget script."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable
from typing import Any, cast

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, JSONBody
from litestar.status_codes import HTTP_200_OK, HTTP_304_NOT_MODIFIED

from adapters.inbound.http.event_stream import answer_as_events, wants_event_stream
from adapters.inbound.http.problems import rate_limit_headers
from adapters.inbound.http.schemas import chat as c
from adapters.inbound.http.schemas import widget as w
from adapters.inbound.http.widget_access import provide_widget_access
from adapters.inbound.http.widget_script import widget_script
from application.ports.rate_limiter import RateDecision
from application.use_cases.answer_message import DeltaSink, Reply
from application.use_cases.ask_in_widget import AskInWidget
from application.use_cases.rate_answer import RateAnswer
from application.use_cases.read_widget_history import ReadWidgetHistory
from application.use_cases.request_person import RequestPerson
from application.use_cases.start_widget_session import StartWidgetSession
from application.widget_access import WidgetAccess
from domain.ids import MessageId, SessionId

SCRIPT_CACHE = "public, max-age=3600, stale-while-revalidate=86400"


def _session_token(request: Request[Any, Any, Any]) -> str | None:
    """The `X-Session-Token` header: which session the caller may open."""
    return request.headers.get("x-session-token")


def _rate_headers(rate: RateDecision | None) -> dict[str, str]:
    return rate_limit_headers(rate.limit, rate.remaining, rate.reset_after) if rate else {}


class WidgetScriptController(Controller):
    path = "/widget/v1/widget.js"
    tags = ["widget"]

    @get(include_in_schema=True, security=[])
    async def script(self, request: Request[Any, Any, Any]) -> Response[bytes]:
        """The embeddable widget: cached, revalidated by ETag, gzipped when accepted."""
        script = widget_script()
        headers = {
            "ETag": script.etag,
            "Cache-Control": SCRIPT_CACHE,
            "Vary": "Accept-Encoding",
            # Loadable by pages that isolate themselves (COEP), whatever their origin.
            "Cross-Origin-Resource-Policy": "cross-origin",
        }
        if script.matches(request.headers.get("if-none-match")):
            return Response(b"", status_code=HTTP_304_NOT_MODIFIED, headers=headers)
        body = script.source
        if "gzip" in request.headers.get("accept-encoding", "").lower():
            body, headers["Content-Encoding"] = script.gzipped, "gzip"
        return Response(
            body,
            status_code=HTTP_200_OK,
            media_type="application/javascript; charset=utf-8",
            headers=headers,
        )


class WidgetController(Controller):
    """Every route checks the key and the page's origin first (`widget_access`)."""

    path = "/widget/v1"
    tags = ["widget"]
    dependencies = {
        "widget_access": Provide(provide_widget_access),
        "session_token": Provide(_session_token, sync_to_thread=False),
    }
    security = [{"embed_key": []}]

    @get("/config")
    async def config(
        self,
        widget_access: NamedDependency[WidgetAccess],
        request: Request,  # type: ignore[type-arg]  # not `state`: see dependencies.py
    ) -> w.ConfigOut:
        """The embed code's settings, and the limits the widget checks before sending."""
        frame_max = request.app.state.settings.ws_max_frame_bytes
        return w.config_out(widget_access.code.settings, frame_max)

    @post("/sessions", status_code=201)
    async def start_session(
        self,
        widget_access: NamedDependency[WidgetAccess],
        client_ip: NamedDependency[str],
        start_widget_session: NamedDependency[StartWidgetSession],
        data: JSONBody[w.SessionBody | None] = None,
    ) -> Response[w.SessionOut]:
        visitor_id = data.visitor_id if data else None
        session = await start_widget_session.execute(widget_access, client_ip, visitor_id)
        out = w.SessionOut(
            session_id=session.session_id,
            session_token=session.session_token,
            expires_at=session.expires_at,
        )
        return Response(out, status_code=201, headers=_rate_headers(session.rate))

    @post("/sessions/{session_id:uuid}/messages", status_code=200)
    async def ask(
        self,
        request: Request[Any, Any, Any],
        session_id: FromPath[uuid.UUID],
        data: JSONBody[w.WidgetMessageBody],
        widget_access: NamedDependency[WidgetAccess],
        session_token: NamedDependency[str | None],
        client_ip: NamedDependency[str],
        ask_in_widget: NamedDependency[AskInWidget],
    ) -> Response[w.AnswerOut]:
        """With `Accept: text/event-stream`, the answer streams as server-sent events
        (`token` ... then `message` with this JSON body), for pages where WebSockets are
        blocked."""

        def ask(sink: DeltaSink | None) -> Awaitable[Reply]:
            return ask_in_widget.execute(
                widget_access,
                session_token,
                SessionId(session_id),
                data.text,
                data.client_message_id,
                client_ip,
                sink,
            )

        if wants_event_stream(request):
            return cast(Response[w.AnswerOut], await answer_as_events(ask, w.answer_out))
        reply = await ask(None)
        return Response(w.answer_out(reply), headers=_rate_headers(reply.rate))

    @get("/sessions/{session_id:uuid}/messages")
    async def history(
        self,
        session_id: FromPath[uuid.UUID],
        widget_access: NamedDependency[WidgetAccess],
        session_token: NamedDependency[str | None],
        read_widget_history: NamedDependency[ReadWidgetHistory],
    ) -> w.HistoryOut:
        thread = await read_widget_history.execute(
            widget_access, session_token, SessionId(session_id)
        )
        return w.HistoryOut(
            items=c.messages_out(thread.messages),
            status=thread.conversation.status.value,
        )

    @post("/sessions/{session_id:uuid}/handoff", status_code=200)
    async def ask_for_a_person(
        self,
        session_id: FromPath[uuid.UUID],
        widget_access: NamedDependency[WidgetAccess],
        session_token: NamedDependency[str | None],
        request_person: NamedDependency[RequestPerson],
    ) -> w.HandoffOut:
        """Ours, beyond API.md: the visitor asks for a person (where the code allows it)."""
        conversation = await request_person.execute(
            widget_access, session_token, SessionId(session_id)
        )
        return w.HandoffOut(session_id=conversation.id, status=conversation.status.value)

    @post("/messages/{message_id:uuid}/feedback", status_code=204)
    async def feedback(
        self,
        message_id: FromPath[uuid.UUID],
        data: JSONBody[w.FeedbackBody],
        widget_access: NamedDependency[WidgetAccess],
        session_token: NamedDependency[str | None],
        rate_answer: NamedDependency[RateAnswer],
    ) -> None:
        await rate_answer.execute(
            widget_access, session_token, MessageId(message_id), data.rating, data.comment
        )
