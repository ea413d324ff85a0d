"""Whether a new question may be asked now: the caller's rate budgets (client IP, embed
code), then the workspace's, then one message of the plan's monthly allowance."""

from __future__ import annotations

from application.ports.clock import Clock
from application.ports.rate_limiter import (
    Budget,
    RateDecision,
    RateLimit,
    RateLimiter,
    refused,
    tightest,
)
from application.ports.unit_of_work import UnitOfWork
from domain.errors import found
from domain.ids import WorkspaceId
from domain.plans import PlanCatalog, billing_month

TOO_MANY = "Too many messages; try again shortly."


class Admission:
    def __init__(
        self, limiter: RateLimiter, workspace_limit: RateLimit, plans: PlanCatalog, clock: Clock
    ) -> None:
        self._limiter, self._workspace_limit = limiter, workspace_limit
        self._plans, self._clock = plans, clock
        # Each plan's monthly messages: the quota statement reads the workspace's plan itself.
        self._allowances = {
            plan: limits.messages_per_month for plan, limits in plans.limits.items()
        }

    async def admit(
        self,
        tx: UnitOfWork,
        workspace_id: WorkspaceId,
        budgets: tuple[Budget, ...],
        refusal: str | None,
    ) -> RateDecision:
        """Spends the budgets, then takes the message from the quota inside `tx`: a refused
        or rolled-back message costs no quota, and concurrent ones never overshoot it.
        Returns the budget nearest to refusal (for the response headers)."""
        rate = await self._spend(workspace_id, budgets, refusal or TOO_MANY)
        month = billing_month(self._clock.now())
        taken = await tx.usage.take_message(workspace_id, month, self._allowances)
        plan, counted = found(taken, "Workspace")
        if not counted:
            raise self._plans.for_plan(plan).message_quota_exceeded(plan)
        return rate

    async def _spend(
        self, workspace_id: WorkspaceId, budgets: tuple[Budget, ...], refusal: str
    ) -> RateDecision:
        """Every chat message of a workspace, widget or API, shares its one budget."""
        workspace = Budget(f"workspace:{workspace_id}", self._workspace_limit)
        decisions = []
        for budget in (*budgets, workspace):
            decision = await self._limiter.hit(budget.key, budget.limit)
            if not decision.allowed:
                raise refused(decision, refusal)
            decisions.append(decision)
        return tightest(decisions)
