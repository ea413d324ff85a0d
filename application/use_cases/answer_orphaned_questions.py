"""Use case: answer the questions whose request died before their answer was stored (a
database outage, a restarted process). Runs on start and every so often; the answer is
recorded under the conversation's lock, like a retry's, so never twice."""

from __future__ import annotations

from datetime import timedelta

import structlog

from application.answer_recording import AnswerRecorder
from application.answering import DEFAULT_NO_ANSWER
from application.drafting import Drafting
from application.ports.clock import Clock
from application.ports.unit_of_work import UnitOfWorkFactory
from domain.conversations import Message
from domain.ids import EmbedCodeId

log = structlog.get_logger()
# A question younger than this may still have its request working on it.
GRACE = timedelta(seconds=60)
# Older ones are left alone: answering a day-old question out of the blue helps nobody.
HORIZON = timedelta(hours=24)
BATCH = 50


class AnswerOrphanedQuestions:
    def __init__(
        self, uow: UnitOfWorkFactory, drafting: Drafting, recorder: AnswerRecorder, clock: Clock
    ) -> None:
        self._uow, self._drafting, self._recorder, self._clock = uow, drafting, recorder, clock

    async def execute(self) -> int:
        """How many orphaned questions got their answer."""
        now = self._clock.now()
        async with self._uow.system() as tx:
            orphans = await tx.conversations.unanswered(now - HORIZON, now - GRACE, BATCH)
        answered = 0
        for question in orphans:
            if await self._answer(question):
                answered += 1
        if answered:
            log.info("answers.orphans_answered", count=answered)
        return answered

    async def _answer(self, question: Message) -> bool:
        workspace_id = question.workspace_id
        async with self._uow.tenant(workspace_id) as tx:
            conversation = await tx.conversations.get(workspace_id, question.session_id)
            if conversation is None:
                return False
            history = await tx.conversations.messages(workspace_id, question.session_id, 50)
            code = None
            if conversation.embed_code_id is not None:
                code = await tx.embed_codes.get(
                    workspace_id, EmbedCodeId(conversation.embed_code_id)
                )
        before = [m for m in history if m.seq < question.seq]
        no_answer = code.settings.no_answer_message if code else DEFAULT_NO_ANSWER
        draft = await self._drafting.draft(workspace_id, question.text, before, no_answer)
        latency_ms = int((self._clock.now() - question.created_at).total_seconds() * 1000)
        answer = await self._recorder.record(question, draft, latency_ms)
        return answer is not None and answer.reply_to == question.id
