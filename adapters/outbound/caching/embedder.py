"""Query vectors remembered: support sites repeat their top questions, and a repeated
question should not pay for its embedding again. Documents pass straight through."""

from __future__ import annotations

import asyncio
from array import array
from collections import OrderedDict
from typing import Any

from application.ports.embedder import Embedder


class CachingEmbedder:
    """An Embedder around another: the last `max_entries` query vectors (stored as float32,
    1.5 KiB each), and one computation for a question asked by several visitors at once.
    The vector depends on the text alone, so the cache is shared by every workspace."""

    def __init__(self, inner: Embedder, max_entries: int = 4096) -> None:
        self._inner, self._max = inner, max_entries
        self._vectors: OrderedDict[str, array[float]] = OrderedDict()
        self._pending: dict[str, asyncio.Future[list[float]]] = {}

    def __getattr__(self, name: str) -> Any:
        # warm_up and aclose, where the inner embedder has them (a remote one has neither).
        return getattr(self._inner, name)

    @property
    def inner(self) -> Embedder:
        return self._inner

    @property
    def name(self) -> str:
        return self._inner.name

    async def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return await self._inner.embed_documents(texts)

    def count_tokens(self, text: str) -> int:
        return self._inner.count_tokens(text)

    async def embed_query(self, text: str) -> list[float]:
        known = self._vectors.get(text)
        if known is not None:
            self._vectors.move_to_end(text)
            return known.tolist()
        pending = self._pending.get(text)
        if pending is not None:
            try:
                return list(await asyncio.shield(pending))
            except asyncio.CancelledError:
                task = asyncio.current_task()
                if not pending.cancelled() or (task is not None and task.cancelling()):
                    raise
            return await self.embed_query(text)  # the asker it waited for went away
        future: asyncio.Future[list[float]] = asyncio.get_running_loop().create_future()
        self._pending[text] = future
        try:
            vector = await self._inner.embed_query(text)
        except asyncio.CancelledError:
            future.cancel()
            raise
        except BaseException as exc:
            future.set_exception(exc)
            future.exception()  # retrieved: no "never retrieved" warning when nobody waits
            raise
        finally:
            del self._pending[text]
        # Every caller gets the stored float32 values, the first one too: equal questions
        # give equal vectors (and equal retrieval cache keys) whatever the inner precision.
        stored = array("f", vector)
        vector = stored.tolist()
        future.set_result(vector)
        if self._max > 0:
            self._vectors[text] = stored
            if len(self._vectors) > self._max:
                self._vectors.popitem(last=False)
        return vector
