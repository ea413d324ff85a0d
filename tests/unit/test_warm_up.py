"""Ready means warm: `loading` until the model is loaded and has embedded one query."""

from __future__ import annotations

import asyncio

from adapters.outbound.memory.embedder import HashingEmbedder
from application.use_cases.check_readiness import CheckReadiness
from application.warm_up import EmbedderWarmth


class SlowModel(HashingEmbedder):
    """Loads when told to; counts the queries it embedded."""

    def __init__(self) -> None:
        super().__init__()
        self.may_load = asyncio.Event()
        self.queries = 0

    async def warm_up(self) -> None:
        await self.may_load.wait()

    async def embed_query(self, text: str) -> list[float]:
        self.queries += 1
        return await super().embed_query(text)


async def test_readiness_waits_for_the_model_and_a_first_query() -> None:
    model = SlowModel()
    warmth = EmbedderWarmth(model)
    check = CheckReadiness({"embedder": warmth})
    warming = asyncio.create_task(warmth.warm())
    await asyncio.sleep(0.01)
    before = await check.execute()
    assert before.components == {"embedder": "loading"} and not before.ready
    model.may_load.set()
    await asyncio.wait_for(warming, 2)
    after = await check.execute()
    assert after.ready and model.queries == 1


async def test_an_embedder_with_nothing_to_load_is_ready_at_once() -> None:
    assert await EmbedderWarmth(HashingEmbedder()).status() == "ok"
