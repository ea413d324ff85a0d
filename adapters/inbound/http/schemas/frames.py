"""Every WebSocket frame, in and out, as a typed message.

Frames in are decoded into tagged unions with the same limits as the HTTP bodies (a
129-character `client_message_id` is refused here as it is there); frames out are structs
whose optional fields are left out when unset, so each socket sends only what API.md names.
A message has one wire shape everywhere: `MessageOut` of the HTTP API, here with its tag."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import Annotated, Any, Generic, TypeVar

import msgspec
from msgspec import UNSET, Meta, UnsetType

from adapters.inbound.http.schemas.chat import (
    ClientMessageId,
    MessageOut,
    MessageText,
    messages_out,
)
from application.events import (
    AnswerDelta,
    ConversationStarted,
    HandoffChanged,
    MessagePosted,
    TypingChanged,
)
from domain.conversations import Message
from domain.errors import DomainError, RateLimited

T = TypeVar("T")

# --- in ---------------------------------------------------------------------


class _In(msgspec.Struct, tag_field="type", kw_only=True, forbid_unknown_fields=True):
    pass


class Ping(_In, tag="ping"):
    pass


class Typing(_In, tag="typing"):
    state: bool = False


class Ask(_In, tag="message"):
    text: MessageText
    client_message_id: ClientMessageId | None = None


class AgentTyping(_In, tag="typing"):
    session_id: uuid.UUID
    state: bool = False


class AgentReply(_In, tag="message"):
    session_id: uuid.UUID
    text: MessageText
    client_message_id: ClientMessageId | None = None


class Reauthenticate(_In, tag="auth"):
    token: Annotated[str, Meta(max_length=8192)]


class ClientPong(_In, tag="pong"):
    """The answer to the server's `ping`."""


WidgetFrame = Ping | ClientPong | Typing | Ask
DashboardFrame = Ping | ClientPong | AgentTyping | AgentReply | Reauthenticate


class BadFrame(Exception):
    """A frame that is not one the socket understands; `client_message_id` if it named one."""

    def __init__(self, detail: str, client_message_id: str | None) -> None:
        super().__init__(detail)
        self.detail, self.client_message_id = detail, client_message_id


class FrameDecoder(Generic[T]):
    def __init__(self, frame_type: type[T]) -> None:
        self._decoder = msgspec.json.Decoder(frame_type)

    def decode(self, raw: str | bytes) -> T:
        try:
            frame = self._decoder.decode(raw)
        except msgspec.DecodeError as exc:
            raise BadFrame(_explain(exc), _client_id_in(raw)) from None
        # PostgreSQL cannot store NUL: refused as over HTTP (422), never silently altered.
        for name in getattr(frame, "__struct_fields__", ()):
            value = getattr(frame, name)
            if isinstance(value, str) and "\x00" in value:
                detail = f"`{name}` must not contain the NUL character"
                raise BadFrame(detail, _client_id_in(raw))
        return frame


def _explain(exc: msgspec.DecodeError) -> str:
    text = str(exc)
    if "JSON is malformed" in text or "Input data was truncated" in text:
        return 'Frames are JSON objects with a "type".'
    return text.replace("`$.", "`").replace("`$`", "the frame")


class _Named(msgspec.Struct):
    client_message_id: object = None


def _client_id_in(raw: str | bytes) -> str | None:
    try:
        named = msgspec.json.decode(raw, type=_Named).client_message_id
    except msgspec.DecodeError:
        return None
    return named if isinstance(named, str) and len(named) <= 128 else None


# --- out --------------------------------------------------------------------


class _Out(msgspec.Struct, tag_field="type", kw_only=True):
    pass


class Ready(_Out, tag="ready"):
    session_id: uuid.UUID | UnsetType = UNSET
    status: str | UnsetType = UNSET


class Pong(_Out, tag="pong"):
    pass


class ServerPing(_Out, tag="ping"):
    """Sent to a quiet client; it answers `{"type": "pong"}` (or anything) to stay."""


class TypingOut(_Out, tag="typing"):
    who: str = msgspec.field(name="from")
    state: bool
    session_id: uuid.UUID | UnsetType = UNSET


class HandoffOut(_Out, tag="handoff"):
    state: bool
    seq: int | UnsetType = UNSET
    session_id: uuid.UUID | UnsetType = UNSET


class TokenOut(_Out, tag="token"):
    """A piece of an answer being written; `seq` is the number the answer will have."""

    message_id: uuid.UUID
    delta: str
    seq: int
    session_id: uuid.UUID | UnsetType = UNSET


class MessageFrame(MessageOut, tag="message", tag_field="type", kw_only=True):
    session_id: uuid.UUID | UnsetType = UNSET


class MessageCreated(MessageOut, tag="message.created", tag_field="type", kw_only=True):
    session_id: uuid.UUID | UnsetType = UNSET  # always set: the dashboard sees many sessions


class PresenceOut(_Out, tag="presence"):
    session_id: uuid.UUID
    online: bool


class StartedOut(_Out, tag="conversation.started"):
    session_id: uuid.UUID
    embed_code_id: uuid.UUID | None
    visitor_id: str | None
    started_at: datetime


class ErrorOut(_Out, tag="error"):
    code: str
    detail: str
    client_message_id: str | UnsetType | None = UNSET
    retry_after: int | UnsetType = UNSET


class AuthOk(_Out, tag="auth.ok"):
    expires_at: datetime | None


Frame = (
    Ready
    | Pong
    | ServerPing
    | TypingOut
    | HandoffOut
    | TokenOut
    | MessageFrame
    | MessageCreated
    | StartedOut
    | PresenceOut
    | ErrorOut
    | AuthOk
)

_ENCODER = msgspec.json.Encoder()


def encode(frame: Frame) -> str:
    return _ENCODER.encode(frame).decode()


def error_out(exc: DomainError, client_message_id: str | UnsetType | None = UNSET) -> ErrorOut:
    retry = exc.retry_after if isinstance(exc, RateLimited) else UNSET
    return ErrorOut(
        code=exc.code, detail=exc.detail, client_message_id=client_message_id, retry_after=retry
    )


def message_frame(event: MessagePosted) -> MessageFrame:
    return MessageFrame(**_fields(MessageOut.of(event.message, event.question_client_id)))


def message_created(event: MessagePosted) -> MessageCreated:
    out = MessageOut.of(event.message, event.question_client_id)
    return MessageCreated(**_fields(out), session_id=event.session_id)


def typing_out(event: TypingChanged, *, with_session: bool = False) -> TypingOut:
    session = event.session_id if with_session else UNSET
    return TypingOut(session_id=session, who=event.who, state=event.state)


def handoff_out(event: HandoffChanged, *, with_session: bool = False) -> HandoffOut:
    session = event.session_id if with_session else UNSET
    return HandoffOut(session_id=session, state=event.state, seq=event.seq)


def token_out(event: AnswerDelta, *, with_session: bool = False) -> TokenOut:
    session = event.session_id if with_session else UNSET
    return TokenOut(
        message_id=event.message_id, delta=event.delta, seq=event.seq, session_id=session
    )


def stored_frames(
    messages: list[Message],
    after: int,
    *,
    with_session: bool = False,
    earlier: Iterable[Message] = (),
) -> list[MessageFrame]:
    """The stored messages numbered after `after`, in order, as `message` frames: what a
    socket that reconnects with `?after=` missed. An answer whose question is among the
    `earlier` messages still carries its client id."""
    return [
        MessageFrame(**_fields(out), session_id=messages[0].session_id if with_session else UNSET)
        for out in messages_out(sorted(messages, key=lambda m: m.seq), earlier)
        if out.seq > after
    ]


def started_out(event: ConversationStarted) -> StartedOut:
    return StartedOut(
        session_id=event.session_id,
        embed_code_id=event.embed_code_id,
        visitor_id=event.visitor_id,
        started_at=event.started_at,
    )


def _fields(out: MessageOut) -> dict[str, Any]:
    return msgspec.structs.asdict(out)
