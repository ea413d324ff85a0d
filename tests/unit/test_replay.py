"""A socket resuming with `?after=` gets every stored message after it, however long the
session: `Replay` reads it a page at a time, in `seq` order, in its own workspace only."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from adapters.outbound.memory.unit_of_work import InMemoryUnitOfWorkFactory
from application.replay import Replay
from domain.accounts import Workspace
from domain.conversations import Conversation, Message, Role
from domain.ids import MessageId, SessionId, WorkspaceId
from domain.plans import Plan

NOW = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)


async def session_of(uow: InMemoryUnitOfWorkFactory, messages: int) -> Conversation:
    ws = Workspace(WorkspaceId(uuid.uuid4()), "Acme", Plan.PRO, NOW)
    async with uow.system() as tx:
        await tx.workspaces.add(ws)
        await tx.commit()
    c = Conversation(SessionId(uuid.uuid4()), ws.id, NOW, NOW)
    async with uow.tenant(ws.id) as tx:
        await tx.conversations.add(c)
        for seq in range(1, messages + 1):
            await tx.conversations.add_message(
                Message(MessageId(uuid.uuid4()), ws.id, c.id, Role.AGENT, f"m{seq}", NOW, seq=seq)
            )
        await tx.commit()
    return c


async def seqs(replay: Replay, c: Conversation, after: int) -> list[list[int]]:
    return [[m.seq for m in page] async for page in replay.pages(c.workspace_id, c.id, after)]


async def test_every_message_after_the_seq_comes_a_page_at_a_time() -> None:
    uow = InMemoryUnitOfWorkFactory()
    c = await session_of(uow, 7)
    replay = Replay(uow, page=3)
    assert await seqs(replay, c, 0) == [[1, 2, 3], [4, 5, 6], [7]]
    assert await seqs(replay, c, 1) == [[2, 3, 4], [5, 6, 7]]
    assert await seqs(replay, c, 6) == [[7]]
    assert await seqs(replay, c, 7) == []


async def test_a_session_of_another_workspace_replays_nothing() -> None:
    uow = InMemoryUnitOfWorkFactory()
    c = await session_of(uow, 2)
    other = await session_of(uow, 0)
    pages = Replay(uow).pages(other.workspace_id, c.id, 0)
    assert [page async for page in pages] == []
