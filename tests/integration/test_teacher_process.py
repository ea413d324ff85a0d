"""The query map's teacher, for real: all-mpnet-base-v2 as `ccgpt prepare` installs it (the
CI's `make install` runs that), run in a child process that `release` ends."""

from __future__ import annotations

from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

import numpy as np
import pytest

from adapters.outbound.teacher.install import TEACHER_NAME, installed
from adapters.outbound.teacher.model import TEACHER_DIMENSIONS, TeacherProcess
from tests.conftest import make_settings


async def test_the_teacher_embeds_by_meaning_in_a_child_that_release_ends() -> None:
    directory = make_settings(embedder="local").teacher_model_dir
    assert installed(directory), f"run `ccgpt prepare`: no teacher in {directory}"
    teacher = TeacherProcess(directory)
    assert teacher.name == TEACHER_NAME
    try:
        rows = np.asarray(
            await teacher.embed(
                [
                    "How long does a refund take?",
                    "Refunds reach your card within five working days.",
                    "Our office dog is called Biscuit.",
                ]
            )
        )
        assert rows.shape == (3, TEACHER_DIMENSIONS)
        assert np.allclose(np.linalg.norm(rows, axis=1), 1.0, atol=1e-3)
        assert rows[0] @ rows[1] > rows[0] @ rows[2] + 0.2
        pool = teacher._pool
        assert pool is not None
        children = list(pool._processes.values())
    finally:
        await teacher.release()
    assert teacher._pool is None
    for child in children:
        child.join(timeout=10)
        assert not child.is_alive()
    assert await teacher.embed([]) == [] and teacher._pool is None


async def test_a_teacher_whose_weights_fail_their_check_fails_and_starts_anew(
    tmp_path: Path,
) -> None:
    (tmp_path / "model.safetensors").write_bytes(b"not the checked weights")
    teacher = TeacherProcess(tmp_path)
    for _ in range(2):  # the broken child is let go, so the second call fails the same way
        with pytest.raises(BrokenProcessPool):
            await teacher.embed(["anything"])
        assert teacher._pool is None
