"""Analytics: the report window in a time zone, its buckets, and what a resolved session is."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from domain.errors import ValidationFailed
from domain.ids import SessionId, WorkspaceId

# A bot answer below this confidence is "low confidence" (quality report, content gaps).
LOW_CONFIDENCE = 0.5
# A session is resolved by the bot once the visitor has been quiet this long after its answer.
RESOLUTION_QUIET = timedelta(hours=24)
EARLIEST_DAY = date(1900, 1, 1)
LATEST_DAY = date(9998, 12, 31)
MAX_DAYS = 366
MAX_HOURLY_DAYS = 31


class Interval(StrEnum):
    HOUR = "hour"
    DAY = "day"
    WEEK = "week"

    @classmethod
    def parse(cls, value: str | None) -> Interval:
        try:
            return cls(value or "day")
        except ValueError:
            raise ValidationFailed.on("interval", "must be hour, day or week") from None


def parse_zone(name: str | None) -> ZoneInfo:
    """An IANA zone name; numeric offsets are refused (they give wrong days across DST)."""
    raw = (name or "UTC").strip()
    raw = "UTC" if raw.casefold() == "utc" else raw
    if not raw or raw.startswith(("/", ".")) or ".." in raw or len(raw) > 64:
        raise ValidationFailed.on("tz", "must be an IANA time zone name such as Europe/Amsterdam")
    try:
        return ZoneInfo(raw)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise ValidationFailed.on(
            "tz", "must be an IANA time zone name such as Europe/Amsterdam"
        ) from None


def local_midnight(day: date, zone: ZoneInfo) -> datetime:
    """The instant a local day starts (a zone that skips midnight starts it at the gap's end)."""
    naive = datetime(day.year, day.month, day.day)
    for minutes in range(0, 24 * 60, 15):
        moment = (naive + timedelta(minutes=minutes)).replace(tzinfo=zone)
        # A time that does not exist in the zone does not survive a round trip through UTC.
        if moment.astimezone(UTC).astimezone(zone).replace(tzinfo=None) == (
            naive + timedelta(minutes=minutes)
        ):
            return moment
    return naive.replace(tzinfo=zone)  # pragma: no cover - no zone skips a whole day's start


@dataclass(frozen=True, slots=True)
class ReportWindow:
    """`first` to `last` (inclusive local dates) in `zone`: from local midnight to midnight."""

    first: date
    last: date
    zone: ZoneInfo

    @classmethod
    def parse(
        cls, first: date | None, last: date | None, tz: str | None, today: date
    ) -> ReportWindow:
        zone = parse_zone(tz)
        _within_calendar(first, last)
        last = last or today
        first = first or (last - timedelta(days=29))
        if first > last:
            raise ValidationFailed.on("from", "must not be after to")
        if (last - first).days >= MAX_DAYS:
            raise ValidationFailed.on("to", f"a report covers at most {MAX_DAYS} days")
        return cls(first, last, zone)

    @property
    def start(self) -> datetime:
        """In UTC: arithmetic on datetimes sharing a zone is wall-clock arithmetic."""
        return local_midnight(self.first, self.zone).astimezone(UTC)

    @property
    def end(self) -> datetime:
        """Exclusive: the start of the day after `last`, in UTC."""
        return local_midnight(self.last + timedelta(days=1), self.zone).astimezone(UTC)

    def bucket_starts(self, interval: Interval) -> list[datetime]:
        """Every bucket's start in local time, in order; a week may start before the window."""
        if interval is Interval.HOUR:
            if (self.last - self.first).days >= MAX_HOURLY_DAYS:
                raise ValidationFailed.on(
                    "interval", f"hourly buckets cover at most {MAX_HOURLY_DAYS} days"
                )
            # Whole UTC hours from local midnight: each is a local hour start, and the two
            # hours called 02:00 on the night clocks go back stay two buckets.
            start, end = self.start, self.end
            count = int((end - start).total_seconds() // 3600)
            return [(start + timedelta(hours=h)).astimezone(self.zone) for h in range(count)]
        step = 7 if interval is Interval.WEEK else 1
        day = self.first - timedelta(days=self.first.weekday()) if step == 7 else self.first
        starts = []
        while day <= self.last:
            starts.append(local_midnight(day, self.zone).astimezone(self.zone))
            day += timedelta(days=step)
        return starts

    def bounds(self, starts: list[datetime]) -> list[datetime]:
        """Bucket edges clipped to the window: bucket i holds bounds[i] <= t < bounds[i + 1]."""
        return [max(s.astimezone(UTC), self.start) for s in starts] + [self.end]


def _within_calendar(first: date | None, last: date | None) -> None:
    """Dates whose local midnights, week starts and next days exist in every zone (the
    edges of the calendar overflowed into a 500)."""
    for field, day in (("from", first), ("to", last)):
        if day is not None and not EARLIEST_DAY <= day <= LATEST_DAY:
            raise ValidationFailed.on(
                field, f"must be between {EARLIEST_DAY.isoformat()} and {LATEST_DAY.isoformat()}"
            )


def day_bounds(
    first: date | None, last: date | None, tz: str | None
) -> tuple[datetime | None, datetime | None]:
    """[local midnight of `first`, local midnight after `last`) in UTC; a missing end is open."""
    zone = parse_zone(tz)
    _within_calendar(first, last)
    if first is not None and last is not None and first > last:
        raise ValidationFailed.on("from", "must not be after to")
    start = local_midnight(first, zone).astimezone(UTC) if first else None
    end = local_midnight(last + timedelta(days=1), zone).astimezone(UTC) if last else None
    return start, end


class Outcome(StrEnum):
    RESOLVED = "resolved"
    UNRESOLVED = "unresolved"
    HANDOFF = "handoff"
    PENDING = "pending"


@dataclass(slots=True)
class SessionRecord:
    """What analytics keeps of a session; it outlives the session's erasure."""

    workspace_id: WorkspaceId
    session_id: SessionId
    embed_code_id: uuid.UUID | None
    visitor_key: str
    started_at: datetime
    queries: int = 0
    grounded_answers: int = 0
    last_bot_action: str | None = None
    last_answer_at: datetime | None = None
    last_visitor_at: datetime | None = None
    taken_over: bool = False
    agent_wrote: bool = False
    rated_down: bool = False

    def outcome(self, now: datetime) -> Outcome:
        """Resolved by the bot: a grounded answer, last reply not `no_answer`, no person, no
        thumbs-down, and the visitor quiet for RESOLUTION_QUIET after the last answer."""
        if self.taken_over or self.agent_wrote:
            return Outcome.HANDOFF
        if self.rated_down:
            return Outcome.UNRESOLVED
        last = max(
            (t for t in (self.last_answer_at, self.last_visitor_at) if t is not None),
            default=self.started_at,
        )
        if now - last < RESOLUTION_QUIET:
            return Outcome.PENDING
        answer, visitor = self.last_answer_at, self.last_visitor_at
        quiet = answer is not None and (visitor is None or visitor <= answer)
        grounded = self.grounded_answers > 0 and self.last_bot_action == "answered"
        return Outcome.RESOLVED if grounded and quiet else Outcome.UNRESOLVED


def rate(part: int, whole: int) -> float:
    """A share between 0 and 1, rounded to 4 places; 0 when there is nothing to share."""
    return round(part / whole, 4) if whole else 0.0
