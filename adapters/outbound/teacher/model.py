"""The teacher model (all-mpnet-base-v2) run by sentence-transformers in a child process.

The query map needs each chunk embedded once by the teacher, when the ingestion worker is
idle; nothing on a visitor's path runs it. torch and the model (~1 GB resident) live in a
child that starts on the first batch and exits when the worker has nothing left for it
(`release`), so a server holds no torch while it serves. The child checks the weights'
hash before loading them and runs on one thread, leaving the other core to the server.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

from adapters.outbound.onnx.export import sha256
from adapters.outbound.teacher.install import TEACHER_NAME, WEIGHTS_FILE, WEIGHTS_SHA256

TEACHER_DIMENSIONS = 768
_model: Any = None


class TeacherProcess:
    def __init__(self, directory: Path, batch_size: int = 16) -> None:
        self._dir, self._batch_size = directory, batch_size
        self._pool: ProcessPoolExecutor | None = None

    @property
    def name(self) -> str:
        return TEACHER_NAME

    async def embed(self, texts: list[str]) -> list[list[float]]:
        if not texts:
            return []
        if self._pool is None:
            self._pool = ProcessPoolExecutor(
                max_workers=1,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_load,
                initargs=(str(self._dir),),
            )
        loop = asyncio.get_running_loop()
        try:
            rows: list[list[float]] = await loop.run_in_executor(
                self._pool, _encode, texts, self._batch_size
            )
        except Exception:
            await self.release()  # a broken child is never reused: the next batch starts anew
            raise
        return rows

    async def release(self) -> None:
        """Ends the child (and the memory it holds) until the next batch."""
        pool, self._pool = self._pool, None
        if pool is not None:
            await asyncio.get_running_loop().run_in_executor(None, pool.shutdown)


def _load(directory: str) -> None:
    """In the child: check the weights, then load the model offline on one thread."""
    global _model
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    if sha256(Path(directory) / WEIGHTS_FILE) != WEIGHTS_SHA256:
        raise RuntimeError(f"{directory}: {WEIGHTS_FILE} is not the weights we checked")
    import torch
    from sentence_transformers import SentenceTransformer
    from transformers.utils import logging as transformers_logging

    torch.set_num_threads(1)
    transformers_logging.disable_progress_bar()  # type: ignore[no-untyped-call]
    _model = SentenceTransformer(directory, device="cpu")


def _encode(texts: list[str], batch_size: int) -> list[list[float]]:
    assert _model is not None
    vectors = _model.encode(texts, batch_size=batch_size, normalize_embeddings=True)
    rows: list[list[float]] = vectors.tolist()
    return rows
