"""Content gaps: unserved questions grouped by meaning, ranked by the visitors affected."""

from __future__ import annotations

import uuid
from datetime import date

from adapters.outbound.memory.analytics import InMemoryAnalyticsReadModel
from adapters.outbound.memory.clock import FixedClock
from adapters.outbound.memory.question_vectors import InMemoryQuestionVectors
from adapters.outbound.memory.unit_of_work import InMemoryUnitOfWorkFactory
from application.analytics import ReportInput
from application.principal import Principal
from application.use_cases.find_content_gaps import FindContentGaps
from domain.content_gaps import cosine, group_by_meaning
from domain.conversations import Action
from domain.feedback import Rating
from domain.ids import ChunkId, DocumentId, WorkspaceId
from domain.knowledge import FoundChunk
from domain.roles import Role
from tests.integration.analytics_dataset import NOW, _Writer, at, new_workspace

TOPICS = {"parcel": 0, "package": 0, "mars": 1, "refund": 2, "money back": 2}
DELIVERY_DOC = DocumentId(uuid.uuid4())
REFUND_DOC = DocumentId(uuid.uuid4())


class TopicEmbedder:
    """Questions on one topic get one direction; it counts how often it is asked."""

    name = "topics"

    def __init__(self) -> None:
        self.embedded: list[str] = []

    async def embed_documents(self, texts: list[str]) -> list[list[float]]:
        self.embedded += texts
        return [self._vector(t) for t in texts]

    async def embed_query(self, text: str) -> list[float]:
        return self._vector(text)

    def count_tokens(self, text: str) -> int:
        return len(text.split())

    def _vector(self, text: str) -> list[float]:
        vector = [0.0, 0.0, 0.0, 0.1]
        for word, axis in TOPICS.items():
            if word in text:
                vector[axis] = 1.0
        return vector


class NearestByTopic:
    async def nearest(
        self, workspace_id: WorkspaceId, vector: list[float], limit: int
    ) -> list[FoundChunk]:
        def chunk(doc: DocumentId, title: str, score: float) -> FoundChunk:
            return FoundChunk(ChunkId(uuid.uuid4()), doc, title, "t", None, None, score, score)

        delivery, refund = vector[0] * 0.9 + 0.1, vector[2] * 0.8 + 0.05
        return [chunk(DELIVERY_DOC, "Delivery", delivery), chunk(DELIVERY_DOC, "Delivery", 0.2),
                chunk(REFUND_DOC, "Refunds", refund)]  # fmt: skip

    async def candidates(self, *args: object) -> object:
        raise NotImplementedError


def test_leader_clustering_follows_the_leaders() -> None:
    # 2 is close to 0 and to 1: it joins 0's group, the first. 3 is close to 2 only: 2
    # leads nothing, so 3 starts a group (no chaining through members).
    close = {(0, 2), (1, 2), (2, 3), (1, 4)}
    assert group_by_meaning(5, close) == [[0, 2], [1, 4], [3]]
    assert cosine([1.0, 0.0], [0.0, 0.0]) == 0.0


async def test_gaps_group_paraphrases_and_rank_by_visitors() -> None:
    uow = InMemoryUnitOfWorkFactory()
    ws = await new_workspace(uow)
    w = _Writer(uow, ws.id)
    for visitor, text in (("a", "Where is my parcel?"), ("b", "where is my package"),
                          ("c", "Where is my parcel")):  # fmt: skip
        sid = await w.session(at("2026-03-30T10:00:00"), None, visitor)
        await w.ask(sid, at("2026-03-30T10:00:00"), text, Action.NO_ANSWER, 0.1, 100)
    sid = await w.session(at("2026-03-30T11:00:00"), None, "a")
    await w.ask(sid, at("2026-03-30T11:00:00"), "Can I get a refund?", Action.ANSWERED, 0.3, 100)
    await w.ask(sid, at("2026-03-31T11:00:00"), "money back please", Action.ANSWERED, 0.9, 100,
                rating=Rating.DOWN)  # fmt: skip
    await w.ask(sid, at("2026-03-31T12:00:00"), "Do you ship to Mars?", Action.ANSWERED, 0.9, 100)
    await w.ask(sid, at("2026-03-31T12:00:00"), "Do you ship to Mars?", Action.NO_ANSWER, 0.1, 9)
    embedder = TopicEmbedder()
    gaps = FindContentGaps(
        InMemoryAnalyticsReadModel(uow.store),
        InMemoryQuestionVectors(uow.store),
        embedder,
        NearestByTopic(),
        FixedClock(NOW),
    )
    inp = ReportInput(date(2026, 3, 30), date(2026, 3, 31), "UTC")
    found = await gaps.execute(Principal(ws.id, Role.AGENT), inp, None)
    assert [(g.label, g.count, g.visitors, g.examples) for g in found] == [
        ("where is my parcel", 3, 3, ["where is my parcel", "where is my package"]),
        ("can i get a refund", 2, 1, ["can i get a refund", "money back please"]),
        ("do you ship to mars", 1, 1, ["do you ship to mars"]),  # answered once: not a gap
    ]
    parcel = found[0]
    assert (parcel.first_asked_at, parcel.last_asked_at) == (at("2026-03-30T10:00:00"),) * 2
    assert [(d.title, d.score) for d in parcel.nearest_documents] == [
        ("Delivery", 1.0),
        ("Refunds", 0.05),
    ]
    nearest_refund = found[1].nearest_documents[0]
    assert (nearest_refund.document_id, nearest_refund.title) == (REFUND_DOC, "Refunds")
    assert len(await gaps.execute(Principal(ws.id, Role.AGENT), inp, 1)) == 1
    assert sorted(embedder.embedded) == sorted(
        ["where is my parcel", "where is my package", "can i get a refund", "money back please",
         "do you ship to mars"]
    )  # fmt: skip  # each question embedded once, though asked for twice
    other = await new_workspace(uow)
    assert await gaps.execute(Principal(other.id, Role.AGENT), inp, None) == []
