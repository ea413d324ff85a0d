"""Logs are JSON lines, standard-library records and tracebacks included; repeated
warnings are counted instead of repeated."""

from __future__ import annotations

import json
import logging
import time

import pytest
import structlog

from bootstrap.logging import QuietRepeats, configure_logging
from tests.conftest import make_settings


def lines(text: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def test_every_line_is_json_with_tracebacks_but_no_locals(
    capsys: pytest.CaptureFixture[str], tmp_path: object
) -> None:
    configure_logging(make_settings(log_json=True, log_level="info", data_dir=str(tmp_path)))
    secret = "hunter2"  # noqa: F841 - a local a traceback must not show
    try:
        raise ZeroDivisionError("boom")
    except ZeroDivisionError:
        structlog.get_logger().exception("ours.failed")
        logging.getLogger("asyncio").exception("theirs.failed")
    logging.getLogger("some.library").warning("plain words")
    out = lines(capsys.readouterr().err)
    events = {line["event"]: line for line in out}
    assert {"ours.failed", "theirs.failed", "plain words"} <= events.keys()
    assert events["theirs.failed"]["logger"] == "asyncio"
    for name in ("ours.failed", "theirs.failed"):
        frames = events[name]["exception"][0]["frames"]  # type: ignore[index]
        assert frames and "hunter2" not in json.dumps(events[name])


def test_a_repeated_warning_is_dropped_then_counted() -> None:
    quiet = QuietRepeats(window_seconds=0.05)
    assert quiet(None, "warning", {"event": "redis.unavailable"}) == {"event": "redis.unavailable"}
    for _ in range(3):
        with pytest.raises(structlog.DropEvent):
            quiet(None, "warning", {"event": "redis.unavailable"})
    assert quiet(None, "info", {"event": "redis.unavailable"}) == {"event": "redis.unavailable"}
    time.sleep(0.06)
    assert quiet(None, "warning", {"event": "redis.unavailable"})["repeated"] == 3
    assert "repeated" not in quiet(None, "warning", {"event": "other"})
