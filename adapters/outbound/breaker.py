"""A consecutive-failure circuit breaker: closed, open for a while, then one half-open trial."""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

State = Literal["closed", "open", "half_open"]


class CircuitBreaker:
    def __init__(self, *, failures: int, reset_seconds: float, clock: Callable[[], float]) -> None:
        self._threshold = max(1, failures)
        self._reset_seconds = reset_seconds
        self._clock = clock
        self._failures = 0
        self._opened_at: float | None = None
        self._trial_running = False

    @property
    def state(self) -> State:
        if self._opened_at is None:
            return "closed"
        if self._trial_running or self._clock() - self._opened_at >= self._reset_seconds:
            return "half_open"
        return "open"

    def allow(self) -> bool:
        """Whether a call may go ahead; once the reset time is over, one trial at a time."""
        if self._opened_at is None:
            return True
        if self._trial_running or self._clock() - self._opened_at < self._reset_seconds:
            return False
        self._trial_running = True
        return True

    def record(self, succeeded: bool | None) -> None:
        """A call's outcome; None when it ended without one (the caller stopped early)."""
        if succeeded:
            self._failures = 0
            self._opened_at = None
        elif succeeded is not None:
            self._failures += 1
            if self._trial_running or self._failures >= self._threshold:
                self._opened_at = self._clock()
        self._trial_running = False
