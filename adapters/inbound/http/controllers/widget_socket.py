"""The widget's WebSocket: the visitor's messages in, answers, agent replies, typing and
handoff out. Messages spend the same budgets as over HTTP (the same use case)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import structlog
from litestar import WebSocket, websocket

from adapters.inbound.http.dependencies import client_ip, resolve
from adapters.inbound.http.sockets import (
    CLOSE_TOO_MANY,
    CLOSE_UNAUTHORIZED,
    FrameSocket,
    SocketCounter,
    close_code_for,
    close_unless_allowed,
    error_frame,
    keep_checking,
    message_frame,
    run_until_closed,
)
from adapters.inbound.http.widget_access import embed_key, open_widget, page_origin
from application.ports.realtime import (
    ACCESS_CHANGED,
    Realtime,
    RealtimeEvent,
    access_channel,
    session_channel,
)
from application.realtime_events import sources_data, typing_event
from application.use_cases.widget import OpenWidget, WidgetAccess, WidgetChat, WidgetSessionTokens
from domain.conversations import Action
from domain.errors import DomainError
from domain.ids import SessionId

log = structlog.get_logger()


@websocket("/widget/v1/ws")
async def widget_socket(socket: WebSocket[Any, Any, Any]) -> None:
    """`?key=&session_id=&session_token=`; Origin checked as over HTTP."""
    state = socket.app.state
    settings = state.settings
    await socket.accept()
    sock = FrameSocket(socket, settings.ws_idle_timeout_seconds, settings.ws_max_frame_bytes)
    try:
        access = await open_widget(socket, state)
        session_id = SessionId(uuid.UUID(socket.query_params.get("session_id", "")))
        token = socket.query_params.get("session_token")
        tokens: WidgetSessionTokens = state.container.widget_session_tokens()
        tokens.check_session(access, token, session_id)
    except DomainError as exc:
        await sock.close(close_code_for(exc), exc.detail)
        return
    except ValueError:
        await sock.close(CLOSE_UNAUTHORIZED, "session_id must be a UUID")
        return
    counter: SocketCounter = state.socket_counter
    key = f"session:{session_id}"
    if not counter.enter(key, settings.ws_max_sockets_per_session):
        await sock.close(CLOSE_TOO_MANY, "too many connections for this session")
        return

    async def still_allowed() -> None:
        """The key, the origin and the session token, checked again against stored data."""
        opener: OpenWidget = await resolve(state.container, "open_widget")
        fresh = await opener.execute(embed_key(socket), page_origin(socket), state.own_origins)
        tokens.check_session(fresh, token, session_id)

    try:
        socket_session = WidgetSocketSession(
            sock,
            access,
            session_id,
            token or "",
            client_ip(socket, state),
            await resolve(state.container, "widget_chat"),
            state.container.realtime(),
        )
        await socket_session.run(still_allowed, settings.ws_recheck_seconds)
    finally:
        counter.leave(key)


class WidgetSocketSession:
    def __init__(
        self,
        sock: FrameSocket,
        access: WidgetAccess,
        session_id: SessionId,
        token: str,
        ip: str,
        chat: WidgetChat,
        realtime: Realtime,
    ) -> None:
        self._socket, self._access, self._session_id = sock, access, session_id
        self._token, self._ip, self._chat, self._realtime = token, ip, chat, realtime
        self._sent: set[str] = set()  # message ids this socket has already delivered
        self._answering = asyncio.Lock()  # one question at a time, in order
        self._tasks: set[asyncio.Task[None]] = set()

    async def run(self, still_allowed: Callable[[], Awaitable[None]], recheck: float) -> None:
        workspace_id = self._access.code.workspace_id
        self._still_allowed = still_allowed
        held = await self._chat.conversation(self._access, self._token, self._session_id)
        channels = (session_channel(workspace_id, self._session_id), access_channel(workspace_id))
        async with self._realtime.subscribe(*channels) as events:
            await self._socket.send(
                {"type": "ready", "session_id": str(self._session_id), "status": held.status.value}
            )
            guard = keep_checking(self._socket, still_allowed, recheck, lambda: None)
            await run_until_closed(self._socket, events, self._on_event, self._handle, guard)
        # Answers still being prepared finish and are stored (a closed socket only drops
        # their frames): a question is never left unanswered because its tab went away.

    async def _on_event(self, event: RealtimeEvent) -> None:
        if event.type == ACCESS_CHANGED:
            if event.data.get("embed_code_id") == str(self._access.code.id):
                await close_unless_allowed(self._socket, self._still_allowed)
            return
        frame = self._to_frame(event)
        if frame is not None:
            await self._socket.send(frame)

    def _to_frame(self, event: RealtimeEvent) -> dict[str, Any] | None:
        if event.type == "message":
            if event.data["role"] == "visitor" or event.data["message_id"] in self._sent:
                return None  # the visitor's own words, or an answer this socket gave
            self._sent.add(event.data["message_id"])
            return message_frame(event)
        if event.type == "typing" and event.data.get("from") != "visitor":
            return {"type": "typing", "from": event.data["from"], "state": event.data["state"]}
        if event.type == "handoff":
            return {"type": "handoff", "state": event.data["state"]}
        return None

    async def _handle(self, frame: dict[str, Any]) -> None:
        kind = frame["type"]
        if kind == "ping":
            await self._socket.send({"type": "pong"})
        elif kind == "typing":
            event = typing_event(
                self._access.code.workspace_id,
                self._session_id,
                "visitor",
                bool(frame.get("state")),
            )
            await self._realtime.publish(event)
        elif kind == "message":
            task = asyncio.create_task(self._ask(frame))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        else:
            await self._socket.send(
                {"type": "error", "code": "validation_error", "detail": f"Unknown type {kind!r}."}
            )

    async def _ask(self, frame: dict[str, Any]) -> None:
        client_id = frame.get("client_message_id")
        client_id = str(client_id)[:128] if client_id else None
        async with self._answering:
            try:
                reply = await self._chat.ask(
                    self._access,
                    self._token,
                    self._session_id,
                    str(frame.get("text") or ""),
                    client_id,
                    self._ip,
                )
            except DomainError as exc:
                await self._socket.send(error_frame(exc, client_message_id=client_id))
                return
            except Exception:
                log.exception("widget_socket.answer_failed")
                failure = {
                    "type": "error",
                    "code": "internal_error",
                    "client_message_id": client_id,
                }
                await self._socket.send(
                    {**failure, "detail": "The answer could not be given; try again."}
                )
                return
        if reply.action is Action.HANDOFF:
            await self._socket.send({"type": "handoff", "state": True})
            return
        if str(reply.message_id) in self._sent:
            return  # the event got here first
        self._sent.add(str(reply.message_id))
        await self._socket.send(
            {
                "type": "message",
                "message_id": str(reply.message_id),
                "role": "assistant",
                "text": reply.answer,
                "sources": sources_data(reply.sources),
                "confidence": reply.confidence,
                "action": reply.action.value,
                "reply_to": client_id,
            }
        )
