"""One contract for every ConversationRepository: the memory fake and PostgreSQL behave alike."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from adapters.outbound.postgres.engine import runtime_engine
from adapters.outbound.postgres.unit_of_work import PostgresUnitOfWorkFactory
from application.pagination import PageRequest
from application.ports.conversations import ConversationFilter
from application.ports.unit_of_work import UnitOfWorkFactory
from domain.accounts import Workspace
from domain.conversations import Action, Conversation, ConversationStatus, Message, Role, Source
from domain.errors import Conflict
from domain.ids import DocumentId, MessageId, SessionId, UserId, WorkspaceId
from domain.plans import Plan

NOW = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
WINDOW = 500  # messages()'s default limit: lookups by id must not stop there


async def new_workspace(uow: UnitOfWorkFactory) -> WorkspaceId:
    workspace = Workspace(WorkspaceId(uuid.uuid4()), "Acme", Plan.PRO, NOW)
    async with uow.system() as tx:
        await tx.workspaces.add(workspace)
        await tx.commit()
    return workspace.id


def conversation(ws: WorkspaceId, minutes: int = 0, **fields: Any) -> Conversation:
    started = NOW + timedelta(minutes=minutes)
    return Conversation(SessionId(uuid.uuid4()), ws, started, started, **fields)


def message(
    c: Conversation, text: str = "hi", role: Role = Role.VISITOR, seconds: int = 0, **fields: Any
) -> Message:
    """The conversation's next message (numbered, as Conversation.post numbers them)."""
    at = NOW + timedelta(seconds=seconds)
    c.message_count += 1
    return Message(
        MessageId(uuid.uuid4()), c.workspace_id, c.id, role, text, at, seq=c.message_count, **fields
    )


async def store(uow: UnitOfWorkFactory, c: Conversation, messages: Iterable[Message] = ()) -> None:
    async with uow.tenant(c.workspace_id) as tx:
        await tx.conversations.add(c)
        for m in messages:
            await tx.conversations.add_message(m)
        await tx.commit()


# --- messages ----------------------------------------------------------------


async def test_messages_round_trip_in_the_order_they_were_written(uow: UnitOfWorkFactory) -> None:
    ws = await new_workspace(uow)
    c = conversation(ws)
    question = message(c, "Where is my order?", client_message_id="c-1", query="where is my order")
    answer = message(
        c,
        "It ships Monday.",
        Role.ASSISTANT,
        seconds=-1,  # an earlier clock: the order is the order written, not the time
        sources=[
            Source(DocumentId(uuid.uuid4()), "Shipping", "Ships Monday", 3),
            Source(DocumentId(uuid.uuid4()), "FAQ", "Orders", None),
        ],
        confidence=0.8125,
        action=Action.ANSWERED,
        latency_ms=120,
        reply_to=question.id,
        model="gpt-test",
    )
    human = message(c, "Let me check.", Role.AGENT, seconds=-2, author_id=UserId(uuid.uuid4()))
    await store(uow, c, [question, answer, human])
    async with uow.tenant(ws) as tx:
        assert await tx.conversations.messages(ws, c.id) == [question, answer, human]


async def test_a_limit_keeps_the_latest_messages_oldest_first(uow: UnitOfWorkFactory) -> None:
    ws = await new_workspace(uow)
    c = conversation(ws)
    written = [message(c, f"m{i}") for i in range(5)]
    await store(uow, c, written)
    async with uow.tenant(ws) as tx:
        assert await tx.conversations.messages(ws, c.id, limit=2) == written[3:]
        assert await tx.conversations.messages(ws, c.id, limit=1) == written[4:]
        assert await tx.conversations.messages(ws, c.id, limit=5) == written
        assert await tx.conversations.messages(ws, c.id, limit=50) == written
        assert await tx.conversations.messages(ws, c.id, limit=0) == []


async def test_messages_after_a_seq_come_a_page_at_a_time_in_seq_order(
    uow: UnitOfWorkFactory,
) -> None:
    ws, other = await new_workspace(uow), await new_workspace(uow)
    c = conversation(ws)
    question = message(c, "q")
    agent = message(c, "a person wrote first", Role.AGENT)
    answer = message(c, "late answer", Role.ASSISTANT, reply_to=question.id)
    later = [message(c, f"m{i}") for i in range(4)]
    await store(uow, c, [question, agent, answer, *later])
    written = [question, agent, answer, *later]  # seq order, not reading order
    async with uow.tenant(ws) as tx:
        read = tx.conversations.messages_after
        assert await read(ws, c.id, 0, 100) == written
        assert await read(ws, c.id, 1, 2) == written[1:3]
        assert await read(ws, c.id, 3, 2) == written[3:5]
        assert await read(ws, c.id, 6, 2) == written[6:]
        assert await read(ws, c.id, 7, 2) == []
        assert await read(ws, SessionId(uuid.uuid4()), 0, 10) == []
    async with uow.tenant(other) as tx:
        assert await tx.conversations.messages_after(ws, c.id, 0, 10) == []


async def test_messages_stay_in_their_session_and_workspace(uow: UnitOfWorkFactory) -> None:
    ws_a, ws_b = await new_workspace(uow), await new_workspace(uow)
    first, second, elsewhere = conversation(ws_a), conversation(ws_a), conversation(ws_b)
    await store(uow, first, [message(first, "one")])
    await store(uow, second, [message(second, "two")])
    await store(uow, elsewhere, [message(elsewhere, "three")])
    async with uow.tenant(ws_a) as tx:
        assert [m.text for m in await tx.conversations.messages(ws_a, first.id)] == ["one"]
        assert await tx.conversations.messages(ws_a, SessionId(uuid.uuid4())) == []
    async with uow.tenant(ws_b) as tx:
        assert await tx.conversations.messages(ws_a, first.id) == []
    async with uow.system() as tx:  # the wrong workspace id finds nothing, even unscoped
        assert await tx.conversations.messages(ws_b, first.id) == []


# --- find_by_client_id and find_reply ------------------------------------------


async def test_append_stores_the_message_with_the_conversation_after_it(
    uow: UnitOfWorkFactory,
) -> None:
    ws = await new_workspace(uow)
    c = conversation(ws)
    await store(uow, c)
    question = message(c, "Is it in stock?", client_message_id="c-1", seconds=30)
    c.last_message_at = question.created_at
    async with uow.tenant(ws) as tx:
        await tx.conversations.append(c, question)
        await tx.commit()
    async with uow.tenant(ws) as tx:
        assert await tx.conversations.get(ws, c.id) == c
        assert await tx.conversations.messages(ws, c.id) == [question]
        assert c.message_count == 1


async def test_append_with_a_used_client_id_is_a_conflict_and_keeps_nothing(
    uow: UnitOfWorkFactory,
) -> None:
    ws = await new_workspace(uow)
    c = conversation(ws)
    first = message(c, "first", client_message_id="c-1")
    await store(uow, c, [first])
    before = await _stored(uow, c)
    again = message(c, "again", client_message_id="c-1", seconds=5)
    c.last_message_at = again.created_at
    with pytest.raises(Conflict):
        async with uow.tenant(ws) as tx:
            await tx.conversations.append(c, again)
            await tx.commit()
    assert await _stored(uow, c) == before


async def _stored(uow: UnitOfWorkFactory, c: Conversation) -> tuple[Any, list[Message]]:
    async with uow.tenant(c.workspace_id) as tx:
        held = await tx.conversations.get(c.workspace_id, c.id)
        return held, await tx.conversations.messages(c.workspace_id, c.id)


async def test_find_by_client_id_finds_the_message_in_its_session(uow: UnitOfWorkFactory) -> None:
    ws_a, ws_b = await new_workspace(uow), await new_workspace(uow)
    c, other = conversation(ws_a), conversation(ws_a)
    sent = message(c, "first", client_message_id="c-1")
    later = message(c, "second", client_message_id="c-2")
    same_id_elsewhere = message(other, "other", client_message_id="c-1")
    await store(uow, c, [sent, later])
    await store(uow, other, [same_id_elsewhere])
    async with uow.tenant(ws_a) as tx:
        assert await tx.conversations.find_by_client_id(ws_a, c.id, "c-1") == sent
        assert await tx.conversations.find_by_client_id(ws_a, c.id, "c-2") == later
        assert await tx.conversations.find_by_client_id(ws_a, other.id, "c-1") == same_id_elsewhere
        assert await tx.conversations.find_by_client_id(ws_a, other.id, "c-2") is None
        assert await tx.conversations.find_by_client_id(ws_a, c.id, "c-3") is None
    async with uow.tenant(ws_b) as tx:
        assert await tx.conversations.find_by_client_id(ws_a, c.id, "c-1") is None
    async with uow.system() as tx:
        assert await tx.conversations.find_by_client_id(ws_b, c.id, "c-1") is None


async def test_find_reply_is_the_first_answer_to_that_question(uow: UnitOfWorkFactory) -> None:
    ws_a, ws_b = await new_workspace(uow), await new_workspace(uow)
    c, other = conversation(ws_a), conversation(ws_a)
    answered, unanswered = message(c, "q1"), message(c, "q2")
    reply = message(c, "a1", Role.ASSISTANT, reply_to=answered.id)
    second_reply = message(c, "a1 again", Role.AGENT, seconds=-5, reply_to=answered.id)
    stray = message(other, "not this session", Role.ASSISTANT, reply_to=unanswered.id)
    await store(uow, c, [answered, reply, unanswered, second_reply])
    await store(uow, other, [stray])
    async with uow.tenant(ws_a) as tx:
        assert await tx.conversations.find_reply(ws_a, c.id, answered.id) == reply
        assert await tx.conversations.find_reply(ws_a, c.id, unanswered.id) is None
        assert await tx.conversations.find_reply(ws_a, c.id, reply.id) is None
    async with uow.tenant(ws_b) as tx:
        assert await tx.conversations.find_reply(ws_a, c.id, answered.id) is None
    async with uow.system() as tx:
        assert await tx.conversations.find_reply(ws_b, c.id, answered.id) is None


async def test_lookups_reach_the_start_of_a_long_thread(uow: UnitOfWorkFactory) -> None:
    """An idempotent retry of an early question must find it and its answer, however long
    the thread has grown since: a lookup by id is not a look at the latest messages."""
    ws = await new_workspace(uow)
    c = conversation(ws)
    question = message(c, "early", client_message_id="early-1")
    answer = message(c, "early answer", Role.ASSISTANT, reply_to=question.id)
    chatter = [message(c, f"later {i}", Role.AGENT) for i in range(WINDOW)]
    await store(uow, c, [question, answer, *chatter])
    async with uow.tenant(ws) as tx:
        assert len(await tx.conversations.messages(ws, c.id, limit=WINDOW + 10)) == WINDOW + 2
        assert await tx.conversations.find_by_client_id(ws, c.id, "early-1") == question
        assert await tx.conversations.find_reply(ws, c.id, question.id) == answer


async def test_hold_reads_what_a_new_message_needs_of_its_conversation(
    uow: UnitOfWorkFactory,
) -> None:
    ws_a, ws_b = await new_workspace(uow), await new_workspace(uow)
    c, other = conversation(ws_a), conversation(ws_a)
    question = message(c, "q1", client_message_id="c-1", sources=[])
    answer = message(
        c,
        "a1",
        Role.ASSISTANT,
        reply_to=question.id,
        sources=[Source(DocumentId(uuid.uuid4()), "Shipping", "Ships Monday", 2)],
        confidence=0.5,
        action=Action.ANSWERED,
    )
    later = message(c, "q2", client_message_id="c-2")
    await store(uow, c, [question, answer, later])
    await store(uow, other)
    async with uow.tenant(ws_a) as tx:
        held = await tx.conversations.hold(
            ws_a, c.id, history=2, client_message_id="c-1", reply_to=question.id
        )
        assert held is not None
        assert held.conversation == await tx.conversations.get(ws_a, c.id)
        assert held.history == [answer, later]  # the latest two, oldest first
        assert (held.earlier, held.reply) == (question, answer)
        bare = await tx.conversations.hold(ws_a, c.id)
        assert bare is not None
        assert (bare.history, bare.earlier, bare.reply) == ([], None, None)
        missing = await tx.conversations.hold(
            ws_a, c.id, history=5, client_message_id="c-9", reply_to=later.id
        )
        assert missing is not None
        assert (missing.history, missing.earlier, missing.reply) == (
            [question, answer, later],
            None,
            None,
        )
        empty = await tx.conversations.hold(ws_a, other.id, history=5, reply_to=question.id)
        assert empty is not None
        assert (empty.conversation.id, empty.history, empty.reply) == (other.id, [], None)
        assert await tx.conversations.hold(ws_a, SessionId(uuid.uuid4()), history=5) is None
    async with uow.tenant(ws_b) as tx:
        assert await tx.conversations.hold(ws_a, c.id, history=5) is None
        assert await tx.conversations.hold(ws_b, c.id, history=5) is None


async def test_a_waiting_hold_reads_what_the_holder_before_it_committed(
    database_url: str,
) -> None:
    """Two messages to one session: the second waits for the first's lock, and its history
    and its reply lookup then include what the first stored (the reads run after the lock
    is taken, not from before it). PostgreSQL only: the memory fake runs one transaction
    at a time, so nothing there ever waits on a row."""
    engine = runtime_engine(database_url, pool_size=4)
    try:
        await _two_holds(PostgresUnitOfWorkFactory(engine))
    finally:
        await engine.dispose()


async def _two_holds(uow: UnitOfWorkFactory) -> None:
    ws = await new_workspace(uow)
    c = conversation(ws)
    question = message(c, "q1")
    await store(uow, c, [question])
    first_holds, waiter_started = asyncio.Event(), asyncio.Event()

    async def first() -> None:
        async with uow.tenant(ws) as tx:
            held = await tx.conversations.hold(ws, c.id, history=10)
            assert held is not None
            first_holds.set()
            await waiter_started.wait()
            await asyncio.sleep(0.2)  # the second is waiting on the lock by now
            reply = message(held.conversation, "a1", Role.ASSISTANT, reply_to=question.id)
            await tx.conversations.append(held.conversation, reply)
            await tx.commit()

    async def second() -> tuple[int, list[str], str | None]:
        await first_holds.wait()
        async with uow.tenant(ws) as tx:
            waiter_started.set()
            held = await tx.conversations.hold(ws, c.id, history=10, reply_to=question.id)
            assert held is not None
            reply = held.reply.text if held.reply else None
            return held.conversation.message_count, [m.text for m in held.history], reply

    _, (count, history, reply) = await asyncio.gather(first(), second())
    assert (count, history, reply) == (2, ["q1", "a1"], "a1")


# --- list --------------------------------------------------------------------


async def collect(
    uow: UnitOfWorkFactory,
    ws: WorkspaceId,
    where: ConversationFilter,
    limit: int,
    *,
    newest_first: bool = False,
) -> tuple[list[Conversation], int]:
    """Every page of `list`, in order, and how many pages it took."""
    seen: list[Conversation] = []
    page = PageRequest(limit=limit, newest_first=newest_first)
    pages = 0
    async with uow.tenant(ws) as tx:
        while True:
            result = await tx.conversations.list(ws, where, page)
            assert len(result.items) <= limit
            seen.extend(result.items)
            pages += 1
            if result.next_cursor is None:
                return seen, pages
            page = PageRequest.parse(limit, result.next_cursor, newest_first=newest_first)


async def test_list_pages_by_start_time_then_id(uow: UnitOfWorkFactory) -> None:
    ws = await new_workspace(uow)
    agent = UserId(uuid.uuid4())
    stored = [
        conversation(ws, 2, visitor_id="v-2", message_count=4),
        conversation(ws, 0, embed_code_id=uuid.uuid4(), status=ConversationStatus.CLOSED),
        conversation(ws, 1, status=ConversationStatus.HANDOFF, agent_id=agent),
        conversation(ws, 1),
        conversation(ws, 1),
    ]
    for i, c in enumerate(stored):  # the latest message does not reorder the list
        c.last_message_at = NOW + timedelta(hours=10 - i)
        await store(uow, c)
    expected = sorted(stored, key=lambda c: (c.started_at, c.id))
    seen, pages = await collect(uow, ws, ConversationFilter(), limit=2)
    assert seen == expected
    assert pages == 3
    async with uow.tenant(ws) as tx:
        exact = await tx.conversations.list(ws, ConversationFilter(), PageRequest(limit=5))
        assert exact.items == expected and exact.next_cursor is None
        short = await tx.conversations.list(ws, ConversationFilter(), PageRequest(limit=4))
        assert short.items == expected[:4] and short.next_cursor is not None


async def test_newest_first_pages_the_same_keyset_backwards(uow: UnitOfWorkFactory) -> None:
    ws = await new_workspace(uow)
    stored = [conversation(ws, minutes) for minutes in (3, 0, 1, 1, 1, 2)]
    for c in stored:
        await store(uow, c)
    expected = sorted(stored, key=lambda c: (c.started_at, c.id), reverse=True)
    seen, pages = await collect(uow, ws, ConversationFilter(), limit=4, newest_first=True)
    assert seen == expected  # ties on the start time are broken by id, both ways
    assert pages == 2
    handoff = ConversationFilter(status=ConversationStatus.HANDOFF)
    assert await collect(uow, ws, handoff, limit=1, newest_first=True) == ([], 1)


async def test_a_conversation_started_while_paging_newest_first_is_not_on_later_pages(
    uow: UnitOfWorkFactory,
) -> None:
    ws = await new_workspace(uow)
    for minutes in range(4):
        await store(uow, conversation(ws, minutes))
    async with uow.tenant(ws) as tx:
        first = await tx.conversations.list(ws, ConversationFilter(), PageRequest(2, None, True))
    await store(uow, conversation(ws, 10))  # newer than everything: it belongs on page one
    async with uow.tenant(ws) as tx:
        rest = await tx.conversations.list(
            ws, ConversationFilter(), PageRequest.parse(2, first.next_cursor, newest_first=True)
        )
    older = [c.started_at for c in first.items + rest.items]
    assert older == sorted(older, reverse=True) and len(set(older)) == 4
    assert rest.next_cursor is None


async def test_list_filters_by_status_and_embed_code(uow: UnitOfWorkFactory) -> None:
    ws = await new_workspace(uow)
    code_a, code_b = uuid.uuid4(), uuid.uuid4()
    bot_a = conversation(ws, 0, embed_code_id=code_a)
    handoff_a = conversation(ws, 1, embed_code_id=code_a, status=ConversationStatus.HANDOFF)
    closed_b = conversation(ws, 2, embed_code_id=code_b, status=ConversationStatus.CLOSED)
    bot_api = conversation(ws, 3)
    for c in (bot_a, handoff_a, closed_b, bot_api):
        await store(uow, c)

    async def ids(where: ConversationFilter) -> list[SessionId]:
        seen, _ = await collect(uow, ws, where, limit=1)  # the filter holds across pages
        return [c.id for c in seen]

    assert await ids(ConversationFilter()) == [bot_a.id, handoff_a.id, closed_b.id, bot_api.id]
    assert await ids(ConversationFilter(status=ConversationStatus.BOT)) == [bot_a.id, bot_api.id]
    assert await ids(ConversationFilter(embed_code_id=code_a)) == [bot_a.id, handoff_a.id]
    both = ConversationFilter(status=ConversationStatus.HANDOFF, embed_code_id=code_a)
    assert await ids(both) == [handoff_a.id]
    none = ConversationFilter(status=ConversationStatus.CLOSED, embed_code_id=code_a)
    assert await ids(none) == []


async def test_list_shows_one_workspace_only(uow: UnitOfWorkFactory) -> None:
    ws_a, ws_b = await new_workspace(uow), await new_workspace(uow)
    mine = [conversation(ws_a, 0), conversation(ws_a, 1)]
    theirs = conversation(ws_b, 0)
    for c in (*mine, theirs):
        await store(uow, c)
    everything = ConversationFilter()
    async with uow.tenant(ws_b) as tx:
        assert (await tx.conversations.list(ws_b, everything, PageRequest())).items == [theirs]
        assert (await tx.conversations.list(ws_a, everything, PageRequest())).items == []
    async with uow.system() as tx:
        assert (await tx.conversations.list(ws_a, everything, PageRequest())).items == mine


# --- unanswered --------------------------------------------------------------


async def test_unanswered_finds_bot_held_questions_without_answers_in_the_window(
    uow: UnitOfWorkFactory,
) -> None:
    ws, other_ws = await new_workspace(uow), await new_workspace(uow)
    answered, orphaned, held, theirs = (
        conversation(ws),
        conversation(ws, 1),
        conversation(ws, 2, status=ConversationStatus.HANDOFF),
        conversation(other_ws),
    )
    question = message(answered, "Shipping?", seconds=10)
    await store(
        uow,
        answered,
        [question, message(answered, "2 days", Role.ASSISTANT, 11, reply_to=question.id)],
    )
    lost = message(orphaned, "Returns?", seconds=20)
    too_old = message(orphaned, "Old?", seconds=-3600)
    too_new = message(orphaned, "New?", seconds=600)
    await store(uow, orphaned, [too_old, lost, too_new])
    await store(uow, held, [message(held, "A person please", seconds=30)])
    their_lost = message(theirs, "Theirs?", seconds=40)
    await store(uow, theirs, [their_lost])
    since, before = NOW - timedelta(minutes=5), NOW + timedelta(minutes=5)
    async with uow.system() as tx:  # the shared database holds other tests' messages too
        found = await tx.conversations.unanswered(since, before, 10_000)
        assert [m.id for m in found if m.workspace_id in (ws, other_ws)] == [lost.id, their_lost.id]
    async with uow.tenant(ws) as tx:
        assert [m.id for m in await tx.conversations.unanswered(since, before, 1)] == [lost.id]
    async with uow.tenant(other_ws) as tx:  # a tenant scope sees its own only
        assert [m.id for m in await tx.conversations.unanswered(since, before, 10)] == [
            their_lost.id
        ]
