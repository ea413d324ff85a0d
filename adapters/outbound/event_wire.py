"""An event on the wire between server processes (Redis pub/sub, PostgreSQL NOTIFY): its
class name, then its fields, as JSON."""

from __future__ import annotations

import msgspec

from application.events import EVENT_TYPES, Event

_BY_NAME: dict[str, type[Event]] = {kind.__name__: kind for kind in EVENT_TYPES}


class _Envelope(msgspec.Struct, frozen=True):
    kind: str
    event: msgspec.Raw


_ENCODER = msgspec.json.Encoder()


def encode(event: Event) -> bytes:
    return _ENCODER.encode(_Envelope(type(event).__name__, msgspec.Raw(_ENCODER.encode(event))))


def decode(raw: bytes | str) -> Event:
    envelope = msgspec.json.decode(raw, type=_Envelope)
    return msgspec.json.decode(envelope.event, type=_BY_NAME[envelope.kind])
