"""The dashboard's WebSocket: a workspace's conversation events live, and agents' replies
and typing sent back into a session. Its credential is checked again whenever the
workspace's access changes, every few seconds besides, and an access token's expiry closes
it unless the client sends a fresh token first (`{"type": "auth", "token"}`)."""

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
    close_unless_allowed,
    error_frame,
    keep_checking,
    message_frame,
    run_until_closed,
)
from application.ports.realtime import (
    ACCESS_CHANGED,
    Realtime,
    RealtimeEvent,
    access_channel,
    workspace_channel,
)
from application.principal import Principal
from application.realtime_events import typing_event
from application.use_cases.authenticate import Authenticate
from application.use_cases.conversations import PostAgentMessage
from domain.errors import DomainError, Forbidden, ValidationFailed
from domain.ids import SessionId
from domain.roles import Permission

SOCKETS_PER_USER = 10


@websocket("/api/v1/ws")
async def dashboard_socket(socket: WebSocket[Any, Any, Any]) -> None:
    """`?token=<access JWT or secret key>`: owners, admins and agents of the workspace."""
    state = socket.app.state
    settings = state.settings
    await socket.accept()
    sock = FrameSocket(socket, settings.ws_idle_timeout_seconds, settings.ws_max_frame_bytes)
    authenticate: Authenticate = await resolve(state.container, "authenticate")
    bearer = socket.query_params.get("token", "")
    try:
        principal = await _member(authenticate, bearer)
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
            bearer,
            authenticate,
            await resolve(state.container, "post_agent_message"),
            state.container.realtime(),
        )
        await session.run(settings.ws_recheck_seconds)
    finally:
        counter.leave(key)


async def _member(authenticate: Authenticate, bearer: str) -> Principal:
    principal = await authenticate.execute(bearer, fresh=True)
    principal.require(Permission.HANDLE_CONVERSATIONS)
    return principal


class DashboardSocketSession:
    def __init__(
        self,
        sock: FrameSocket,
        principal: Principal,
        bearer: str,
        authenticate: Authenticate,
        post: PostAgentMessage,
        realtime: Realtime,
    ) -> None:
        self._socket, self._principal, self._bearer = sock, principal, bearer
        self._authenticate, self._post, self._realtime = authenticate, post, realtime

    async def run(self, recheck_seconds: float) -> None:
        workspace_id = self._principal.workspace_id
        channels = (workspace_channel(workspace_id), access_channel(workspace_id))
        async with self._realtime.subscribe(*channels) as events:
            await self._socket.send({"type": "ready"})
            guard = keep_checking(
                self._socket, self._still_allowed, recheck_seconds, self._expires_at
            )
            await run_until_closed(self._socket, events, self._on_event, self._handle, guard)

    def _expires_at(self) -> Any:
        return self._principal.expires_at

    async def _still_allowed(self) -> None:
        """The credential, checked again against stored data: revoked keys, ended log-ins,
        removed members and lost roles end the socket."""
        self._principal = await _member(self._authenticate, self._bearer)

    async def _on_event(self, event: RealtimeEvent) -> None:
        if event.type == ACCESS_CHANGED:
            await close_unless_allowed(self._socket, self._still_allowed)
            return
        frame = self._to_frame(event)
        if frame is not None:
            await self._socket.send(frame)

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
        if kind == "auth":
            await self._reauthenticate(frame)
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

    async def _reauthenticate(self, frame: dict[str, Any]) -> None:
        """A fresh access token for the same member keeps the socket open past the old
        token's expiry."""
        try:
            principal = await _member(self._authenticate, str(frame.get("token") or ""))
            if (principal.workspace_id, principal.user_id) != (
                self._principal.workspace_id,
                self._principal.user_id,
            ):
                raise Forbidden("A socket keeps the identity it was opened with.")
        except DomainError as exc:
            await self._socket.send(error_frame(exc))
            return
        self._principal, self._bearer = principal, str(frame["token"])
        expires = principal.expires_at.isoformat() if principal.expires_at else None
        await self._socket.send({"type": "auth.ok", "expires_at": expires})


def _session_of(frame: dict[str, Any]) -> SessionId:
    """Typing goes to this workspace's channel of that session, so it cannot reach another
    workspace; a message is checked by PostAgentMessage (404 for another's session)."""
    try:
        return SessionId(uuid.UUID(str(frame.get("session_id"))))
    except ValueError:
        raise ValidationFailed.on("session_id", "must be a conversation id") from None
