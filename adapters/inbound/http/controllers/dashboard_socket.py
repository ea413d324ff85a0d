"""The dashboard's WebSocket: a workspace's conversation events live, and agents' replies
and typing sent back into a session."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import WebSocket, websocket

from adapters.inbound.http.dependencies import resolve
from adapters.inbound.http.sockets import (
    CLOSE_TOO_MANY,
    FrameSocket,
    SocketCounter,
    close_code_for,
    error_frame,
    message_frame,
    run_until_closed,
)
from application.ports.realtime import Realtime, RealtimeEvent, workspace_channel
from application.principal import Principal
from application.realtime_events import typing_event
from application.use_cases.authenticate import Authenticate
from application.use_cases.conversations import PostAgentMessage
from domain.errors import DomainError, ValidationFailed
from domain.ids import SessionId
from domain.roles import Permission

SOCKETS_PER_USER = 10


@websocket("/api/v1/ws")
async def dashboard_socket(socket: WebSocket[Any, Any, Any]) -> None:
    """`?token=<access JWT>`: owners, admins and agents of the workspace."""
    state = socket.app.state
    settings = state.settings
    await socket.accept()
    sock = FrameSocket(socket, settings.ws_idle_timeout_seconds, settings.ws_max_frame_bytes)
    try:
        authenticate: Authenticate = await resolve(state.container, "authenticate")
        principal = await authenticate.execute(socket.query_params.get("token", ""))
        principal.require(Permission.HANDLE_CONVERSATIONS)
    except DomainError as exc:
        await sock.close(close_code_for(exc), exc.detail)
        return
    counter: SocketCounter = state.socket_counter
    key = f"user:{principal.user_id or principal.workspace_id}"
    if not counter.enter(key, SOCKETS_PER_USER):
        await sock.close(CLOSE_TOO_MANY, "too many connections")
        return
    try:
        session = DashboardSocketSession(
            sock,
            principal,
            await resolve(state.container, "post_agent_message"),
            state.container.realtime(),
        )
        await session.run()
    finally:
        counter.leave(key)


class DashboardSocketSession:
    def __init__(
        self,
        sock: FrameSocket,
        principal: Principal,
        post: PostAgentMessage,
        realtime: Realtime,
    ) -> None:
        self._socket, self._principal = sock, principal
        self._post, self._realtime = post, realtime

    async def run(self) -> None:
        await self._socket.send({"type": "ready"})
        async with self._realtime.subscribe(workspace_channel(self._principal.workspace_id)) as ev:
            await run_until_closed(self._socket, ev, self._to_frame, self._handle)

    def _to_frame(self, event: RealtimeEvent) -> dict[str, Any] | None:
        session = {"session_id": str(event.session_id)}
        if event.type == "message":
            return {**message_frame(event), "type": "message.created", **session}
        if event.type == "conversation.started":
            return {"type": "conversation.started", **session, **event.data}
        if event.type in ("typing", "handoff"):
            return {"type": event.type, **session, **event.data}
        return None

    async def _handle(self, frame: dict[str, Any]) -> None:
        kind = frame["type"]
        if kind == "ping":
            await self._socket.send({"type": "pong"})
            return
        if kind not in ("message", "typing"):
            await self._socket.send(
                {"type": "error", "code": "validation_error", "detail": f"Unknown type {kind!r}."}
            )
            return
        try:
            session_id = _session_of(frame)
            if kind == "typing":
                await self._realtime.publish(
                    typing_event(
                        self._principal.workspace_id,
                        session_id,
                        "agent",
                        bool(frame.get("state")),
                    )
                )
            else:
                await self._post.execute(self._principal, session_id, str(frame.get("text") or ""))
        except DomainError as exc:
            await self._socket.send(
                error_frame(exc, client_message_id=frame.get("client_message_id"))
            )


def _session_of(frame: dict[str, Any]) -> SessionId:
    """Typing goes to this workspace's channel of that session, so it cannot reach another
    workspace; a message is checked by PostAgentMessage (404 for another's session)."""
    try:
        return SessionId(uuid.UUID(str(frame.get("session_id"))))
    except ValueError:
        raise ValidationFailed.on("session_id", "must be a conversation id") from None
