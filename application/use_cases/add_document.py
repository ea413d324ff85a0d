"""Use cases: upload a file, or add text, to the knowledge base."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from application.ports.clock import Clock
from application.ports.unit_of_work import UnitOfWorkFactory
from application.principal import Principal
from domain.accounts import clean_name
from domain.documents import Document, DocumentStatus, MimeType, sanitise_filename
from domain.errors import Conflict, NotFound, PayloadTooLarge, ValidationFailed
from domain.file_types import sniff
from domain.ids import DocumentId, JobId, new_uuid
from domain.knowledge import IngestionJob
from domain.plans import MIB, PlanCatalog
from domain.roles import Permission

MAX_TEXT_CHARS = 2_000_000


@dataclass(frozen=True, slots=True)
class UploadInput:
    filename: str | None
    data: bytes
    title: str | None = None


class AddDocument:
    """Checks type, size and plan, then stores the document and its job in one transaction."""

    def __init__(
        self, uow: UnitOfWorkFactory, plans: PlanCatalog, clock: Clock, max_upload_mb: int
    ) -> None:
        self._uow, self._plans, self._clock = uow, plans, clock
        self._max_bytes = max_upload_mb * MIB

    async def upload(self, principal: Principal, inp: UploadInput) -> Document:
        principal.require(Permission.MANAGE_KNOWLEDGE)
        if len(inp.data) > self._max_bytes:
            raise PayloadTooLarge(f"Uploads are limited to {self._max_bytes // MIB} MB.")
        if not inp.data:
            raise ValidationFailed.on("file", "is empty")
        mime_type = sniff(inp.data, inp.filename)
        filename = sanitise_filename(inp.filename)
        title = clean_name(inp.title or filename.rsplit(".", 1)[0] or filename, "title")
        return await self._store(principal, title, filename, mime_type, inp.data)

    async def add_text(self, principal: Principal, title: str, content: str) -> Document:
        principal.require(Permission.MANAGE_KNOWLEDGE)
        if not content.strip():
            raise ValidationFailed.on("content", "must not be empty")
        if len(content) > MAX_TEXT_CHARS:
            raise ValidationFailed.on("content", f"must be at most {MAX_TEXT_CHARS} characters")
        clean_title = clean_name(title, "title")
        data = content.encode("utf-8")
        return await self._store(
            principal,
            clean_title,
            sanitise_filename(f"{clean_title[:80]}.txt"),
            MimeType.TEXT,
            data,
        )

    async def _store(
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
            workspace = await tx.workspaces.get(principal.workspace_id, for_update=True)
            if workspace is None:
                raise NotFound("Workspace not found.")
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
