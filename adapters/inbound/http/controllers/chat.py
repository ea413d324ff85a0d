"""Chat for API clients, and the conversations API for people handling them."""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal, cast

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter

from adapters.inbound.http.event_stream import answer_as_events, wants_event_stream
from adapters.inbound.http.problems import rate_limit_headers
from adapters.inbound.http.schemas import chat as c
from application.pagination import PageRequest
from application.ports.conversations import ConversationFilter
from application.principal import Principal
from application.use_cases.answer_message import AnswerMessage, AskInput
from application.use_cases.list_conversations import ListConversations
from application.use_cases.post_agent_message import PostAgentMessage
from application.use_cases.read_conversation import ReadConversation
from application.use_cases.release_conversation import ReleaseConversation
from application.use_cases.take_over import TakeOver
from domain.conversations import ConversationStatus
from domain.errors import ValidationFailed
from domain.ids import SessionId
from domain.roles import Permission

ORDER = (
    "`newest` (the default): the most recently started conversation first, as an inbox "
    "reads; `oldest`: the first started first. A cursor continues in the order it is sent with."
)


class ChatController(Controller):
    path = "/api/v1/chat"
    tags = ["chat"]

    @post(status_code=200)
    async def ask(
        self,
        request: Request[Any, Any, Any],
        data: JSONBody[c.ChatBody],
        principal: NamedDependency[Principal],
        answer_message: NamedDependency[AnswerMessage],
    ) -> Response[c.ChatOut]:
        """With `Accept: text/event-stream`, the answer streams as server-sent events:
        `token` (`{message_id, delta, seq}`) while it is written, then `message` (this
        JSON body)."""
        principal.require(Permission.READ_WORKSPACE)
        session = SessionId(data.session_id) if data.session_id else None
        inp = AskInput(data.message, session, data.client_message_id)
        if wants_event_stream(request):
            events = await answer_as_events(
                lambda sink: answer_message.execute(principal.workspace_id, inp, sink),
                c.chat_out,
            )
            return cast(Response[c.ChatOut], events)
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
        list_conversations: NamedDependency[ListConversations],
        status: FromQuery[str | None] = None,
        embed_code_id: FromQuery[uuid.UUID | None] = None,
        limit: FromQuery[int | None] = None,
        cursor: FromQuery[str | None] = None,
        order: Annotated[Literal["newest", "oldest"], QueryParameter(description=ORDER)] = "newest",
    ) -> c.ConversationPage:
        where = ConversationFilter(_status(status), embed_code_id)
        paging = PageRequest.parse(limit, cursor, newest_first=order == "newest")
        page = await list_conversations.execute(principal, where, paging)
        return c.ConversationPage.of(page, c.conversation_out)

    @get("/{session_id:uuid}")
    async def read(
        self,
        session_id: FromPath[uuid.UUID],
        principal: NamedDependency[Principal],
        read_conversation: NamedDependency[ReadConversation],
    ) -> c.ThreadOut:
        thread = await read_conversation.execute(principal, SessionId(session_id))
        return c.thread_out(thread.conversation, thread.messages)

    @post("/{session_id:uuid}/takeover", status_code=200)
    async def take_over_conversation(
        self,
        session_id: FromPath[uuid.UUID],
        principal: NamedDependency[Principal],
        take_over: NamedDependency[TakeOver],
    ) -> c.ConversationOut:
        return c.conversation_out(await take_over.execute(principal, SessionId(session_id)))

    @post("/{session_id:uuid}/release", status_code=200)
    async def release(
        self,
        session_id: FromPath[uuid.UUID],
        principal: NamedDependency[Principal],
        release_conversation: NamedDependency[ReleaseConversation],
    ) -> c.ConversationOut:
        conversation = await release_conversation.execute(principal, SessionId(session_id))
        return c.conversation_out(conversation)

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
