"""Fixtures shared by unit-test modules."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from adapters.outbound.onnx.embedder import OnnxEmbedder


@pytest.fixture(scope="session")
def onnx_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where this session builds the ONNX form of the packaged model (once, ~30 s)."""
    return tmp_path_factory.mktemp("models") / "all-MiniLM-L6-v2-onnx"


@pytest.fixture(scope="session")
async def onnx_minilm(onnx_model_dir: Path) -> AsyncIterator[OnnxEmbedder]:
    embedder = OnnxEmbedder(onnx_model_dir, batch_size=4)
    await embedder.warm_up()
    yield embedder
    await embedder.aclose()
