"""RateLimiter port and the limits it enforces."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Protocol

from domain.errors import RateLimited, ValidationFailed

_UNITS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}
_PATTERN = re.compile(r"^\s*(\d+)\s*(?:/|per)\s*(\d+)?\s*(second|minute|hour|day)s?\s*$")


@dataclass(frozen=True, slots=True)
class RateLimit:
    """`amount` hits per `period_seconds`, parsed from text such as `30/minute`."""

    amount: int
    period_seconds: int

    @classmethod
    def parse(cls, text: str) -> RateLimit:
        match = _PATTERN.match(text.lower())
        if not match or int(match.group(1)) < 1:
            raise ValidationFailed.on("rate_limit", f"{text!r} is not like '30/minute'")
        multiple = int(match.group(2) or 1)
        return cls(int(match.group(1)), multiple * _UNITS[match.group(3)])


@dataclass(frozen=True, slots=True)
class RateDecision:
    allowed: bool
    limit: int
    remaining: int
    reset_after: int


@dataclass(frozen=True, slots=True)
class Budget:
    """A named budget to spend one unit from, such as `ip:{workspace}:{address}`."""

    key: str
    limit: RateLimit


def tightest(decisions: list[RateDecision]) -> RateDecision:
    """Of one or more decisions, the nearest to refusal: what RateLimit-* headers report."""
    return min(decisions, key=lambda d: (d.remaining, -d.reset_after))


def refused(decision: RateDecision, detail: str) -> RateLimited:
    """The error for a refused decision, carrying what the RateLimit-* headers need."""
    return RateLimited(detail, retry_after=decision.reset_after, limit=decision.limit, remaining=0)


class RateLimiter(Protocol):
    """Moving-window counters shared by everyone who uses the same key."""

    async def hit(self, key: str, limit: RateLimit) -> RateDecision:
        """Consume one unit if there is room; says whether it was allowed."""
        ...

    async def peek(self, key: str, limit: RateLimit) -> RateDecision:
        """The state of the window without consuming anything."""
        ...
