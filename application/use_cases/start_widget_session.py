"""Use case: a visitor starts a chat session in the widget."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from application.events import ConversationStarted
from application.ports.clock import Clock
from application.ports.rate_limiter import RateDecision, RateLimiter, refused
from application.ports.realtime import Realtime
from application.ports.unit_of_work import UnitOfWorkFactory
from application.widget_access import WidgetAccess, WidgetLimits, WidgetSessionTokens
from domain.conversations import Conversation, clean_visitor_id
from domain.ids import SessionId


@dataclass(frozen=True, slots=True)
class WidgetSession:
    session_id: SessionId
    session_token: str
    expires_at: datetime
    rate: RateDecision


class StartWidgetSession:
    """A new conversation for a visitor, counted against the client IP's budget."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        tokens: WidgetSessionTokens,
        clock: Clock,
        limiter: RateLimiter,
        limits: WidgetLimits,
        realtime: Realtime,
    ) -> None:
        self._uow, self._tokens, self._clock = uow, tokens, clock
        self._limiter, self._limits, self._realtime = limiter, limits, realtime

    async def execute(
        self, access: WidgetAccess, client_ip: str, visitor_id: str | None
    ) -> WidgetSession:
        visitor = clean_visitor_id(visitor_id)
        budget = access.ip_budget(client_ip, self._limits.per_ip)
        decision = await self._limiter.hit(budget.key, budget.limit)
        if not decision.allowed:
            raise refused(decision, access.code.settings.rate_limited_message)
        code, now = access.code, self._clock.now()
        conversation = Conversation.start(code.workspace_id, now, code.id, visitor)
        async with self._uow.tenant(code.workspace_id) as tx:
            await tx.conversations.add(conversation)
            await tx.commit()
        await self._realtime.publish(ConversationStarted.of(conversation))
        token, ttl = self._tokens.issue(access, conversation.id)
        return WidgetSession(conversation.id, token, now + timedelta(seconds=ttl), decision)
