"""Use case: a visitor asks a question in their widget session (HTTP or socket)."""

from __future__ import annotations

from application.use_cases.answer_message import AnswerMessage, AskInput, DeltaSink, Reply
from application.widget_access import WidgetAccess, WidgetLimits, WidgetSessionTokens
from domain.ids import SessionId


class AskInWidget:
    """Spends the client IP's and the embed code's budgets before the workspace's own."""

    def __init__(
        self, tokens: WidgetSessionTokens, answer_message: AnswerMessage, limits: WidgetLimits
    ) -> None:
        self._tokens, self._answer, self._limits = tokens, answer_message, limits

    async def execute(
        self,
        access: WidgetAccess,
        token: str | None,
        session_id: SessionId,
        text: str,
        client_message_id: str | None,
        client_ip: str,
        on_delta: DeltaSink | None = None,
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
        return await self._answer.execute(code.workspace_id, inp, on_delta)
