"""Plans and their limits: the rules a workspace's usage must stay within."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import StrEnum

from domain.errors import PayloadTooLarge, QuotaExceeded, ValidationFailed

UNLIMITED = -1
MIB = 1024 * 1024


class Plan(StrEnum):
    FREE = "free"
    PRO = "pro"
    ENTERPRISE = "enterprise"

    @classmethod
    def parse(cls, value: str) -> Plan:
        try:
            return cls(value)
        except ValueError:
            allowed = ", ".join(p.value for p in cls)
            raise ValidationFailed.on("plan", f"must be one of {allowed}") from None


@dataclass(frozen=True, slots=True)
class ParseBudget:
    """What reading one uploaded file may cost: wall-clock seconds and memory."""

    seconds: float
    memory_mb: int


@dataclass(frozen=True, slots=True)
class PlanLimits:
    """Limits of one plan; -1 means unlimited (for parsing: the deployment's own cap)."""

    documents: int
    storage_mb: int
    max_file_mb: int
    messages_per_month: int
    embed_codes: int
    seats: int
    parse_seconds: int = UNLIMITED
    parse_memory_mb: int = UNLIMITED

    def parse_budget(self, cap: ParseBudget) -> ParseBudget:
        """The plan's budget for reading one file, never above the deployment's cap."""
        seconds = cap.seconds if self.parse_seconds == UNLIMITED else self.parse_seconds
        memory = cap.memory_mb if self.parse_memory_mb == UNLIMITED else self.parse_memory_mb
        return ParseBudget(min(seconds, cap.seconds), min(memory, cap.memory_mb))

    def as_dict(self) -> dict[str, int]:
        return dataclasses.asdict(self)

    def check_can_add_seat(self, plan: Plan, seats_in_use: int) -> None:
        _check(plan, "seats", self.seats, seats_in_use + 1)

    def check_can_add_embed_code(self, plan: Plan, embed_codes: int) -> None:
        _check(plan, "embed_codes", self.embed_codes, embed_codes + 1)

    def message_quota_exceeded(self, plan: Plan) -> QuotaExceeded:
        return QuotaExceeded(
            f"The {plan.value} plan allows {self.messages_per_month} messages a month and they "
            "are used up; upgrade the plan or wait for next month."
        )

    def check_file_size(self, plan: Plan, size_bytes: int) -> None:
        if self.max_file_mb != UNLIMITED and size_bytes > self.max_file_mb * MIB:
            raise PayloadTooLarge(
                f"The {plan.value} plan accepts files up to {self.max_file_mb} MB; "
                "upgrade the plan for larger files."
            )

    def check_can_add_document(self, plan: Plan, usage: Usage, size_bytes: int) -> None:
        _check(plan, "documents", self.documents, usage.documents + 1)
        if (
            self.storage_mb != UNLIMITED
            and usage.storage_bytes + size_bytes > self.storage_mb * MIB
        ):
            raise QuotaExceeded(
                f"The {plan.value} plan allows {self.storage_mb} MB of documents in all; "
                "delete documents or upgrade the plan."
            )


def _check(plan: Plan, name: str, limit: int, wanted: int) -> None:
    if limit != UNLIMITED and wanted > limit:
        raise QuotaExceeded(
            f"The {plan.value} plan allows {limit} {name.replace('_', ' ')}; "
            "upgrade the plan to lift this limit."
        )


BUILT_IN_LIMITS: Mapping[Plan, PlanLimits] = {
    Plan.FREE: PlanLimits(
        documents=20,
        storage_mb=50,
        max_file_mb=10,
        messages_per_month=500,
        embed_codes=2,
        seats=1,
        parse_seconds=20,
        parse_memory_mb=512,
    ),
    Plan.PRO: PlanLimits(
        documents=1000,
        storage_mb=5000,
        max_file_mb=50,
        messages_per_month=20000,
        embed_codes=20,
        seats=10,
        parse_seconds=60,
        parse_memory_mb=1024,
    ),
    Plan.ENTERPRISE: PlanLimits(
        documents=UNLIMITED,
        storage_mb=UNLIMITED,
        max_file_mb=UNLIMITED,
        messages_per_month=UNLIMITED,
        embed_codes=UNLIMITED,
        seats=UNLIMITED,
    ),
}

LIMIT_NAMES = frozenset(f.name for f in dataclasses.fields(PlanLimits))


@dataclass(frozen=True, slots=True)
class PlanCatalog:
    """The limits in force for each plan (built-in, possibly overridden)."""

    limits: Mapping[Plan, PlanLimits]

    def for_plan(self, plan: Plan) -> PlanLimits:
        return self.limits[plan]

    @classmethod
    def built_in(cls) -> PlanCatalog:
        return cls(dict(BUILT_IN_LIMITS))

    @classmethod
    def with_overrides(cls, overrides: Mapping[str, Mapping[str, int]]) -> PlanCatalog:
        """Apply `{plan: {limit: value}}`; a key left out keeps the built-in value."""
        merged = dict(BUILT_IN_LIMITS)
        for plan_name, values in overrides.items():
            plan = Plan.parse(plan_name)
            unknown = set(values) - LIMIT_NAMES
            if unknown:
                raise ValidationFailed.on(f"plans.{plan_name}", f"unknown keys {sorted(unknown)}")
            for key, value in values.items():
                if not isinstance(value, int) or isinstance(value, bool) or value < UNLIMITED:
                    raise ValidationFailed.on(f"plans.{plan_name}.{key}", "must be an int >= -1")
            merged[plan] = dataclasses.replace(merged[plan], **values)
        return cls(merged)


@dataclass(frozen=True, slots=True)
class Usage:
    """What a workspace consumes of its plan right now."""

    documents: int = 0
    storage_bytes: int = 0
    messages_this_month: int = 0
    embed_codes: int = 0
    seats: int = 0


def billing_month(moment: datetime) -> date:
    """Months roll over in UTC."""
    utc = moment.astimezone(UTC)
    return date(utc.year, utc.month, 1)
