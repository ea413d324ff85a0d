"""Report windows and buckets follow the zone's own calendar, not a fixed UTC offset."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

import pytest

from domain.analytics import Interval, Outcome, ReportWindow, SessionRecord, day_bounds
from domain.errors import ValidationFailed
from domain.ids import SessionId, WorkspaceId


def window(first: date, last: date, tz: str) -> ReportWindow:
    return ReportWindow.parse(first, last, tz, today=last)


def test_the_night_clocks_go_back_has_25_hours_and_two_one_oclocks() -> None:
    day = window(date(2026, 10, 25), date(2026, 10, 25), "Europe/London")
    starts = [s.isoformat() for s in day.bucket_starts(Interval.HOUR)]
    assert len(starts) == 25
    assert starts[1:3] == ["2026-10-25T01:00:00+01:00", "2026-10-25T01:00:00+00:00"]
    assert day.end - day.start == timedelta(hours=25)


def test_quarter_hour_zones_and_the_date_line() -> None:
    kathmandu = window(date(2026, 1, 1), date(2026, 1, 1), "Asia/Kathmandu")
    assert kathmandu.start == datetime(2025, 12, 31, 18, 15, tzinfo=UTC)
    kiritimati = window(date(2026, 1, 1), date(2026, 1, 1), "Pacific/Kiritimati")
    assert kiritimati.start == datetime(2025, 12, 31, 10, 0, tzinfo=UTC)


def test_a_day_whose_midnight_does_not_exist_starts_when_the_clock_resumes() -> None:
    # Chile moved its clocks from 24:00 to 01:00 on 2022-09-11.
    day = window(date(2022, 9, 11), date(2022, 9, 11), "America/Santiago")
    assert day.start == datetime(2022, 9, 11, 4, 0, tzinfo=UTC)  # 01:00 at -03:00
    assert day.bucket_starts(Interval.DAY)[0].isoformat() == "2022-09-11T01:00:00-03:00"
    assert len(day.bucket_starts(Interval.HOUR)) == 23


def test_weeks_start_on_the_monday_before_and_bounds_clip_to_the_window() -> None:
    w = window(date(2026, 3, 28), date(2026, 4, 8), "UTC")
    starts = w.bucket_starts(Interval.WEEK)
    assert [s.date().isoformat() for s in starts] == ["2026-03-23", "2026-03-30", "2026-04-06"]
    bounds = w.bounds(starts)
    assert bounds[0] == w.start and bounds[-1] == w.end and bounds == sorted(bounds)


def test_windows_are_checked() -> None:
    with pytest.raises(ValidationFailed):
        window(date(2026, 1, 1), date(2026, 3, 1), "UTC").bucket_starts(Interval.HOUR)
    for tz in ("Mars/Base", "UTC+5", "../etc/passwd", "", "x" * 100):
        with pytest.raises(ValidationFailed):
            ReportWindow.parse(None, None, tz or " ", today=date(2026, 1, 1))
    assert ReportWindow.parse(None, None, "utc", today=date(2026, 1, 1)).zone.key == "UTC"
    default = ReportWindow.parse(None, None, None, today=date(2026, 1, 30))
    assert (default.first, default.last) == (date(2026, 1, 1), date(2026, 1, 30))
    assert day_bounds(None, None, None) == (None, None)
    with pytest.raises(ValidationFailed):
        day_bounds(date(2026, 1, 2), date(2026, 1, 1), "UTC")


T0 = datetime(2026, 1, 1, tzinfo=UTC)
ANSWERED = {"grounded_answers": 1, "last_bot_action": "answered"}


def session(**facts: object) -> SessionRecord:
    record = SessionRecord(WorkspaceId(uuid.uuid4()), SessionId(uuid.uuid4()), None, "k", T0)
    for name, value in facts.items():
        setattr(record, name, value)
    return record


@pytest.mark.parametrize(
    ("facts", "hours_later", "outcome"),
    [
        (ANSWERED, 23, Outcome.PENDING),
        (ANSWERED, 24, Outcome.RESOLVED),
        ({"grounded_answers": 1, "last_bot_action": "no_answer"}, 48, Outcome.UNRESOLVED),
        ({"grounded_answers": 0, "last_bot_action": "no_answer"}, 48, Outcome.UNRESOLVED),
        ({**ANSWERED, "rated_down": True}, 1, Outcome.UNRESOLVED),
        ({**ANSWERED, "taken_over": True}, 1, Outcome.HANDOFF),
        ({**ANSWERED, "agent_wrote": True}, 48, Outcome.HANDOFF),
        ({**ANSWERED, "visitor_after": True}, 48, Outcome.UNRESOLVED),
    ],
)  # fmt: skip
def test_resolution(facts: dict[str, object], hours_later: int, outcome: Outcome) -> None:
    visitor_after = facts.pop("visitor_after", False)
    record = session(**facts, last_answer_at=T0, last_visitor_at=T0 - timedelta(seconds=1))
    if visitor_after:
        record.last_visitor_at = T0 + timedelta(minutes=1)  # asked again, never answered
    assert record.outcome(T0 + timedelta(hours=hours_later)) is outcome
