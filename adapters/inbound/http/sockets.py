"""What the widget and dashboard sockets share: frames in (size, idle time, typed),
frames out (one sender at a time), close codes, and the credential re-checks."""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

import structlog
from litestar import WebSocket
from litestar.exceptions import WebSocketDisconnect

from adapters.inbound.http.schemas.frames import (
    BadFrame,
    ErrorOut,
    Frame,
    FrameDecoder,
    ServerPing,
    encode,
)
from application.events import Event
from application.ports.realtime import SubscriberTooSlow
from application.ports.socket_registry import Entry, Slot, SocketRegistry
from domain.errors import (
    DomainError,
    Forbidden,
    NotFound,
    OriginNotAllowed,
    RateLimited,
    ServiceUnavailable,
    ValidationFailed,
)

log = structlog.get_logger()
T = TypeVar("T")

CLOSE_UNAUTHORIZED = 4401
CLOSE_FORBIDDEN = 4403
CLOSE_IDLE = 4408
CLOSE_TOO_MANY = 4429
CLOSE_TOO_LARGE = 1009
CLOSE_POLICY = 1008
CLOSE_TRY_LATER = 1013
SEND_TIMEOUT_SECONDS = 5.0
# Frames a client may send: a burst, then so many a second. A person types, asks and pings
# far below this; a client over it is flooding and is closed with 4429 (API.md: "too many
# connections or messages"). Questions also spend the chat rate limits (an error frame).
FRAME_BURST = 60
FRAMES_PER_SECOND = 20.0


class SocketClosed(Exception):
    """The peer went away, or we closed the socket."""


async def accept(socket: WebSocket[Any, Any, Any]) -> FrameSocket:
    """Accepts the socket (so a refusal can say why, with a close code) under the
    settings' idle time and frame size."""
    settings = socket.app.state.settings
    await socket.accept()
    return FrameSocket(socket, settings.ws_idle_timeout_seconds, settings.ws_max_frame_bytes)


class Places:
    """The places one socket holds in the SocketRegistry (every process counts them),
    kept fresh while it is open and given back when it closes."""

    REFRESH_SECONDS = 30.0

    def __init__(self, registry: SocketRegistry, slots: list[Slot]) -> None:
        self._registry, self._slots = registry, slots
        self.socket_id = uuid.uuid4().hex
        self.keys = [slot.key for slot in slots]

    async def take(self, sock: FrameSocket) -> Entry | None:
        """The places, or None after closing the socket with 4429 naming the full key."""
        entry = await self._registry.enter(self.socket_id, self._slots)
        if entry.refused is None:
            return entry
        what = entry.refused.split(":", 1)[0]
        await sock.close(CLOSE_TOO_MANY, f"too many connections for this {what}")
        return None

    async def keep(self, sock: FrameSocket) -> None:
        while not sock.closed:
            await asyncio.sleep(self.REFRESH_SECONDS)
            await self._registry.refresh(self.socket_id, self.keys)

    async def give_back(self) -> frozenset[str]:
        return await self._registry.leave(self.socket_id, self.keys)


def close_code_for(exc: DomainError) -> int:
    """Errors while opening a socket: bad credentials 4401, a refused origin or scope 4403,
    a malformed query parameter 1008, a dependency away or busy (the database, say) 1013:
    try again later, the credentials are fine."""
    if isinstance(exc, ValidationFailed):
        return CLOSE_POLICY
    if isinstance(exc, ServiceUnavailable | RateLimited):
        return CLOSE_TRY_LATER
    refused = isinstance(exc, Forbidden | OriginNotAllowed | NotFound)
    return CLOSE_FORBIDDEN if refused else CLOSE_UNAUTHORIZED


class FrameSocket:
    """One accepted socket: reads frames with limits, sends frames one at a time.

    Sending is bounded: a client that stops reading (its send buffer full for
    `send_timeout` seconds) is closed, never buffered without limit. A quiet client gets a
    `ping` frame halfway through the idle time; one that still sends nothing (no `pong`,
    no `ping`, nothing) is closed with 4408 when the idle time is up. One that sends frames
    faster than `FRAMES_PER_SECOND` after a burst of `FRAME_BURST` is closed with 4429."""

    def __init__(
        self,
        socket: WebSocket[Any, Any, Any],
        idle_seconds: float,
        max_bytes: int,
        send_timeout: float = SEND_TIMEOUT_SECONDS,
    ):
        self.socket, self._idle, self._max_bytes = socket, idle_seconds, max_bytes
        self._send_timeout = send_timeout
        self._send_lock = asyncio.Lock()
        self.closed = False
        self._allowance, self._counted_at = float(FRAME_BURST), time.monotonic()

    async def send(self, frame: Frame) -> None:
        if self.closed:
            return
        async with self._send_lock:
            try:
                await asyncio.wait_for(self.socket.send_text(encode(frame)), self._send_timeout)
            except TimeoutError:
                log.info("socket.slow_reader_closed")
                await self._close_unlocked(CLOSE_TRY_LATER, "not reading; reconnect with after")
            except (WebSocketDisconnect, RuntimeError, OSError):
                self.closed = True

    async def close(self, code: int, reason: str = "") -> None:
        await self._close_unlocked(code, reason)

    async def _close_unlocked(self, code: int, reason: str) -> None:
        if self.closed:
            return
        self.closed = True
        with contextlib.suppress(WebSocketDisconnect, RuntimeError, OSError, TimeoutError):
            await asyncio.wait_for(
                self.socket.close(code=code, reason=reason[:120]), self._send_timeout
            )

    async def receive(self) -> str:
        """The next frame's text. Closes with 4408 when idle, 1009 when a frame is too big."""
        receiving = asyncio.ensure_future(self.socket.receive())
        try:
            done, _ = await asyncio.wait({receiving}, timeout=self._idle / 2)
            if not done:
                await self.send(ServerPing())  # are you there?
                done, _ = await asyncio.wait({receiving}, timeout=self._idle / 2)
            if not done:
                await self.close(CLOSE_IDLE, "idle timeout")
                raise SocketClosed
            event = receiving.result()
        finally:
            if not receiving.done():
                receiving.cancel()
        if event["type"] == "websocket.disconnect":
            self.closed = True
            raise SocketClosed
        text, data = event.get("text"), event.get("bytes")
        if isinstance(text, str):
            raw = text
        else:
            raw = data.decode("utf-8", "replace") if isinstance(data, bytes) else ""
        if len(raw.encode()) > self._max_bytes:
            await self.close(CLOSE_TOO_LARGE, "frame too large")
            raise SocketClosed
        if not self._within_frame_rate():
            log.info("socket.flood_closed")
            await self.close(CLOSE_TOO_MANY, "too many messages")
            raise SocketClosed
        return raw

    def _within_frame_rate(self) -> bool:
        """A token bucket: FRAME_BURST frames, refilled at FRAMES_PER_SECOND."""
        now = time.monotonic()
        elapsed, self._counted_at = now - self._counted_at, now
        self._allowance = min(FRAME_BURST, self._allowance + elapsed * FRAMES_PER_SECOND)
        if self._allowance < 1:
            return False
        self._allowance -= 1
        return True

    async def pump_events(
        self, events: AsyncIterator[Event], on_event: Callable[[Event], Awaitable[None]]
    ) -> None:
        """Hands Realtime events to `on_event` until the socket closes."""
        try:
            async for event in events:
                await on_event(event)
                if self.closed:
                    return
        except SubscriberTooSlow:
            # Events came faster than this socket took them: rather than drop some, close;
            # the client reconnects with `after` and gets every stored message once.
            await self.close(CLOSE_TRY_LATER, "fell behind; reconnect with after")

    async def read_frames(
        self, decoder: FrameDecoder[T], handle: Callable[[T], Awaitable[None]]
    ) -> None:
        """Frames that do not decode are answered with a `validation_error` frame (naming
        the `client_message_id` they carried, if any), and the socket reads on."""
        try:
            while not self.closed:
                raw = await self.receive()
                try:
                    frame = decoder.decode(raw)
                except BadFrame as bad:
                    await self.send(
                        ErrorOut(
                            code="validation_error",
                            detail=bad.detail,
                            client_message_id=bad.client_message_id,
                        )
                    )
                    continue
                await handle(frame)
        except SocketClosed:
            pass


Credential = Callable[[], Awaitable[None]]


async def keep_checking(
    sock: FrameSocket,
    check: Credential,
    every_seconds: float,
    expires_at: Callable[[], datetime | None],
) -> None:
    """Re-checks the socket's credential every so often, and closes the socket when it no
    longer holds or expires (access events trigger the same check at once)."""
    while not sock.closed:
        deadline = expires_at()
        wait = every_seconds
        if deadline is not None:
            wait = min(wait, max(0.0, (deadline - datetime.now(UTC)).total_seconds()))
        await asyncio.sleep(wait)
        deadline = expires_at()
        if deadline is not None and deadline <= datetime.now(UTC):
            await sock.close(CLOSE_UNAUTHORIZED, "the token expired; send an auth frame in time")
            return
        await close_unless_allowed(sock, check)


async def close_unless_allowed(sock: FrameSocket, check: Credential) -> None:
    try:
        await check()
    except DomainError as exc:
        log.info("socket.credential_ended", code=exc.code)
        await sock.close(close_code_for(exc), exc.detail)


async def run_until_closed(
    sock: FrameSocket,
    events: AsyncIterator[Event],
    on_event: Callable[[Event], Awaitable[None]],
    reading: Awaitable[None],
    guard: Awaitable[None] | None = None,
    *others: Awaitable[None],
) -> None:
    """Reads frames and hands them to `handle`, while events go to `on_event` and `guard`
    watches the credential; whichever ends first (a close) ends them all."""
    tasks = [
        asyncio.ensure_future(reading),
        asyncio.create_task(sock.pump_events(events, on_event)),
    ]
    if guard is not None:
        tasks.append(asyncio.ensure_future(guard))
    tasks += [asyncio.ensure_future(other) for other in others]
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task


def resume_point(socket: WebSocket[Any, Any, Any]) -> int | None:
    """`?after=<seq>`: the last message number the client saw, or None (live only)."""
    raw = socket.query_params.get("after")
    if raw is None or raw == "":
        return None
    if not raw.isdigit() or len(raw) > 12:
        raise ValidationFailed.on("after", "must be a message number (0 or more)")
    return int(raw)
