"""Use case: search the workspace's knowledge base (`POST /search`)."""

from __future__ import annotations

from application.principal import Principal
from application.search import HybridSearch
from domain.errors import ValidationFailed
from domain.knowledge import FoundChunk
from domain.roles import Permission

MAX_QUERY_CHARS = 1000
MAX_TOP_K = 50


class SearchKnowledge:
    """Hybrid retrieval within the caller's workspace only."""

    def __init__(self, search: HybridSearch) -> None:
        self._search = search

    async def execute(self, principal: Principal, query: str, top_k: int) -> list[FoundChunk]:
        principal.require(Permission.READ_WORKSPACE)
        query = query.strip()
        if not query:
            raise ValidationFailed.on("query", "must not be empty")
        if len(query) > MAX_QUERY_CHARS:
            raise ValidationFailed.on("query", f"must be at most {MAX_QUERY_CHARS} characters")
        if not 1 <= top_k <= MAX_TOP_K:
            raise ValidationFailed.on("top_k", f"must be between 1 and {MAX_TOP_K}")
        return await self._search.search(principal.workspace_id, query, top_k)
