"""Use cases of the public widget: a page on an allowed origin opens a session with an embed
code's public key, then chats, reads its history, rates answers and asks for a person."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from application.events import ConversationStarted, HandoffChanged
from application.ports.clock import Clock
from application.ports.rate_limiter import Budget, RateDecision, RateLimit, RateLimiter, refused
from application.ports.realtime import Realtime
from application.ports.token_issuer import TokenIssuer, WidgetClaims
from application.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory
from application.use_cases.answer_message import AnswerMessage, AskInput, Reply
from application.use_cases.conversations import Thread
from domain.conversations import Conversation, clean_visitor_id
from domain.embed_codes import EmbedCode, normalise_origin
from domain.errors import Forbidden, NotFound, OriginNotAllowed, Unauthorized
from domain.feedback import Feedback
from domain.ids import MessageId, SessionId, new_uuid


@dataclass(frozen=True, slots=True)
class WidgetAccess:
    """An embed code opened by a page on an origin it allows ("" when the caller sent none)."""

    code: EmbedCode
    origin: str

    def ip_budget(self, client_ip: str, limit: RateLimit) -> Budget:
        # Keyed by workspace too: visitors behind one NAT on two customers' sites
        # must not spend each other's budget.
        return Budget(f"ip:{self.code.workspace_id}:{client_ip}", limit)

    def embed_budget(self, limit: RateLimit) -> Budget:
        return Budget(f"embed:{self.code.id}", limit)


@dataclass(frozen=True, slots=True)
class WidgetSession:
    session_id: SessionId
    session_token: str
    expires_at: datetime
    rate: RateDecision


@dataclass(frozen=True, slots=True)
class WidgetLimits:
    per_ip: RateLimit
    per_embed_code: RateLimit


class OpenWidget:
    """Every widget request starts here: a current, active key and an allowed origin."""

    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def execute(
        self, public_key: str, origin: str | None, own_origins: tuple[str, ...] = ()
    ) -> WidgetAccess:
        """`own_origins` are this service's own (the preview page): always allowed."""
        if not public_key:
            raise Unauthorized("An embed key is required: the X-Embed-Key header or ?key=.")
        async with self._uow.system() as tx:
            code = await tx.embed_codes.find_by_public_key(public_key)
        if code is None or not code.active:
            raise Unauthorized("This embed key is unknown, replaced or switched off.")
        page = normalise_origin(origin)
        ours = page is not None and page in {normalise_origin(o) for o in own_origins}
        if not (ours or code.allows(origin)):
            raise OriginNotAllowed("This site is not allowed to use this chat widget.")
        return WidgetAccess(code, page or "")


class WidgetSessionTokens:
    """Reads a session token and checks it against the request it came with."""

    def __init__(self, tokens: TokenIssuer) -> None:
        self._tokens = tokens

    def issue(self, access: WidgetAccess, session_id: SessionId) -> tuple[str, int]:
        claims = WidgetClaims(
            session_id,
            access.code.workspace_id,
            access.code.id,
            access.code.key_fingerprint,
            access.origin,
        )
        signed = self._tokens.issue_widget(claims)
        return signed.token, signed.expires_in

    def check(self, access: WidgetAccess, token: str | None) -> WidgetClaims:
        if not token:
            raise Unauthorized("A session token is required: the X-Session-Token header.")
        claims = self._tokens.read_widget(token)
        code = access.code
        if claims.embed_code_id != code.id or claims.key_fingerprint != code.key_fingerprint:
            raise Unauthorized("This session was opened with another key; start a new one.")
        if claims.origin != access.origin:
            raise OriginNotAllowed("This session was opened on another site.")
        return claims

    def check_session(
        self, access: WidgetAccess, token: str | None, session_id: SessionId
    ) -> WidgetClaims:
        claims = self.check(access, token)
        if claims.session_id != session_id:
            raise Forbidden("This session token opens another session.")
        return claims


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
        conversation = Conversation(
            SessionId(new_uuid()), code.workspace_id, now, now, code.id, visitor
        )
        async with self._uow.tenant(code.workspace_id) as tx:
            await tx.conversations.add(conversation)
            await tx.commit()
        await self._realtime.publish(ConversationStarted.of(conversation))
        token, ttl = self._tokens.issue(access, conversation.id)
        return WidgetSession(conversation.id, token, now + timedelta(seconds=ttl), decision)


class WidgetChat:
    """A visitor's messages, history, feedback and request for a person, in their session."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        tokens: WidgetSessionTokens,
        clock: Clock,
        answer_message: AnswerMessage,
        limits: WidgetLimits,
        realtime: Realtime,
    ) -> None:
        self._uow, self._tokens, self._clock = uow, tokens, clock
        self._answer, self._limits, self._realtime = answer_message, limits, realtime

    async def ask(
        self,
        access: WidgetAccess,
        token: str | None,
        session_id: SessionId,
        text: str,
        client_message_id: str | None,
        client_ip: str,
    ) -> Reply:
        self._tokens.check_session(access, token, session_id)
        code = access.code
        inp = AskInput(
            text,
            session_id,
            client_message_id,
            embed_code_id=code.id,
            no_answer_message=code.settings.no_answer_message,
            budgets=(
                access.ip_budget(client_ip, self._limits.per_ip),
                access.embed_budget(self._limits.per_embed_code),
            ),
            rate_limited_message=code.settings.rate_limited_message,
        )
        return await self._answer.execute(code.workspace_id, inp)

    async def history(
        self, access: WidgetAccess, token: str | None, session_id: SessionId
    ) -> Thread:
        """The session's messages, oldest first, and who holds it (bot or a person)."""
        self._tokens.check_session(access, token, session_id)
        workspace_id = access.code.workspace_id
        async with self._uow.tenant(workspace_id) as tx:
            conversation = await _conversation(tx, access, session_id)
            return Thread(conversation, await tx.conversations.messages(workspace_id, session_id))

    async def conversation(
        self, access: WidgetAccess, token: str | None, session_id: SessionId
    ) -> Conversation:
        """The session without its messages: who holds it."""
        self._tokens.check_session(access, token, session_id)
        async with self._uow.tenant(access.code.workspace_id) as tx:
            return await _conversation(tx, access, session_id)

    async def rate(
        self,
        access: WidgetAccess,
        token: str | None,
        message_id: MessageId,
        rating: str,
        comment: str | None,
    ) -> Feedback:
        claims = self._tokens.check(access, token)
        workspace_id = access.code.workspace_id
        async with self._uow.tenant(workspace_id) as tx:
            message = await tx.conversations.get_message(workspace_id, message_id)
            if message is None:
                raise NotFound("Message not found.")
            if message.session_id != claims.session_id:
                raise Forbidden("This session token opens another session.")
            feedback = Feedback.on(message, rating, comment, self._clock.now())
            await tx.conversations.save_feedback(feedback)
            await tx.commit()
        return feedback

    async def request_person(
        self, access: WidgetAccess, token: str | None, session_id: SessionId
    ) -> Conversation:
        """The visitor asks for a human: the bot falls silent until an agent releases it."""
        self._tokens.check_session(access, token, session_id)
        if not access.code.settings.handoff_enabled:
            raise Forbidden("This chat does not offer a person.")
        workspace_id = access.code.workspace_id
        async with self._uow.tenant(workspace_id) as tx:
            conversation = await _conversation(tx, access, session_id, for_update=True)
            if not conversation.bot_answers:
                return conversation
            conversation.take_over(None)
            await tx.conversations.save(conversation)
            await tx.commit()
        await self._realtime.publish(HandoffChanged.of(conversation))
        return conversation


async def _conversation(
    tx: UnitOfWork, access: WidgetAccess, session_id: SessionId, *, for_update: bool = False
) -> Conversation:
    found = await tx.conversations.get(access.code.workspace_id, session_id, for_update=for_update)
    if found is None:
        raise NotFound("Conversation not found.")
    return found
