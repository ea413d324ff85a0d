"""Use case: add typed text to the knowledge base as a document."""

from __future__ import annotations

from application.document_intake import DocumentIntake
from application.principal import Principal
from domain.accounts import clean_name
from domain.documents import Document, MimeType, sanitise_filename
from domain.errors import ValidationFailed
from domain.roles import Permission

MAX_TEXT_CHARS = 2_000_000


class AddTextDocument:
    def __init__(self, intake: DocumentIntake) -> None:
        self._intake = intake

    async def execute(self, principal: Principal, title: str, content: str) -> Document:
        principal.require(Permission.MANAGE_KNOWLEDGE)
        if not content.strip():
            raise ValidationFailed.on("content", "must not be empty")
        if len(content) > MAX_TEXT_CHARS:
            raise ValidationFailed.on("content", f"must be at most {MAX_TEXT_CHARS} characters")
        clean_title = clean_name(title, "title")
        filename = sanitise_filename(f"{clean_title[:80]}.txt")
        data = content.encode("utf-8")
        return await self._intake.store(principal, clean_title, filename, MimeType.TEXT, data)
