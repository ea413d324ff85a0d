"""Workspaces, their members, API keys and refresh-token families."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime

from domain.errors import Forbidden, ValidationFailed
from domain.ids import ApiKeyId, TokenFamilyId, TokenId, UserId, WorkspaceId
from domain.plans import Plan
from domain.roles import Role

PASSWORD_MIN = 10
PASSWORD_MAX = 128
NAME_MAX = 200
MAX_RETENTION_DAYS = 36500
_EMAIL = re.compile(
    r"^[^@\s]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$"
)
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def normalise_email(raw: str) -> str:
    """Emails compare case-insensitively; a malformed one is refused."""
    email = raw.strip().lower()
    if len(email) > 254 or not _EMAIL.match(email):
        raise ValidationFailed.on("email", "is not a valid email address")
    return email


def check_password(password: str) -> None:
    if not PASSWORD_MIN <= len(password) <= PASSWORD_MAX:
        raise ValidationFailed.on(
            "password", f"must be {PASSWORD_MIN} to {PASSWORD_MAX} characters long"
        )


def clean_name(raw: str, field_name: str) -> str:
    """A display name: trimmed, NFC-normalised, without control characters."""
    name = unicodedata.normalize("NFC", _CONTROL.sub("", raw)).strip()
    if not name:
        raise ValidationFailed.on(field_name, "must not be empty")
    if max(len(raw), len(name)) > NAME_MAX:  # as sent, the length a client counts
        raise ValidationFailed.on(field_name, f"must be at most {NAME_MAX} characters")
    return name


@dataclass(slots=True)
class Workspace:
    id: WorkspaceId
    name: str
    plan: Plan
    created_at: datetime
    # Message texts older than this many days are erased on a schedule; None: kept forever.
    retention_days: int | None = None

    def rename(self, name: str) -> None:
        self.name = clean_name(name, "name")

    def keep_texts_for(self, days: int | None) -> None:
        if days is not None and not 1 <= days <= MAX_RETENTION_DAYS:
            raise ValidationFailed.on(
                "retention_days", f"must be 1 to {MAX_RETENTION_DAYS} days, or null (forever)"
            )
        self.retention_days = days

    def change_plan(self, plan: Plan) -> None:
        self.plan = plan


@dataclass(slots=True)
class User:
    id: UserId
    workspace_id: WorkspaceId
    email: str
    full_name: str
    password_hash: str
    role: Role
    created_at: datetime

    def change_role(self, role: Role) -> None:
        """Admins and agents trade places; the one owner stays the owner."""
        if self.role is Role.OWNER:
            raise Forbidden("The owner's role cannot be changed.")
        self.role = Role.parse_member_role(role.value)

    def check_removable(self) -> None:
        if self.role is Role.OWNER:
            raise Forbidden("The owner cannot be removed from the workspace.")


@dataclass(slots=True)
class ApiKey:
    """A workspace secret key; only its hash is kept."""

    id: ApiKeyId
    workspace_id: WorkspaceId
    name: str
    prefix: str
    key_hash: str
    created_at: datetime
    revoked_at: datetime | None = None
    last_used_at: datetime | None = None

    @property
    def active(self) -> bool:
        return self.revoked_at is None

    def revoke(self, now: datetime) -> None:
        if self.revoked_at is None:
            self.revoked_at = now


@dataclass(slots=True)
class RefreshToken:
    """One refresh token of a rotation family; spent once it has been used."""

    id: TokenId
    family_id: TokenFamilyId
    user_id: UserId
    workspace_id: WorkspaceId
    expires_at: datetime
    created_at: datetime
    spent_at: datetime | None = None
    revoked_at: datetime | None = None
    replaced_by: TokenId | None = field(default=None)

    def usable(self, now: datetime) -> bool:
        return self.spent_at is None and self.revoked_at is None and now < self.expires_at

    def is_reuse(self) -> bool:
        """Presenting a spent token means it leaked: the whole family must die."""
        return self.spent_at is not None

    def spend(self, now: datetime, successor: TokenId) -> None:
        self.spent_at = now
        self.replaced_by = successor
