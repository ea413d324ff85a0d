"""Chunking keeps structure, respects token bounds, overlaps a little, and is deterministic."""

from __future__ import annotations

import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from domain.chunking import ChunkingPolicy, chunk_blocks
from domain.documents import Block


def words(text: str) -> int:
    return len(text.split())


def sentence(topic: str, n: int) -> str:
    return " ".join(f"{topic}{i}" for i in range(n - 1)) + " end."


POLICY = ChunkingPolicy(target_tokens=60, max_tokens=80, overlap_tokens=10)


def test_a_heading_starts_a_new_chunk_and_labels_its_text() -> None:
    blocks = [
        Block("Shipping", is_heading=True, page=1),
        Block(sentence("ship", 20), heading="Shipping", page=1),
        Block("Returns", is_heading=True, page=2),
        Block(sentence("ret", 20), heading="Returns", page=2),
    ]
    chunks = chunk_blocks(blocks, words, POLICY)
    assert [(c.heading, c.page) for c in chunks] == [("Shipping", 1), ("Returns", 2)]
    assert "ship0" in chunks[0].text and "ret0" not in chunks[0].text
    assert [c.ordinal for c in chunks] == [0, 1]


def test_paragraphs_are_packed_up_to_the_target() -> None:
    blocks = [Block(sentence(f"p{i}x", 15), heading="Intro") for i in range(8)]
    chunks = chunk_blocks(blocks, words, POLICY)
    assert len(chunks) >= 2
    assert all(c.token_count <= POLICY.max_tokens for c in chunks)
    assert chunks[0].text.count("\n\n") >= 2  # several paragraphs share a chunk


def test_consecutive_chunks_overlap_within_a_section() -> None:
    blocks = [Block(" ".join(sentence(f"s{i}w", 8) for i in range(30)), heading="Long")]
    chunks = chunk_blocks(blocks, words, POLICY)
    assert len(chunks) >= 3
    for before, after in itertools.pairwise(chunks):
        last_sentence = before.text.split(". ")[-1].split("\n\n")[-1]
        assert last_sentence.split()[0] in after.text


def test_an_endless_sentence_is_cut_at_words() -> None:
    chunks = chunk_blocks([Block(" ".join(["word"] * 500))], words, POLICY)
    assert len(chunks) >= 7
    assert all(c.token_count <= POLICY.max_tokens for c in chunks)
    assert sum(c.text.count("word") for c in chunks) >= 500


def test_a_lone_heading_makes_no_chunk() -> None:
    blocks = [
        Block("Empty", is_heading=True),
        Block("Next", is_heading=True),
        Block("Body.", heading="Next"),
    ]
    chunks = chunk_blocks(blocks, words, POLICY)
    assert [c.text for c in chunks] == ["Next\n\nBody."]


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.booleans(), st.text(alphabet="abc .\n", min_size=1, max_size=400)),
        max_size=30,
    )
)
def test_bounds_and_determinism_hold_for_any_input(raw: list[tuple[bool, str]]) -> None:
    blocks = [Block(text, is_heading=heading) for heading, text in raw if text.strip()]
    first = chunk_blocks(blocks, words, POLICY)
    assert first == chunk_blocks(blocks, words, POLICY)
    assert all(c.token_count <= POLICY.max_tokens for c in first)
    assert [c.ordinal for c in first] == list(range(len(first)))
    every_word = {w for b in blocks if not b.is_heading for w in b.text.split()}
    assert every_word <= {w for c in first for w in c.text.split()}


def test_a_chunk_never_spans_a_page_break() -> None:
    blocks = [
        Block("one two three.", "Intro", 1),
        Block("four five six.", "Intro", 1),
        Block("seven eight nine.", "Intro", 2),
        Block("ten eleven.", "Intro", 3),
    ]
    chunks = chunk_blocks(blocks, lambda text: len(text.split()), ChunkingPolicy(300, 400, 40))
    assert [(c.text, c.page) for c in chunks] == [
        ("one two three.\n\nfour five six.", 1),
        ("seven eight nine.", 2),
        ("ten eleven.", 3),
    ]
