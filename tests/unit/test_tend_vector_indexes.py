"""The idle worker's vector-index step: which workspace gets an index of its own, when."""

from __future__ import annotations

import uuid

import pytest

from application.idle_work import IdleWork
from application.use_cases.tend_vector_indexes import TendVectorIndexes
from domain.ids import WorkspaceId


def ws(n: int) -> WorkspaceId:
    return WorkspaceId(uuid.UUID(int=n))


class FakeIndexes:
    def __init__(self, sizes: dict[WorkspaceId, int], busy: bool = False) -> None:
        self.chunks, self.busy = sizes, busy
        self.indexes: dict[WorkspaceId, bool] = {}
        self.calls: list[tuple[str, WorkspaceId]] = []

    async def sizes(self) -> dict[WorkspaceId, int]:
        return {w: n for w, n in self.chunks.items() if n}

    async def indexed(self) -> dict[WorkspaceId, bool]:
        return dict(self.indexes)

    async def build(self, workspace_id: WorkspaceId) -> bool:
        self.calls.append(("build", workspace_id))
        if not self.busy:
            self.indexes[workspace_id] = True
        return not self.busy

    async def drop(self, workspace_id: WorkspaceId) -> bool:
        self.calls.append(("drop", workspace_id))
        if not self.busy:
            del self.indexes[workspace_id]
        return not self.busy


async def test_the_largest_workspace_gets_an_index_first_one_a_call() -> None:
    indexes = FakeIndexes({ws(1): 5_000, ws(2): 90_000, ws(3): 3_999})
    assert await TendVectorIndexes(indexes).execute() == 1
    assert indexes.calls == [("build", ws(2))]


async def test_every_workspace_from_the_size_gets_one() -> None:
    indexes = FakeIndexes({ws(1): 5_000, ws(2): 90_000, ws(3): 3_999, ws(4): 4_000})
    tend = TendVectorIndexes(indexes)
    while await tend.execute():
        pass
    assert indexes.calls == [
        ("build", ws(2)),
        ("build", ws(1)),
        ("build", ws(4)),
    ]


async def test_an_incomplete_index_is_built_again() -> None:
    indexes = FakeIndexes({ws(1): 5_000})
    indexes.indexes[ws(1)] = False
    assert await TendVectorIndexes(indexes).execute() == 1
    assert indexes.calls == [("build", ws(1))] and indexes.indexes == {ws(1): True}


async def test_an_index_goes_when_its_workspace_shrinks_below_the_keeping_size_or_is_gone() -> None:
    indexes = FakeIndexes({ws(1): 1_999, ws(2): 2_000, ws(3): 0})
    indexes.indexes = {ws(1): True, ws(2): True, ws(3): True}
    tend = TendVectorIndexes(indexes)
    while await tend.execute():
        pass
    assert sorted(indexes.calls) == [("drop", ws(1)), ("drop", ws(3))]
    assert indexes.indexes == {ws(2): True}  # between the sizes: kept, never made


async def test_nothing_is_done_while_another_process_tends_them() -> None:
    indexes = FakeIndexes({ws(1): 5_000}, busy=True)
    assert await TendVectorIndexes(indexes).execute() == 0
    indexes.indexes = {ws(2): True}
    assert await TendVectorIndexes(indexes).execute() == 0


def test_the_keeping_size_is_at_most_the_making_size() -> None:
    with pytest.raises(ValueError, match="keep_chunks"):
        TendVectorIndexes(FakeIndexes({}), min_chunks=100, keep_chunks=200)


class Step:
    def __init__(self, result: int | Exception) -> None:
        self.result, self.runs = result, 0

    async def execute(self) -> int:
        self.runs += 1
        if isinstance(self.result, Exception):
            raise self.result
        return self.result


async def test_a_failing_idle_step_does_not_starve_the_steps_after_it() -> None:
    failing, working = Step(PermissionError("must be owner of table chunks")), Step(3)
    assert await IdleWork(failing, working).execute() == 3
    assert failing.runs == working.runs == 1


async def test_a_failing_idle_step_is_raised_when_nothing_else_had_work() -> None:
    failing, idle = Step(PermissionError("must be owner of table chunks")), Step(0)
    with pytest.raises(PermissionError):
        await IdleWork(failing, idle).execute()
    assert idle.runs == 1
