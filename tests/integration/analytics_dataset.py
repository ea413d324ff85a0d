"""A workspace with known traffic around Europe's 2026 clock change, for exact analytics.

Europe/Amsterdam moves from +01:00 to +02:00 at 2026-03-29T01:00Z; Asia/Kolkata is +05:30.
Each session below notes its local day in UTC, Amsterdam and Kolkata; the expected
figures in the tests follow from these lines by hand.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from application.ports.unit_of_work import UnitOfWorkFactory
from domain.accounts import Workspace
from domain.conversations import Action, Conversation, Message, Role, Source, normalise_query
from domain.documents import Document, DocumentStatus, MimeType
from domain.embed_codes import EmbedCode
from domain.feedback import Feedback, Rating
from domain.ids import (
    DocumentId,
    EmbedCodeId,
    SessionId,
    UserId,
    WorkspaceId,
)
from domain.plans import Plan

NOW = datetime(2026, 4, 2, 12, 0, tzinfo=UTC)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@dataclass
class Dataset:
    workspace: Workspace
    help_centre: EmbedCodeId
    shop: EmbedCodeId
    returns: DocumentId
    shipping: DocumentId
    warranty: DocumentId
    sessions: dict[str, SessionId] = field(default_factory=dict)


class _Writer:
    def __init__(self, uow: UnitOfWorkFactory, ws: WorkspaceId) -> None:
        self.uow, self.ws = uow, ws

    async def session(
        self, started: datetime, code: EmbedCodeId | None, visitor: str | None
    ) -> SessionId:
        sid = SessionId(uuid.uuid4())
        async with self.uow.tenant(self.ws) as tx:
            await tx.conversations.add(Conversation(sid, self.ws, started, started, code, visitor))
            await tx.commit()
        return sid

    async def ask(
        self,
        sid: SessionId,
        when: datetime,
        text: str,
        action: Action | None = None,
        confidence: float = 0.0,
        latency_ms: int = 0,
        sources: tuple[DocumentId, ...] = (),
        rating: Rating | None = None,
    ) -> None:
        """A visitor's question and, with an `action`, the bot's reply a second later."""
        async with self.uow.tenant(self.ws) as tx:
            conversation = await tx.conversations.get(self.ws, sid, for_update=True)
            assert conversation is not None
            question = conversation.post(Role.VISITOR, text, when, query=normalise_query(text))
            await tx.conversations.add_message(question)
            if action is not None:
                reply = conversation.answer(
                    question,
                    "reply",
                    when + timedelta(seconds=1),
                    sources=[Source(d, "t", "s") for d in sources],
                    confidence=confidence,
                    action=action,
                    latency_ms=latency_ms,
                )
                await tx.conversations.add_message(reply)
            await tx.conversations.save(conversation)
            await tx.commit()
        if rating is not None:
            await self.rate(reply, rating)

    async def rate(self, reply: Message, rating: Rating) -> None:
        async with self.uow.tenant(self.ws) as tx:
            feedback = Feedback(reply.id, self.ws, reply.session_id, rating, "a comment", NOW)
            await tx.conversations.save_feedback(feedback)
            await tx.commit()

    async def take_over(self, sid: SessionId, when: datetime) -> None:
        async with self.uow.tenant(self.ws) as tx:
            conversation = await tx.conversations.get(self.ws, sid, for_update=True)
            assert conversation is not None
            conversation.take_over(None)
            agent = conversation.post(
                Role.AGENT, "a person here", when, author_id=UserId(uuid.uuid4())
            )
            await tx.conversations.add_message(agent)
            await tx.conversations.save(conversation)
            await tx.commit()


async def new_workspace(uow: UnitOfWorkFactory) -> Workspace:
    ws = Workspace(WorkspaceId(uuid.uuid4()), "Acme", Plan.PRO, at("2026-01-01T00:00:00"))
    async with uow.system() as tx:
        await tx.workspaces.add(ws)
        await tx.commit()
    return ws


async def _knowledge(
    uow: UnitOfWorkFactory, ws: WorkspaceId
) -> tuple[list[DocumentId], list[EmbedCodeId]]:
    documents = []
    codes = []
    async with uow.tenant(ws) as tx:
        for title, chunks in (("Returns", 3), ("Shipping", 2), ("Warranty", 1)):
            doc = Document(
                DocumentId(uuid.uuid4()),
                ws,
                title,
                f"{title.lower()}.md",
                MimeType.MARKDOWN,
                10,
                uuid.uuid4().hex,
                DocumentStatus.READY,
                NOW,
                NOW,
                chunk_count=chunks,
            )
            await tx.documents.add(doc, b"content")
            documents.append(doc.id)
        for name in ("Help centre", "Shop"):
            code = EmbedCode(
                EmbedCodeId(uuid.uuid4()), ws, name, f"ccgpt_pk_{uuid.uuid4().hex}", NOW, NOW
            )
            await tx.embed_codes.add(code)
            codes.append(code.id)
        await tx.commit()
    return documents, codes


async def known_traffic(uow: UnitOfWorkFactory) -> Dataset:
    ws = await new_workspace(uow)
    (returns, shipping, warranty), (help_centre, shop) = await _knowledge(uow, ws.id)
    data = Dataset(ws, help_centre, shop, returns, shipping, warranty)
    w = _Writer(uow, ws.id)
    s = data.sessions
    # Outside every window tested: 2026-03-20.
    s["old"] = await w.session(at("2026-03-20T10:00:00"), help_centre, "v1")
    await w.ask(s["old"], at("2026-03-20T10:00:00"), "Old question", Action.ANSWERED, 0.7, 100)
    # S1: UTC 03-28, Amsterdam 03-29 00:30 (+01), Kolkata 03-29 05:00. Resolved.
    s["s1"] = await w.session(at("2026-03-28T23:30:00"), help_centre, "v1")
    await w.ask(
        s["s1"], at("2026-03-28T23:30:00"), "How do I return an item?", Action.ANSWERED,
        0.8, 400, (returns,), Rating.UP,
    )  # fmt: skip
    # S2: UTC 03-29 00:45, Amsterdam 03-29 01:45 (+01), Kolkata 03-29 06:15. Last: no_answer.
    s["s2"] = await w.session(at("2026-03-29T00:45:00"), help_centre, "v1")
    await w.ask(
        s["s2"], at("2026-03-29T00:45:00"), "how do I  return an ITEM", Action.ANSWERED,
        0.6, 600, (returns, shipping),
    )  # fmt: skip
    await w.ask(
        s["s2"], at("2026-03-29T00:50:00"), "Do you ship to Mars?", Action.NO_ANSWER, 0.1, 200
    )
    # S3: UTC 03-29 18:20, Amsterdam 20:20 (+02), Kolkata 03-29 23:50. Rated down.
    s["s3"] = await w.session(at("2026-03-29T18:20:00"), shop, "v2")
    await w.ask(
        s["s3"], at("2026-03-29T18:20:00"), "Where is my parcel?", Action.ANSWERED,
        0.45, 1000, (shipping,), Rating.UP,
    )  # fmt: skip
    async with uow.tenant(ws.id) as tx:  # the visitor changes their mind
        thread = await tx.conversations.messages(ws.id, s["s3"])
    await w.rate(thread[-1], Rating.DOWN)
    # S4: anonymous; UTC 03-29 18:40, Amsterdam 20:40, Kolkata 03-30 00:10. Taken over.
    s["s4"] = await w.session(at("2026-03-29T18:40:00"), shop, None)
    await w.ask(
        s["s4"], at("2026-03-29T18:40:00"), "Where is my parcel??", Action.NO_ANSWER, 0.2, 300
    )
    await w.take_over(s["s4"], at("2026-03-29T18:45:00"))
    await w.ask(s["s4"], at("2026-03-29T18:50:00"), "hello?")  # a person holds it: no bot reply
    # S5: API, anonymous; UTC 04-01 20:00, Amsterdam 04-01 22:00, Kolkata 04-02 01:30. Pending.
    s["s5"] = await w.session(at("2026-04-01T20:00:00"), None, None)
    await w.ask(
        s["s5"], at("2026-04-01T20:00:00"), "What is the warranty?", Action.ANSWERED,
        0.9, 500, (returns,),
    )  # fmt: skip
    # S6: a widget opened, nothing asked: not a session of the reports.
    s["s6"] = await w.session(at("2026-03-30T10:00:00"), help_centre, "v3")
    return data


async def other_tenant_traffic(uow: UnitOfWorkFactory) -> Workspace:
    """Traffic in another workspace on the same days: it must never show up."""
    ws = await new_workspace(uow)
    w = _Writer(uow, ws.id)
    sid = await w.session(at("2026-03-29T12:00:00"), None, "v1")
    await w.ask(
        sid, at("2026-03-29T12:00:00"), "How do I return an item?", Action.ANSWERED, 0.9, 50
    )
    return ws
