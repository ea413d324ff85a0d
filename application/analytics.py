"""What every analytics report shares: who may read it and the slice of time it covers."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from application.ports.analytics import Slice
from application.ports.clock import Clock
from application.principal import Principal
from domain.analytics import ReportWindow, parse_zone
from domain.roles import Permission


@dataclass(frozen=True, slots=True)
class ReportInput:
    """`first` and `last` are inclusive dates in the zone `tz` (an IANA name, default UTC);
    left out, the report covers the 30 days up to today."""

    first: date | None = None
    last: date | None = None
    tz: str | None = None
    embed_code_id: uuid.UUID | None = None


def open_report(principal: Principal, inp: ReportInput, clock: Clock) -> tuple[ReportWindow, Slice]:
    """Owners, admins and agents read analytics; the window is checked before any I/O."""
    principal.require(Permission.READ_ANALYTICS)
    now = clock.now()
    today = now.astimezone(parse_zone(inp.tz)).date()  # the caller's today, in their zone
    window = ReportWindow.parse(inp.first, inp.last, inp.tz, today)
    return window, Slice(window.start, window.end, now, inp.embed_code_id)
