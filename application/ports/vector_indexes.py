"""TenantVectorIndexes port: an approximate-nearest-neighbour index of a workspace's own.

One index over every tenant's vectors serves a large tenant badly: filtered to the tenant,
its walk passes other tenants' rows and returns fewer, and less exact, neighbours as the
database grows (README, "Search latency"). A workspace with many chunks gets an index of
its own instead, built by the idle worker (`TendVectorIndexes`); search takes it from the
moment it is complete, and until then finds the workspace's rows as before.
"""

from __future__ import annotations

from typing import Protocol

from domain.ids import WorkspaceId


class TenantVectorIndexes(Protocol):
    async def sizes(self) -> dict[WorkspaceId, int]:
        """Chunks per workspace, for every workspace that has any: the worker's
        cross-tenant view."""
        ...

    async def indexed(self) -> dict[WorkspaceId, bool]:
        """The workspaces that have an index of their own, and whether it is complete (a
        build that failed, or one another process is making, is not)."""
        ...

    async def build(self, workspace_id: WorkspaceId) -> bool:
        """Makes the workspace's index, replacing an incomplete one, without blocking
        ingestion or search; whether it did (False: another process is tending indexes)."""
        ...

    async def drop(self, workspace_id: WorkspaceId) -> bool:
        """Removes the workspace's index; whether it did (False as for `build`)."""
        ...
