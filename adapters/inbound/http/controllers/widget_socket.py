"""The widget's WebSocket: the visitor's messages in, answers, agent replies, typing and
handoff out. Messages spend the same budgets as over HTTP (the same use case)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import structlog
from litestar import WebSocket, websocket
from msgspec import UNSET

from adapters.inbound.http.dependencies import client_ip
from adapters.inbound.http.schemas.frames import (
    Ask,
    ClientPong,
    ErrorOut,
    Frame,
    FrameDecoder,
    HandoffOut,
    Ping,
    Pong,
    Ready,
    WidgetFrame,
    error_out,
    handoff_out,
    message_frame,
    stored_frames,
    token_out,
    typing_out,
)
from adapters.inbound.http.sockets import (
    CLOSE_UNAUTHORIZED,
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
from adapters.inbound.http.widget_access import embed_key, open_widget, page_origin
from application.events import (
    AccessChanged,
    AnswerDelta,
    Event,
    HandoffChanged,
    MessagePosted,
    PresenceChanged,
    TypingChanged,
    access_channel,
    session_channel,
)
from application.ports.realtime import Realtime
from application.ports.socket_registry import Slot
from application.replay import Replay
from application.use_cases.ask_in_widget import AskInWidget
from application.use_cases.open_widget import OpenWidget
from application.use_cases.read_widget_history import ReadWidgetHistory
from application.widget_access import WidgetAccess, WidgetSessionTokens
from domain.conversations import Message
from domain.errors import DomainError
from domain.ids import SessionId

log = structlog.get_logger()
FRAMES: FrameDecoder[WidgetFrame] = FrameDecoder(WidgetFrame)  # type: ignore[arg-type]


@websocket("/widget/v1/ws")
async def widget_socket(socket: WebSocket[Any, Any, Any]) -> None:
    """`?key=&session_id=&session_token=[&after=<seq>]`; Origin checked as over HTTP.
    With `after`, the stored messages numbered after it come first, then live frames."""
    state = socket.app.state
    settings = state.settings
    sock = await accept(socket)
    try:
        access = await open_widget(socket, state)
        session_id = SessionId(uuid.UUID(socket.query_params.get("session_id", "")))
        token = socket.query_params.get("session_token")
        tokens: WidgetSessionTokens = state.container.widget_session_tokens()
        tokens.check_session(access, token, session_id)
        after = resume_point(socket)
    except DomainError as exc:
        await sock.close(close_code_for(exc), exc.detail)
        return
    except ValueError:
        await sock.close(CLOSE_UNAUTHORIZED, "session_id must be a UUID")
        return
    ip = client_ip(socket, state)
    session_key = f"session:{session_id}"
    places = Places(
        state.container.socket_registry(),
        [
            Slot(session_key, settings.ws_max_sockets_per_session),
            Slot(f"ip:{access.code.workspace_id}:{ip}", settings.ws_max_sockets_per_ip),
            Slot(f"embed:{access.code.id}", settings.ws_max_sockets_per_embed_code),
        ],
    )
    entry = await places.take(sock)
    if entry is None:
        return
    realtime: Realtime = state.container.realtime()
    workspace_id = access.code.workspace_id
    if session_key in entry.first:
        await realtime.publish(PresenceChanged(workspace_id, session_id, True))

    async def still_allowed() -> None:
        """The key, the origin and the session token, checked again against stored data."""
        opener: OpenWidget = state.container.open_widget()
        fresh = await opener.execute(
            embed_key(socket), page_origin(socket), state.own_origins, fresh=True
        )
        tokens.check_session(fresh, token, session_id)

    try:
        socket_session = WidgetSocketSession(
            sock,
            access,
            session_id,
            token or "",
            ip,
            state.container.ask_in_widget(),
            state.container.read_widget_history(),
            realtime,
            state.container.replay(),
        )
        await socket_session.run(still_allowed, settings.ws_recheck_seconds, after, places)
    finally:
        if session_key in await places.give_back():
            await realtime.publish(PresenceChanged(workspace_id, session_id, False))


class WidgetSocketSession:
    def __init__(
        self,
        sock: FrameSocket,
        access: WidgetAccess,
        session_id: SessionId,
        token: str,
        ip: str,
        ask: AskInWidget,
        read_history: ReadWidgetHistory,
        realtime: Realtime,
        replay: Replay,
    ) -> None:
        self._socket, self._access, self._session_id = sock, access, session_id
        self._token, self._ip, self._realtime = token, ip, realtime
        self._ask_in_widget, self._read_history, self._replay = ask, read_history, replay
        self._sent: set[uuid.UUID] = set()  # message ids this socket has already delivered
        self._asked: set[str] = set()  # client ids of questions sent over this socket
        self._typing = TypingRelay(self._publish_typing)
        self._answering = asyncio.Lock()  # one question at a time, in order
        self._tasks: set[asyncio.Task[None]] = set()

    async def run(
        self,
        still_allowed: Callable[[], Awaitable[None]],
        recheck: float,
        after: int | None,
        places: Places,
    ) -> None:
        workspace_id = self._access.code.workspace_id
        self._still_allowed = still_allowed
        channels = (session_channel(workspace_id, self._session_id), access_channel(workspace_id))
        async with self._realtime.subscribe(*channels) as events:
            # Read after subscribing: what is stored meanwhile arrives as an event too, and
            # is sent once (by message id), so nothing falls between the two.
            try:
                thread = await self._read_history.execute(
                    self._access, self._token, self._session_id
                )
            except DomainError as exc:  # the database away or busy: 1013, come back later
                await self._socket.close(close_code_for(exc), exc.detail)
                return
            status = thread.conversation.status.value
            await self._socket.send(Ready(session_id=self._session_id, status=status))
            if after is not None:
                try:
                    await self._send_stored(after, thread.messages)
                except DomainError as exc:
                    await self._socket.close(close_code_for(exc), exc.detail)
                    return
            guard = keep_checking(self._socket, still_allowed, recheck, lambda: None)
            reading = self._socket.read_frames(FRAMES, self._handle)
            try:
                await run_until_closed(
                    self._socket, events, self._on_event, reading, guard, places.keep(self._socket)
                )
            finally:
                await stop_quietly(self._typing)
        # Answers still being prepared finish and are stored (a closed socket only drops
        # their frames): a question is never left unanswered because its tab went away.

    async def _send_stored(self, after: int, recent: list[Message]) -> None:
        """Every stored message numbered after `after`, a page at a time; the `recent`
        messages name the questions that answers reply to."""
        workspace_id = self._access.code.workspace_id
        earlier = list(recent)
        async for page in self._replay.pages(workspace_id, self._session_id, after):
            for frame in stored_frames(page, after, earlier=earlier):
                self._sent.add(frame.id)
                await self._socket.send(frame)
            earlier += page

    async def _on_event(self, event: Event) -> None:
        if isinstance(event, AccessChanged):
            if event.embed_code_id == self._access.code.id:
                await close_unless_allowed(self._socket, self._still_allowed)
            return
        frame = self._to_frame(event)
        if frame is not None:
            await self._socket.send(frame)

    def _to_frame(self, event: Event) -> Frame | None:
        if isinstance(event, MessagePosted):
            message = event.message
            if message.id in self._sent or message.client_message_id in self._asked:
                return None  # sent already, or a question this socket itself asked
            self._sent.add(message.id)
            return message_frame(event)
        if isinstance(event, AnswerDelta):
            return None if event.message_id in self._sent else token_out(event)
        if isinstance(event, TypingChanged) and event.who != "visitor":
            return typing_out(event)
        if isinstance(event, HandoffChanged):
            return handoff_out(event)
        return None

    async def _handle(self, frame: WidgetFrame) -> None:
        if isinstance(frame, ClientPong):
            return  # the client is there: reading it was the point
        if isinstance(frame, Ping):
            await self._socket.send(Pong())
        elif isinstance(frame, Ask):
            task = asyncio.create_task(self._ask(frame))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        else:
            await self._typing.set(frame.state)

    async def _publish_typing(self, state: bool) -> None:
        workspace_id = self._access.code.workspace_id
        await self._realtime.publish(
            TypingChanged(workspace_id, self._session_id, "visitor", state)
        )

    async def _ask(self, frame: Ask) -> None:
        client_id = frame.client_message_id
        # Sent again on this socket: the client wants the first answer again (API.md).
        again = client_id is not None and client_id in self._asked
        if client_id:
            self._asked.add(client_id)
        async with self._answering:
            try:
                reply = await self._ask_in_widget.execute(
                    self._access, self._token, self._session_id, frame.text, client_id, self._ip
                )
            except DomainError as exc:
                await self._socket.send(error_out(exc, client_id))
                return
            except Exception:
                log.exception("widget_socket.answer_failed")
                detail = "The answer could not be given; try again."
                failure = ErrorOut(
                    code="internal_error", detail=detail, client_message_id=client_id
                )
                await self._socket.send(failure)
                return
        if reply.message is None:  # a person holds the conversation: the bot stays silent
            held_at = reply.question.seq if reply.question is not None else UNSET
            await self._socket.send(HandoffOut(state=True, seq=held_at))
            return
        if reply.message.id in self._sent and not again:
            return  # the event got here first
        self._sent.add(reply.message.id)
        await self._socket.send(message_frame(MessagePosted.of(reply.message, reply.question)))
