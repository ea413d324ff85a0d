"""Realtime across server processes through PostgreSQL's LISTEN/NOTIFY, for processes that
share a database and no Redis: `ccgpt serve --workers N` on the embedded default turns it on
(CCGPT_EVENTS=database does it for separate processes on one database).

Each process publishes on one connection of its own (so one process's events, an answer's
tokens say, keep their order) and listens on another; every process hears every event and
hands it to its own sockets on the event's channels, its own events included (one path,
one order). A NOTIFY payload must stay under 8,000 bytes, so an event is sent in parts of
at most 1,900 characters (4 bytes each at most), all in one statement: one transaction,
delivered together and in order; the listener joins them again. When the database cannot
be reached the event goes to this process's sockets only, as with Redis away, and the
listener connects again; clients catch up with `after`."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

import structlog
from prometheus_client import Counter
from psycopg import AsyncConnection, sql

from adapters.outbound.event_wire import decode, encode
from adapters.outbound.memory.realtime import InMemoryRealtime, drain
from application.events import Event

log = structlog.get_logger()
CHANNEL = "ccgpt_events"
PART_CHARS = 1900
RETRY_SECONDS = 1.0
LISTENING_WAIT_SECONDS = 5.0
MAX_PARTIAL_EVENTS = 64
FALLBACKS = Counter(
    "ccgpt_realtime_database_fallbacks_total",
    "Realtime events delivered in this process only because the database could not carry them",
)


class PostgresRealtime:
    def __init__(self, conninfo: Callable[[], str]) -> None:
        self._conninfo = conninfo
        self._local = InMemoryRealtime()
        self._publisher: AsyncConnection | None = None
        self._publishing = asyncio.Lock()
        self._listener: asyncio.Task[None] | None = None
        self._listening = asyncio.Event()
        self._parts: dict[str, list[str]] = {}

    async def publish(self, event: Event) -> None:
        parts = split(encode(event).decode())
        notify = sql.SQL("pg_notify({}, %s)").format(sql.Literal(CHANNEL))
        statement = sql.SQL("SELECT {}").format(sql.SQL(", ").join([notify] * len(parts)))
        try:
            async with self._publishing:
                if self._publisher is None or self._publisher.closed:
                    self._publisher = await AsyncConnection.connect(
                        self._conninfo(), autocommit=True
                    )
                await self._publisher.execute(statement, parts)
        except Exception as exc:  # never raises: this process's sockets at least
            FALLBACKS.inc()
            log.warning("realtime.database_publish_failed", error=type(exc).__name__)
            await self._drop_publisher()
            self._local.deliver(event)

    @asynccontextmanager
    async def subscribe(self, *channels: str) -> AsyncIterator[AsyncIterator[Event]]:
        """Returns once this process listens (or after a few seconds of trying)."""
        queue = self._local.attach(channels)
        try:
            if self._listener is None or self._listener.done():
                self._listener = asyncio.get_running_loop().create_task(self._listen())
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._listening.wait(), LISTENING_WAIT_SECONDS)
            yield drain(queue)
        finally:
            self._local.detach(channels, queue)

    async def _listen(self) -> None:
        while True:
            try:
                conn = await AsyncConnection.connect(self._conninfo(), autocommit=True)
                async with conn:
                    await conn.execute(sql.SQL("LISTEN {}").format(sql.Identifier(CHANNEL)))
                    self._listening.set()
                    async for note in conn.notifies():
                        self._received(note.payload)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                self._listening.clear()
                self._parts.clear()
                log.warning("realtime.database_listen_failed", error=type(exc).__name__)
                await asyncio.sleep(RETRY_SECONDS)

    def _received(self, payload: str) -> None:
        try:
            key, index, count, text = payload.split(":", 3)
            position, total = int(index), int(count)
        except ValueError:  # not one of ours: someone else's NOTIFY on the channel
            log.warning("realtime.database_notification_ignored")
            return
        if key not in self._parts and len(self._parts) >= MAX_PARTIAL_EVENTS:
            self._parts.clear()  # never expected (parts arrive together): stay bounded
        parts = self._parts.setdefault(key, [])
        if position != len(parts):  # a part missing: the event cannot be read
            self._parts.pop(key, None)
            return
        parts.append(text)
        if len(parts) < total:
            return
        del self._parts[key]
        try:
            event = decode("".join(parts))
        except Exception as exc:
            log.warning("realtime.database_event_unreadable", error=type(exc).__name__)
            return
        self._local.deliver(event)

    async def _drop_publisher(self) -> None:
        publisher, self._publisher = self._publisher, None
        if publisher is not None:
            with contextlib.suppress(Exception):
                await publisher.close()

    async def aclose(self) -> None:
        if self._listener is not None:
            self._listener.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._listener
        await self._drop_publisher()


def split(payload: str) -> list[str]:
    """`key:index:count:text` parts of at most PART_CHARS characters of the payload."""
    pieces = [payload[i : i + PART_CHARS] for i in range(0, len(payload), PART_CHARS)] or [""]
    key = uuid.uuid4().hex
    return [f"{key}:{n}:{len(pieces)}:{piece}" for n, piece in enumerate(pieces)]
