"""Request and response bodies: msgspec Structs at the edge only, mapped explicitly."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

import msgspec
from msgspec import Meta

from application.token_pairs import TokenPair
from application.use_cases.get_workspace import WorkspaceView
from domain.accounts import ApiKey, User, Workspace

ShortText = Annotated[str, Meta(max_length=320)]
Password = Annotated[str, Meta(max_length=1024)]


class Request(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """Base of every request body: unknown fields are refused, not ignored."""


class Response(msgspec.Struct, kw_only=True):
    pass


# --- requests -------------------------------------------------------------


class RegisterBody(Request):
    email: ShortText
    password: Password
    full_name: ShortText
    workspace_name: ShortText


class LoginBody(Request):
    email: ShortText
    password: Password


class RefreshBody(Request):
    refresh_token: Annotated[str, Meta(max_length=4096)]


class WorkspacePatch(Request):
    """Any of the fields; `retention_days: null` keeps message texts forever."""

    name: ShortText | msgspec.UnsetType = msgspec.UNSET
    retention_days: Annotated[int, Meta(ge=1, le=36500)] | msgspec.UnsetType | None = msgspec.UNSET


class PlanBody(Request):
    plan: Literal["free", "pro", "enterprise"]


class MemberBody(Request):
    email: ShortText
    full_name: ShortText
    role: Literal["admin", "agent"]
    password: Password


class MemberRolePatch(Request):
    role: Literal["admin", "agent"]


class ApiKeyBody(Request):
    name: ShortText


# --- responses ------------------------------------------------------------


class UserOut(Response):
    id: uuid.UUID
    email: str
    full_name: str


class WorkspaceRef(Response):
    id: uuid.UUID
    name: str
    plan: str


class TokenPairOut(Response, kw_only=True):
    access_token: str
    refresh_token: str
    token_type: Literal["bearer"] = "bearer"  # noqa: S105 - the OAuth token type
    expires_in: int


class RegisteredOut(TokenPairOut, kw_only=True):
    user: UserOut
    workspace: WorkspaceRef


class MeOut(Response):
    user: UserOut | None
    workspace: WorkspaceRef
    role: str


class LimitsOut(Response):
    documents: int
    storage_mb: int
    max_file_mb: int
    messages_per_month: int
    embed_codes: int
    seats: int
    parse_seconds: int
    parse_memory_mb: int


class UsageOut(Response):
    documents: int
    storage_bytes: int
    messages_this_month: int
    embed_codes: int
    seats: int


class WorkspaceOut(Response):
    id: uuid.UUID
    name: str
    plan: str
    limits: LimitsOut
    usage: UsageOut
    created_at: datetime
    retention_days: int | None = None


class MemberOut(Response):
    user_id: uuid.UUID
    email: str
    full_name: str
    role: str
    created_at: datetime


class MemberPage(Response):
    items: list[MemberOut]
    next_cursor: str | None


class ApiKeyOut(Response, kw_only=True):
    id: uuid.UUID
    name: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None = None


class CreatedApiKeyOut(ApiKeyOut, kw_only=True):
    key: str


class ApiKeyPage(Response):
    items: list[ApiKeyOut]
    next_cursor: str | None


class ReadinessOut(Response):
    status: Literal["ready", "unavailable"]
    database: str
    redis: str
    queue: str


# --- mapping --------------------------------------------------------------


def user_out(user: User) -> UserOut:
    return UserOut(id=user.id, email=user.email, full_name=user.full_name)


def workspace_ref(ws: Workspace) -> WorkspaceRef:
    return WorkspaceRef(id=ws.id, name=ws.name, plan=ws.plan.value)


def token_pair_out(pair: TokenPair) -> TokenPairOut:
    return TokenPairOut(
        access_token=pair.access_token, refresh_token=pair.refresh_token, expires_in=pair.expires_in
    )


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


def api_key_out(key: ApiKey) -> ApiKeyOut:
    return ApiKeyOut(
        id=key.id,
        name=key.name,
        prefix=key.prefix,
        created_at=key.created_at,
        last_used_at=key.last_used_at,
    )
