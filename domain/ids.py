"""Typed identifiers: UUIDs that cannot be mixed up with each other."""

from __future__ import annotations

import uuid
from typing import NewType

WorkspaceId = NewType("WorkspaceId", uuid.UUID)
UserId = NewType("UserId", uuid.UUID)
ApiKeyId = NewType("ApiKeyId", uuid.UUID)
TokenFamilyId = NewType("TokenFamilyId", uuid.UUID)
TokenId = NewType("TokenId", uuid.UUID)
DocumentId = NewType("DocumentId", uuid.UUID)
ChunkId = NewType("ChunkId", uuid.UUID)
JobId = NewType("JobId", uuid.UUID)
SessionId = NewType("SessionId", uuid.UUID)
MessageId = NewType("MessageId", uuid.UUID)
EmbedCodeId = NewType("EmbedCodeId", uuid.UUID)


def new_uuid() -> uuid.UUID:
    return uuid.uuid4()
