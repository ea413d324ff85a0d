"""What a socket that reconnects with `?after=<seq>` missed: every stored message of its
session numbered after that, in order, read a page at a time, however long the session.

The socket has checked its caller's access to the session before it asks; the pages are
read in the session's workspace only."""

from __future__ import annotations

from collections.abc import AsyncIterator

from application.ports.unit_of_work import UnitOfWorkFactory
from domain.conversations import Message
from domain.ids import SessionId, WorkspaceId

PAGE = 500


class Replay:
    def __init__(self, uow: UnitOfWorkFactory, page: int = PAGE) -> None:
        self._uow, self._page = uow, page

    async def pages(
        self, workspace_id: WorkspaceId, session_id: SessionId, after: int
    ) -> AsyncIterator[list[Message]]:
        while True:
            async with self._uow.tenant(workspace_id) as tx:
                page = await tx.conversations.messages_after(
                    workspace_id, session_id, after, self._page
                )
            if page:
                yield page
            if len(page) < self._page:
                return
            after = page[-1].seq
