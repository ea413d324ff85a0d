"""Structure-aware chunking: whole sections and paragraphs first, then sentences, then words."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from domain.documents import Block

TokenCounter = Callable[[str], int]
# Sentence ends, also the CJK full stop and full-width marks.
_SENTENCE_END = re.compile(r"(?<=[.!?\u3002\uff01\uff1f])\s+(?=\S)")


@dataclass(frozen=True, slots=True)
class ChunkingPolicy:
    target_tokens: int = 300
    max_tokens: int = 400
    overlap_tokens: int = 40


@dataclass(frozen=True, slots=True)
class ChunkDraft:
    ordinal: int
    text: str
    heading: str | None
    page: int | None
    token_count: int


@dataclass(frozen=True, slots=True)
class _Piece:
    text: str
    tokens: int
    heading: str | None
    page: int | None


def with_heading(heading: str | None, text: str) -> str:
    """What a chunk's vector is made of: the heading gives a short chunk its context."""
    if heading and not text.startswith(heading):
        return f"{heading}\n{text}"
    return text


def chunk_blocks(
    blocks: list[Block], count_tokens: TokenCounter, policy: ChunkingPolicy = ChunkingPolicy()
) -> list[ChunkDraft]:
    """Packs paragraphs of one section into chunks of about `target_tokens`.

    A new heading starts a new chunk, and so does a new page (a chunk never spans a page
    break, so its page is the page of all its text); a paragraph that is too long is split
    at sentence ends, a sentence that is too long at words. Consecutive chunks of one section share
    up to `overlap_tokens` of trailing sentences. Same input, same chunks.
    """
    drafts: list[ChunkDraft] = []
    for section in _sections(blocks):
        pieces = [p for b in section for p in _split(b, count_tokens, policy.max_tokens)]
        for text, heading, page in _pack(pieces, count_tokens, policy):
            drafts.append(ChunkDraft(len(drafts), text, heading, page, count_tokens(text)))
    return drafts


def _sections(blocks: list[Block]) -> Iterator[list[Block]]:
    """Runs of blocks under one heading (the heading itself leads its section)."""
    current: list[Block] = []
    for block in blocks:
        if block.is_heading and current:
            yield current
            current = []
        current.append(block)
    if current:
        yield current


def _split(block: Block, count: TokenCounter, max_tokens: int) -> list[_Piece]:
    heading = block.text if block.is_heading else block.heading
    tokens = count(block.text)
    if tokens <= max_tokens:
        return [_Piece(block.text, tokens, heading, block.page)]
    pieces: list[_Piece] = []
    for sentence in _SENTENCE_END.split(block.text):
        size = count(sentence)
        if size <= max_tokens:
            pieces.append(_Piece(sentence, size, heading, block.page))
        else:
            pieces.extend(
                _Piece(w, count(w), heading, block.page)
                for w in _words(sentence, count, max_tokens)
            )
    return pieces


def _words(sentence: str, count: TokenCounter, max_tokens: int) -> Iterator[str]:
    """Word by word: tokenizers split at spaces first, so the counts add up (linear time)."""
    window: list[str] = []
    size = 0
    for word in sentence.split():
        tokens = count(word)
        if window and size + tokens > max_tokens:
            yield " ".join(window)
            window, size = [], 0
        window.append(word)
        size += tokens
    if window:
        yield " ".join(window)


def _pack(
    pieces: list[_Piece], count: TokenCounter, policy: ChunkingPolicy
) -> Iterator[tuple[str, str | None, int | None]]:
    current: list[_Piece] = []
    size = 0
    for piece in pieces:
        # A page break ends a chunk, with no overlap carried across it: every chunk lies on
        # one page, so a citation's page is the page its text is on.
        page_break = bool(current) and piece.page != current[-1].page
        if current and (page_break or size + piece.tokens > policy.target_tokens):
            yield _join(current)
            current = [] if page_break else _overlap(current, policy.overlap_tokens)
            size = sum(p.tokens for p in current)
            if size + piece.tokens > policy.max_tokens:
                current, size = [], 0
        current.append(piece)
        size += piece.tokens
    if current and not (len(current) == 1 and current[0].text == current[0].heading):
        yield _join(current)


def _overlap(previous: list[_Piece], budget: int) -> list[_Piece]:
    kept: list[_Piece] = []
    for piece in reversed(previous):
        if sum(p.tokens for p in kept) + piece.tokens > budget:
            break
        kept.insert(0, piece)
    return kept


def _join(pieces: list[_Piece]) -> tuple[str, str | None, int | None]:
    text = "\n\n".join(p.text for p in pieces)
    return text, pieces[-1].heading, pieces[0].page
