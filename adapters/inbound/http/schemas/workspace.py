"""Bodies of the workspace and profile controllers: the workspace, its plan and members."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

import msgspec
from msgspec import Meta

from adapters.inbound.http.schemas.auth import UserOut, WorkspaceRef
from adapters.inbound.http.schemas.base import BodyIn, BodyOut, PageOut, Password, ShortText
from application.use_cases.get_workspace import WorkspaceView
from domain.accounts import User


class WorkspacePatch(BodyIn):
    """Any of the fields; `retention_days: null` keeps message texts forever."""

    name: ShortText | msgspec.UnsetType = msgspec.UNSET
    retention_days: Annotated[int, Meta(ge=1, le=36500)] | msgspec.UnsetType | None = msgspec.UNSET


class PlanBody(BodyIn):
    plan: Literal["free", "pro", "enterprise"]


class MemberBody(BodyIn):
    email: ShortText
    full_name: ShortText
    role: Literal["admin", "agent"]
    password: Password


class MemberRolePatch(BodyIn):
    role: Literal["admin", "agent"]


class MeOut(BodyOut):
    user: UserOut | None
    workspace: WorkspaceRef
    role: str


class LimitsOut(BodyOut):
    documents: int
    storage_mb: int
    max_file_mb: int
    messages_per_month: int
    embed_codes: int
    seats: int
    parse_seconds: int
    parse_memory_mb: int


class UsageOut(BodyOut):
    documents: int
    storage_bytes: int
    messages_this_month: int
    embed_codes: int
    seats: int


class WorkspaceOut(BodyOut):
    id: uuid.UUID
    name: str
    plan: str
    limits: LimitsOut
    usage: UsageOut
    created_at: datetime
    retention_days: int | None = None


class MemberOut(BodyOut):
    user_id: uuid.UUID
    email: str
    full_name: str
    role: str
    created_at: datetime


class MemberPage(PageOut):
    items: list[MemberOut]


def workspace_out(view: WorkspaceView) -> WorkspaceOut:
    ws, usage = view.workspace, view.usage
    return WorkspaceOut(
        id=ws.id,
        name=ws.name,
        plan=ws.plan.value,
        retention_days=ws.retention_days,
        limits=LimitsOut(**view.limits.as_dict()),
        usage=UsageOut(
            documents=usage.documents,
            storage_bytes=usage.storage_bytes,
            messages_this_month=usage.messages_this_month,
            embed_codes=usage.embed_codes,
            seats=usage.seats,
        ),
        created_at=ws.created_at,
    )


def member_out(user: User) -> MemberOut:
    return MemberOut(
        user_id=user.id,
        email=user.email,
        full_name=user.full_name,
        role=user.role.value,
        created_at=user.created_at,
    )
