"""Use case: upload a file (PDF, DOCX, HTML, Markdown, text) to the knowledge base."""

from __future__ import annotations

from dataclasses import dataclass

from application.document_intake import DocumentIntake
from application.principal import Principal
from domain.accounts import clean_name
from domain.documents import Document, sanitise_filename
from domain.errors import PayloadTooLarge, ValidationFailed
from domain.file_types import sniff
from domain.plans import MIB
from domain.roles import Permission


@dataclass(frozen=True, slots=True)
class UploadInput:
    filename: str | None
    data: bytes
    title: str | None = None


class UploadDocument:
    """The type is read from the bytes, not trusted from the name; size against the hard cap
    here, against the plan in the intake."""

    def __init__(self, intake: DocumentIntake, max_upload_mb: int) -> None:
        self._intake, self._max_bytes = intake, max_upload_mb * MIB

    async def execute(self, principal: Principal, inp: UploadInput) -> Document:
        principal.require(Permission.MANAGE_KNOWLEDGE)
        if len(inp.data) > self._max_bytes:
            raise PayloadTooLarge(f"Uploads are limited to {self._max_bytes // MIB} MB.")
        if not inp.data:
            raise ValidationFailed.on("file", "is empty")
        mime_type = sniff(inp.data, inp.filename)
        filename = sanitise_filename(inp.filename)
        title = clean_name(inp.title or filename.rsplit(".", 1)[0] or filename, "title")
        return await self._intake.store(principal, title, filename, mime_type, inp.data)
