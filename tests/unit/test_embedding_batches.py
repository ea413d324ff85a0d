"""How the local embedder groups texts into runs: by token length, so few pads are computed."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from adapters.outbound.onnx.batching import plan_batches


def padded(lengths: list[int], batches: list[list[int]]) -> int:
    return sum(len(b) * max(lengths[i] for i in b) for b in batches)


@given(st.lists(st.integers(min_value=2, max_value=256), max_size=60), st.integers(1, 16))
def test_every_text_is_in_one_batch_and_no_batch_is_too_big(lengths: list[int], size: int) -> None:
    batches = plan_batches(lengths, size)
    assert sorted(i for b in batches for i in b) == list(range(len(lengths)))
    assert all(0 < len(b) <= size for b in batches)


def test_a_document_of_mixed_lengths_pads_less_than_fixed_batches_of_eight() -> None:
    # One support article's chunks, in tokens (returns-and-refunds.md).
    lengths = [37, 105, 195, 78, 158, 122, 74, 175, 101, 36]
    by_length = sorted(range(len(lengths)), key=lambda i: lengths[i])
    fixed = [by_length[:8], by_length[8:]]
    assert padded(lengths, plan_batches(lengths, 8)) < 0.8 * padded(lengths, fixed)


def test_texts_of_one_length_go_in_full_batches() -> None:
    assert sorted(len(b) for b in plan_batches([128] * 20, 8)) == [4, 8, 8]


def test_a_short_text_is_not_padded_to_a_long_ones_length() -> None:
    batches = plan_batches([256, 12, 250, 14], 8)
    assert sorted(sorted(b) for b in batches) == [[0, 2], [1, 3]]
