"""How a document enters the knowledge base, whichever way it came (a file, typed text):
plan limits checked under the workspace's lock, duplicates refused, the document and its
ingestion job stored in one transaction."""

from __future__ import annotations

import hashlib

from application.ports.clock import Clock
from application.ports.unit_of_work import UnitOfWorkFactory
from application.principal import Principal
from domain.documents import Document, DocumentStatus, MimeType
from domain.errors import Conflict, found
from domain.ids import DocumentId, JobId, new_uuid
from domain.knowledge import IngestionJob
from domain.plans import PlanCatalog


class DocumentIntake:
    def __init__(self, uow: UnitOfWorkFactory, plans: PlanCatalog, clock: Clock) -> None:
        self._uow, self._plans, self._clock = uow, plans, clock

    async def store(
        self, principal: Principal, title: str, filename: str, mime_type: MimeType, data: bytes
    ) -> Document:
        now = self._clock.now()
        document = Document(
            id=DocumentId(new_uuid()),
            workspace_id=principal.workspace_id,
            title=title,
            filename=filename,
            mime_type=mime_type,
            size_bytes=len(data),
            checksum=hashlib.sha256(data).hexdigest(),
            status=DocumentStatus.QUEUED,
            created_at=now,
            updated_at=now,
        )
        async with self._uow.tenant(principal.workspace_id) as tx:
            # The workspace row lock serialises uploads, so quotas hold under concurrency.
            held = await tx.workspaces.get(principal.workspace_id, for_update=True)
            workspace = found(held, "Workspace")
            limits = self._plans.for_plan(workspace.plan)
            limits.check_file_size(workspace.plan, len(data))
            limits.check_can_add_document(
                workspace.plan, await tx.workspaces.usage(workspace.id), len(data)
            )
            existing = await tx.documents.find_by_checksum(workspace.id, document.checksum)
            if existing is not None:
                raise Conflict(
                    f"This content is already in the knowledge base as document {existing.id}."
                )
            await tx.documents.add(document, data)
            await tx.jobs.add(IngestionJob(JobId(new_uuid()), workspace.id, document.id, now))
            await tx.commit()
        return document
