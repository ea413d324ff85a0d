"""Chat for API clients, and the conversations API for people handling them."""

from __future__ import annotations

import uuid

from litestar import Controller, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody

from adapters.inbound.http import chat_schemas as c
from adapters.inbound.http.problems import rate_limit_headers
from application.pagination import PageRequest
from application.ports.conversations import ConversationFilter
from application.principal import Principal
from application.use_cases.answer_message import AnswerMessage, AskInput
from application.use_cases.conversations import HandOver, PostAgentMessage, ReadConversations
from domain.conversations import ConversationStatus
from domain.errors import ValidationFailed
from domain.ids import SessionId
from domain.roles import Permission


class ChatController(Controller):
    path = "/api/v1/chat"
    tags = ["chat"]

    @post(status_code=200)
    async def ask(
        self,
        data: JSONBody[c.ChatBody],
        principal: NamedDependency[Principal],
        answer_message: NamedDependency[AnswerMessage],
    ) -> Response[c.ChatOut]:
        principal.require(Permission.READ_WORKSPACE)
        session = SessionId(data.session_id) if data.session_id else None
        inp = AskInput(data.message, session, data.client_message_id)
        reply = await answer_message.execute(principal.workspace_id, inp)
        rate = reply.rate
        headers = rate_limit_headers(rate.limit, rate.remaining, rate.reset_after) if rate else {}
        return Response(c.chat_out(reply), headers=headers)


class ConversationController(Controller):
    path = "/api/v1/conversations"
    tags = ["conversations"]

    @get()
    async def list_conversations(
        self,
        principal: NamedDependency[Principal],
        read_conversations: NamedDependency[ReadConversations],
        status: FromQuery[str | None] = None,
        embed_code_id: FromQuery[uuid.UUID | None] = None,
        limit: FromQuery[int | None] = None,
        cursor: FromQuery[str | None] = None,
    ) -> c.ConversationPage:
        where = ConversationFilter(_status(status), embed_code_id)
        page = await read_conversations.list(principal, where, PageRequest.parse(limit, cursor))
        items = [c.conversation_out(item) for item in page.items]
        return c.ConversationPage(items=items, next_cursor=page.next_cursor)

    @get("/{session_id:uuid}")
    async def read(
        self,
        session_id: FromPath[uuid.UUID],
        principal: NamedDependency[Principal],
        read_conversations: NamedDependency[ReadConversations],
    ) -> c.ThreadOut:
        thread = await read_conversations.get(principal, SessionId(session_id))
        return c.thread_out(thread.conversation, thread.messages)

    @post("/{session_id:uuid}/takeover", status_code=200)
    async def take_over(
        self,
        session_id: FromPath[uuid.UUID],
        principal: NamedDependency[Principal],
        hand_over: NamedDependency[HandOver],
    ) -> c.ConversationOut:
        return c.conversation_out(await hand_over.take_over(principal, SessionId(session_id)))

    @post("/{session_id:uuid}/release", status_code=200)
    async def release(
        self,
        session_id: FromPath[uuid.UUID],
        principal: NamedDependency[Principal],
        hand_over: NamedDependency[HandOver],
    ) -> c.ConversationOut:
        return c.conversation_out(await hand_over.release(principal, SessionId(session_id)))

    @post("/{session_id:uuid}/messages", status_code=201)
    async def reply(
        self,
        session_id: FromPath[uuid.UUID],
        data: JSONBody[c.AgentMessageBody],
        principal: NamedDependency[Principal],
        post_agent_message: NamedDependency[PostAgentMessage],
    ) -> c.MessageOut:
        message = await post_agent_message.execute(principal, SessionId(session_id), data.text)
        return c.MessageOut.of(message)


def _status(value: str | None) -> ConversationStatus | None:
    if value is None:
        return None
    try:
        return ConversationStatus(value)
    except ValueError:
        raise ValidationFailed.on("status", "must be bot, handoff or closed") from None
