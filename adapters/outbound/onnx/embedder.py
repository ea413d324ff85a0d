"""all-MiniLM-L6-v2 run by onnxruntime (FP32, fused BERT graph): the same vectors as the
torch reference at about a quarter of the cost per query (README, "Performance").

The ONNX file is built once per machine from the packaged weights (`export.py`, in a child
process, under a lock) and checked at every start against its manifest: the file's hash,
the source weights' hashes, and the reference vectors of a few probe sentences.
Inference runs on this adapter's own thread, never the event loop's default executor:
shared with everything else `asyncio.to_thread` runs, that one stalled under load.

Questions asked at the same time are embedded together: while one run is on the thread, the
queries that arrive wait for it and then go as one batch (no added delay for a lone query).
Under a crowd that is several queries for about the cost of one run.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import structlog
from tokenizers import Encoding, Tokenizer

from adapters.outbound.onnx.batching import plan_batches
from adapters.outbound.onnx.export import (
    FORMAT,
    MANIFEST_FILE,
    MODEL_FILE,
    build_in_child,
    build_lock,
    sha256,
    source_hashes,
)
from adapters.outbound.sentence_transformers.embedder import (
    MAX_SEQ_LENGTH,
    MODEL_NAME,
    count_minilm_tokens,
    model_dir,
)

log = structlog.get_logger()
# Probe vectors must match the reference this closely (cosine), or the file is rebuilt.
PROBE_MIN_COSINE = 0.9999


class ModelMismatch(RuntimeError):
    """The ONNX file does not reproduce the reference model."""


class OnnxEmbedder:
    def __init__(self, directory: Path, batch_size: int = 32, threads: int | None = None) -> None:
        self._dir, self._batch_size, self._threads = directory, batch_size, threads
        self._session: Any = None
        self._tokenizer: Tokenizer | None = None
        self._lock = threading.Lock()
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="onnx-embedder")
        self._queries: list[tuple[str, asyncio.Future[list[float]]]] = []
        self._batching: asyncio.Task[None] | None = None

    @property
    def name(self) -> str:
        # The same model and the same vectors as the torch adapter: stored vectors stay valid.
        return MODEL_NAME

    async def warm_up(self) -> None:
        """Builds the ONNX file if this machine has none (once, ~15 s), then loads it."""
        await self._run(self._loaded)

    async def embed_documents(self, texts: list[str]) -> list[list[float]]:
        # Batches of similar token lengths pad less (batching.py); one run at a time goes to
        # the thread, so questions asked meanwhile wait for a batch, not for the document.
        encodings = await self._run(self._tokenize, texts)
        lengths = [len(e.ids) for e in encodings]
        vectors: list[list[float]] = [[] for _ in texts]
        for picked in plan_batches(lengths, self._batch_size):
            rows = await self._run(self._infer, [encodings[i] for i in picked])
            for i, row in zip(picked, rows, strict=True):
                vectors[i] = row
        return vectors

    async def embed_query(self, text: str) -> list[float]:
        future: asyncio.Future[list[float]] = asyncio.get_running_loop().create_future()
        self._queries.append((text, future))
        if self._batching is None or self._batching.done():
            self._batching = asyncio.create_task(self._embed_queued())
        return await future

    async def _embed_queued(self) -> None:
        """Runs the waiting queries, a batch at a time, until none wait. A task of its own,
        so one asker going away never strands the others."""
        while self._queries:
            batch = [(t, f) for t, f in self._queries[: self._batch_size] if not f.done()]
            del self._queries[: self._batch_size]
            if not batch:
                continue
            try:
                rows = await self._run(self._encode, [text for text, _ in batch])
            except Exception as error:
                for _, future in batch:
                    if not future.done():
                        future.set_exception(error)
                continue
            for (_, future), row in zip(batch, rows, strict=True):
                if not future.done():  # its asker went away meanwhile
                    future.set_result(row)

    def count_tokens(self, text: str) -> int:
        return count_minilm_tokens(text)

    async def aclose(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)

    async def _run(self, fn: Any, *args: Any) -> Any:
        return await asyncio.get_running_loop().run_in_executor(self._executor, fn, *args)

    def _loaded(self) -> tuple[Any, Tokenizer]:
        if self._session is None or self._tokenizer is None:
            with self._lock:
                if self._session is None:
                    self._session, self._tokenizer = self._load()
        assert self._tokenizer is not None
        return self._session, self._tokenizer

    def _load(self) -> tuple[Any, Tokenizer]:
        started = time.perf_counter()
        source = model_dir()
        tokenizer = Tokenizer.from_file(str(source / "tokenizer.json"))
        tokenizer.enable_truncation(max_length=MAX_SEQ_LENGTH)
        tokenizer.no_padding()  # the file pads to 128; batches are padded in _run_model
        with build_lock(self._dir):
            try:
                session = self._verified(source, tokenizer)
            except (ModelMismatch, OSError, ValueError) as exc:
                log.info("onnx_model.building", directory=str(self._dir), reason=str(exc))
                build_in_child(self._dir)
                session = self._verified(source, tokenizer)
        log.info(
            "embedding_model_loaded",
            model=MODEL_NAME,
            runtime="onnxruntime",
            seconds=round(time.perf_counter() - started, 2),
        )
        return session, tokenizer

    def _verified(self, source: Path, tokenizer: Tokenizer) -> Any:
        manifest = json.loads((self._dir / MANIFEST_FILE).read_text())
        if manifest.get("format") != FORMAT or manifest.get("source") != source_hashes(source):
            raise ModelMismatch("built from other weights or by another version")
        if manifest["files"][MODEL_FILE] != sha256(self._dir / MODEL_FILE):
            raise ModelMismatch(f"{MODEL_FILE} does not match its manifest")
        session = self._session_of(self._dir / MODEL_FILE)
        texts = list(manifest["probes"])
        got = _encode(session, tokenizer, texts)
        want = np.asarray([manifest["probes"][t] for t in texts], dtype=np.float32)
        worst = float(np.min(np.sum(got * want, axis=1)))
        if worst < PROBE_MIN_COSINE:
            raise ModelMismatch(f"probe vectors differ from the reference (cosine {worst:.5f})")
        return session

    def _session_of(self, path: Path) -> Any:
        import onnxruntime

        options = onnxruntime.SessionOptions()
        options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.inter_op_num_threads = 1
        # Idle pool threads sleep rather than spin: on a small shared machine, spinning
        # took the cores the event loop and PostgreSQL needed.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        if self._threads is not None:
            options.intra_op_num_threads = self._threads
        return onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])

    def _encode(self, texts: list[str]) -> list[list[float]]:
        session, tokenizer = self._loaded()
        rows: list[list[float]] = _encode(session, tokenizer, texts).tolist()
        return rows

    def _tokenize(self, texts: list[str]) -> list[Encoding]:
        _, tokenizer = self._loaded()
        return tokenizer.encode_batch(texts)

    def _infer(self, encodings: list[Encoding]) -> list[list[float]]:
        session, _ = self._loaded()
        rows: list[list[float]] = _run_model(session, encodings).tolist()
        return rows


def _encode(session: Any, tokenizer: Tokenizer, texts: list[str]) -> Any:
    return _run_model(session, tokenizer.encode_batch(texts))


def _run_model(session: Any, encodings: list[Encoding]) -> Any:
    """Mean of the token states over the attention mask, scaled to unit length: what
    sentence-transformers' pooling and Normalize modules do for this model. Rows are
    padded to the batch's longest (id 0 is [PAD], masked out)."""
    ids = np.zeros((len(encodings), max(len(e.ids) for e in encodings)), dtype=np.int64)
    mask = np.zeros_like(ids)
    for row, encoding in enumerate(encodings):
        ids[row, : len(encoding.ids)] = encoding.ids
        mask[row, : len(encoding.ids)] = 1
    feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
    states = session.run(None, feeds)[0]
    weights = mask[:, :, None].astype(np.float32)
    pooled = (states * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
    norms = np.linalg.norm(pooled, axis=1, keepdims=True)
    return pooled / np.clip(norms, 1e-12, None)
