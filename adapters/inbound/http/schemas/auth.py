"""Bodies of the auth controller: sign-up, log-in, refresh, log-out."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from msgspec import Meta

from adapters.inbound.http.schemas.base import BodyIn, BodyOut, Password, ShortText
from application.token_pairs import TokenPair
from domain.accounts import User, Workspace


class RegisterBody(BodyIn):
    email: ShortText
    password: Password
    full_name: ShortText
    workspace_name: ShortText


class LoginBody(BodyIn):
    email: ShortText
    password: Password


class RefreshBody(BodyIn):
    refresh_token: Annotated[str, Meta(max_length=4096)]


class UserOut(BodyOut):
    id: uuid.UUID
    email: str
    full_name: str


class WorkspaceRef(BodyOut):
    id: uuid.UUID
    name: str
    plan: str


class TokenPairOut(BodyOut, kw_only=True):
    access_token: str
    refresh_token: str
    token_type: Literal["bearer"] = "bearer"  # noqa: S105 - the OAuth token type
    expires_in: int


class RegisteredOut(TokenPairOut, kw_only=True):
    user: UserOut
    workspace: WorkspaceRef


def user_out(user: User) -> UserOut:
    return UserOut(id=user.id, email=user.email, full_name=user.full_name)


def workspace_ref(ws: Workspace) -> WorkspaceRef:
    return WorkspaceRef(id=ws.id, name=ws.name, plan=ws.plan.value)


def token_pair_out(pair: TokenPair) -> TokenPairOut:
    return TokenPairOut(
        access_token=pair.access_token, refresh_token=pair.refresh_token, expires_in=pair.expires_in
    )
