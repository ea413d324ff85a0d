"""The dashboard's WebSocket: a workspace's conversation events live, and agents' replies
and typing sent back into a session. Its credential is checked again whenever the
workspace's access changes, every few seconds besides, and an access token's expiry closes
it unless the client sends a fresh token first (`{"type": "auth", "token"}`)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from litestar import WebSocket, websocket

from adapters.inbound.http.schemas.frames import (
    AgentReply,
    AgentTyping,
    AuthOk,
    ClientPong,
    DashboardFrame,
    Frame,
    FrameDecoder,
    Ping,
    Pong,
    PresenceOut,
    Ready,
    error_out,
    handoff_out,
    message_created,
    started_out,
    stored_frames,
    token_out,
    typing_out,
)
from adapters.inbound.http.sockets import (
    FrameSocket,
    Places,
    accept,
    close_code_for,
    close_unless_allowed,
    keep_checking,
    resume_point,
    run_until_closed,
)
from adapters.inbound.http.typing_relay import TypingRelay, stop_quietly
from application.events import (
    AccessChanged,
    AnswerDelta,
    ConversationStarted,
    Event,
    HandoffChanged,
    MessagePosted,
    PresenceChanged,
    TypingChanged,
    access_channel,
    workspace_channel,
)
from application.ports.realtime import Realtime
from application.ports.socket_registry import Slot
from application.principal import Principal
from application.replay import Replay
from application.use_cases.authenticate import Authenticate
from application.use_cases.post_agent_message import PostAgentMessage
from domain.conversations import Message
from domain.errors import DomainError, Forbidden, ValidationFailed
from domain.ids import SessionId
from domain.roles import Permission

FRAMES: FrameDecoder[DashboardFrame] = FrameDecoder(DashboardFrame)  # type: ignore[arg-type]


@websocket("/api/v1/ws")
async def dashboard_socket(socket: WebSocket[Any, Any, Any]) -> None:
    """`?token=<access JWT or secret key>[&session_id=&after=<seq>]`: owners, admins and
    agents of the workspace. With `session_id` and `after`, that session's stored messages
    numbered after `after` come first (as `message` frames), then live frames."""
    state = socket.app.state
    settings = state.settings
    sock = await accept(socket)
    authenticate: Authenticate = state.container.authenticate()
    bearer = socket.query_params.get("token", "")
    try:
        principal = await _member(authenticate, bearer)
        resume = _resume(socket)
    except DomainError as exc:
        await sock.close(close_code_for(exc), exc.detail)
        return
    member = f"member:{principal.user_id or principal.workspace_id}"
    places = Places(
        state.container.socket_registry(), [Slot(member, settings.ws_max_sockets_per_member)]
    )
    if await places.take(sock) is None:
        return
    try:
        session = DashboardSocketSession(
            sock,
            principal,
            bearer,
            authenticate,
            state.container.post_agent_message(),
            state.container.realtime(),
            state.container.replay(),
        )
        recent: list[Message] = []
        if resume is not None:
            try:
                thread = await state.container.read_conversation().execute(principal, resume[0])
            except DomainError as exc:  # another workspace's session, say
                await sock.close(close_code_for(exc), exc.detail)
                return
            recent = thread.messages
        await session.run(settings.ws_recheck_seconds, resume, recent)
    finally:
        await places.give_back()


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
        replay: Replay,
    ) -> None:
        self._socket, self._principal, self._bearer = sock, principal, bearer
        self._authenticate, self._post, self._realtime = authenticate, post, realtime
        self._replay = replay
        self._sent: set[uuid.UUID] = set()  # messages replayed on opening
        self._typing: dict[SessionId, TypingRelay] = {}  # this agent's typing, per session

    async def run(
        self,
        recheck_seconds: float,
        resume: tuple[SessionId, int] | None = None,
        recent: list[Message] | None = None,
    ) -> None:
        """With `resume` (a session and a seq), that session's stored messages numbered
        after the seq are read once subscribed: one stored meanwhile comes as an event too,
        and is sent once (by message id), so nothing falls between the two. `recent`: the
        session's latest messages, naming the questions that answers reply to."""
        workspace_id = self._principal.workspace_id
        channels = (workspace_channel(workspace_id), access_channel(workspace_id))
        async with self._realtime.subscribe(*channels) as events:
            await self._socket.send(Ready())
            if resume is not None:
                try:
                    await self._send_stored(*resume, recent or [])
                except DomainError as exc:  # the database away or busy
                    await self._socket.close(close_code_for(exc), exc.detail)
                    return
            guard = keep_checking(
                self._socket, self._still_allowed, recheck_seconds, self._expires_at
            )
            reading = self._socket.read_frames(FRAMES, self._handle)
            try:
                await run_until_closed(self._socket, events, self._on_event, reading, guard)
            finally:
                for relay in self._typing.values():
                    await stop_quietly(relay)

    async def _send_stored(self, session_id: SessionId, after: int, recent: list[Message]) -> None:
        earlier = list(recent)
        workspace_id = self._principal.workspace_id
        async for page in self._replay.pages(workspace_id, session_id, after):
            for frame in stored_frames(page, after, with_session=True, earlier=earlier):
                self._sent.add(frame.id)
                await self._socket.send(frame)
            earlier += page

    def _expires_at(self) -> datetime | None:
        return self._principal.expires_at

    async def _still_allowed(self) -> None:
        """The credential, checked again against stored data: revoked keys, ended log-ins,
        removed members and lost roles end the socket."""
        self._principal = await _member(self._authenticate, self._bearer)

    async def _on_event(self, event: Event) -> None:
        if isinstance(event, AccessChanged):
            await close_unless_allowed(self._socket, self._still_allowed)
            return
        frame = self._to_frame(event)
        if frame is not None:
            await self._socket.send(frame)

    def _to_frame(self, event: Event) -> Frame | None:
        if isinstance(event, AnswerDelta):
            return token_out(event, with_session=True)
        if isinstance(event, MessagePosted):
            if event.message.id in self._sent:
                return None
            return message_created(event)
        if isinstance(event, ConversationStarted):
            return started_out(event)
        if isinstance(event, TypingChanged):
            return typing_out(event, with_session=True)
        if isinstance(event, HandoffChanged):
            return handoff_out(event, with_session=True)
        if isinstance(event, PresenceChanged):
            return PresenceOut(session_id=event.session_id, online=event.online)
        return None

    async def _handle(self, frame: DashboardFrame) -> None:
        if isinstance(frame, ClientPong):
            return  # the client is there: reading it was the point
        if isinstance(frame, Ping):
            await self._socket.send(Pong())
            return
        if isinstance(frame, AgentTyping | AgentReply):
            await self._act(frame)
            return
        await self._reauthenticate(frame.token)

    async def _act(self, frame: AgentTyping | AgentReply) -> None:
        """Typing goes to this workspace's channel of that session, so it cannot reach
        another workspace; a reply is checked by PostAgentMessage (404 for another's)."""
        session_id = SessionId(frame.session_id)
        try:
            if isinstance(frame, AgentTyping):
                await self._typing_in(session_id).set(frame.state)
            else:
                await self._post.execute(self._principal, session_id, frame.text)
        except DomainError as exc:
            client_id = frame.client_message_id if isinstance(frame, AgentReply) else None
            await self._socket.send(error_out(exc, client_id))

    def _typing_in(self, session_id: SessionId) -> TypingRelay:
        """Typing goes to this workspace's channel of that session only."""
        relay = self._typing.get(session_id)
        if relay is None:
            workspace_id = self._principal.workspace_id

            async def publish(state: bool) -> None:
                await self._realtime.publish(
                    TypingChanged(workspace_id, session_id, "agent", state)
                )

            relay = self._typing[session_id] = TypingRelay(publish)
        return relay

    async def _reauthenticate(self, token: str) -> None:
        """A fresh access token for the same member keeps the socket open past the old
        token's expiry."""
        try:
            principal = await _member(self._authenticate, token)
            if (principal.workspace_id, principal.user_id) != (
                self._principal.workspace_id,
                self._principal.user_id,
            ):
                raise Forbidden("A socket keeps the identity it was opened with.")
        except DomainError as exc:
            await self._socket.send(error_out(exc))
            return
        self._principal, self._bearer = principal, token
        await self._socket.send(AuthOk(expires_at=principal.expires_at))


def _resume(socket: WebSocket[Any, Any, Any]) -> tuple[SessionId, int] | None:
    """`session_id` and `after` together, or neither."""
    after = resume_point(socket)
    raw = socket.query_params.get("session_id")
    if after is None and not raw:
        return None
    if after is None or not raw:
        raise ValidationFailed.on("after", "needs session_id, and session_id needs after")
    try:
        return SessionId(uuid.UUID(raw)), after
    except ValueError:
        raise ValidationFailed.on("session_id", "must be a conversation id") from None
