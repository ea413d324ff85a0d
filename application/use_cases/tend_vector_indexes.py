"""Use case: give large workspaces a vector index of their own, and take it from those that
no longer need one."""

from __future__ import annotations

from application.ports.vector_indexes import TenantVectorIndexes

OWN_INDEX_MIN_CHUNKS = 4_000  # from here, HNSW beats scanning a tenant's rows (README)
OWN_INDEX_KEEP_CHUNKS = 2_000  # below, an index is dropped: a tenant that shrank, or is gone


class TendVectorIndexes:
    """One change a call, so the worker checks its queue between them: first an index no
    longer needed is dropped, then the largest workspace still without a complete index of
    its own gets one (an incomplete one is replaced by the build). The gap between the two
    sizes keeps a workspace near the line from having its index made and dropped in turn."""

    def __init__(
        self,
        indexes: TenantVectorIndexes,
        min_chunks: int = OWN_INDEX_MIN_CHUNKS,
        keep_chunks: int = OWN_INDEX_KEEP_CHUNKS,
    ) -> None:
        if keep_chunks > min_chunks:
            raise ValueError("keep_chunks must not exceed min_chunks")
        self._indexes, self._min, self._keep = indexes, min_chunks, keep_chunks

    async def execute(self) -> int:
        """1 when it made or dropped an index, else 0."""
        sizes, indexed = await self._indexes.sizes(), await self._indexes.indexed()
        for workspace_id in sorted(indexed, key=str):
            if sizes.get(workspace_id, 0) < self._keep:
                return int(await self._indexes.drop(workspace_id))
        wanting = sorted(
            (ws for ws, chunks in sizes.items() if chunks >= self._min and not indexed.get(ws)),
            key=lambda ws: (-sizes[ws], str(ws)),
        )
        if wanting:
            return int(await self._indexes.build(wanting[0]))
        return 0
