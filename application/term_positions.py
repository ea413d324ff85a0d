"""Where the terms stand in candidate chunks, remembered for term-proximity scoring.

Only a chunk holding two or more of the asked terms can have a close pair, and its term
counts (read with the candidates) say which do; hybrid search asks for the positions of
those alone. Tokenising a chunk is the costly part (~0.1-0.2 ms for 300 tokens), so
positions are remembered per chunk: keyed on its id and a hash of its text, so a chunk
rewritten under the same id is never read by its old words. Terms are interned, so entries
share the workspace's vocabulary; an entry of a 300-token chunk is still ~20-30 KiB (a
tuple per term), so 1,024 are kept (~25 MiB at most).
"""

from __future__ import annotations

import sys
from collections import OrderedDict
from collections.abc import Mapping

from domain.ids import ChunkId
from domain.knowledge import FoundChunk
from domain.term_positions import Positions, positions_of


class RememberedPositions:
    def __init__(self, max_entries: int = 1024) -> None:
        self._max = max_entries
        self._read: OrderedDict[tuple[ChunkId, int], Positions] = OrderedDict()

    def of(self, chunks: Mapping[ChunkId, FoundChunk]) -> dict[ChunkId, Positions]:
        return {cid: self._positions(chunk) for cid, chunk in chunks.items()}

    def _positions(self, chunk: FoundChunk) -> Positions:
        key = (chunk.chunk_id, hash((chunk.heading, chunk.text)))
        read = self._read.get(key)
        if read is not None:
            self._read.move_to_end(key)
            return read
        text = f"{chunk.heading or ''}\n{chunk.text}"
        read = self._read[key] = {sys.intern(t): at for t, at in positions_of(text).items()}
        if len(self._read) > self._max:
            self._read.popitem(last=False)
        return read
