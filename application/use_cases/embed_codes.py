"""Use cases: create, read, change, rotate and delete embed codes."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from application.events import AccessChanged
from application.pagination import Page, PageRequest
from application.ports.clock import Clock
from application.ports.public_suffixes import PublicSuffixes
from application.ports.realtime import Realtime
from application.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory
from application.principal import Principal
from domain.accounts import clean_name
from domain.embed_codes import EmbedCode, WidgetSettings, new_public_key, parse_domains
from domain.errors import NotFound, ValidationFailed
from domain.ids import EmbedCodeId, WorkspaceId, new_uuid
from domain.plans import PlanCatalog
from domain.roles import Permission

SETTING_NAMES = frozenset(f.name for f in dataclasses.fields(WidgetSettings))


@dataclass(frozen=True, slots=True)
class EmbedCodeChanges:
    """What a create or PATCH sets; None leaves a value as it is."""

    name: str | None = None
    allowed_domains: list[str] | None = None
    settings: Mapping[str, Any] | None = None
    active: bool | None = None

    def apply(self, code: EmbedCode, suffixes: PublicSuffixes) -> None:
        if self.name is not None:
            code.name = clean_name(self.name, "name")
        if self.allowed_domains is not None:
            code.allowed_domains = parse_domains(self.allowed_domains, suffixes.is_public_suffix)
        if self.settings is not None:
            unknown = set(self.settings) - SETTING_NAMES
            if unknown:
                raise ValidationFailed.on("settings", f"unknown settings {sorted(unknown)}")
            values = dict(self.settings)
            if "suggested_questions" in values:
                values["suggested_questions"] = tuple(values["suggested_questions"])
            code.settings = dataclasses.replace(code.settings, **values).validated()
        if self.active is not None:
            code.active = self.active


async def _code(tx: UnitOfWork, principal: Principal, code_id: EmbedCodeId) -> EmbedCode:
    code = await tx.embed_codes.get(principal.workspace_id, code_id, for_update=True)
    if code is None:
        raise NotFound("Embed code not found.")
    return code


class CreateEmbedCode:
    """Owners and admins create embed codes, as many as the plan allows."""

    def __init__(
        self, uow: UnitOfWorkFactory, plans: PlanCatalog, clock: Clock, suffixes: PublicSuffixes
    ) -> None:
        self._uow, self._plans, self._clock, self._suffixes = uow, plans, clock, suffixes

    async def execute(self, principal: Principal, spec: EmbedCodeChanges) -> EmbedCode:
        principal.require(Permission.MANAGE_EMBED_CODES)
        now = self._clock.now()
        code = EmbedCode(
            EmbedCodeId(new_uuid()), principal.workspace_id, "", new_public_key(), now, now
        )
        spec.apply(code, self._suffixes)
        if not code.name:
            raise ValidationFailed.on("name", "must not be empty")
        async with self._uow.tenant(principal.workspace_id) as tx:
            workspace = await tx.workspaces.get(principal.workspace_id, for_update=True)
            if workspace is None:
                raise NotFound("Workspace not found.")
            limits = self._plans.for_plan(workspace.plan)
            limits.check_can_add_embed_code(
                workspace.plan, await tx.embed_codes.count(workspace.id)
            )
            await tx.embed_codes.add(code)
            await tx.commit()
        return code


class ReadEmbedCodes:
    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def list(self, principal: Principal, page: PageRequest) -> Page[EmbedCode]:
        principal.require(Permission.MANAGE_EMBED_CODES)
        async with self._uow.tenant(principal.workspace_id) as tx:
            return await tx.embed_codes.list(principal.workspace_id, page)

    async def get(self, principal: Principal, code_id: EmbedCodeId) -> EmbedCode:
        principal.require(Permission.MANAGE_EMBED_CODES)
        async with self._uow.tenant(principal.workspace_id) as tx:
            return await _code(tx, principal, code_id)


class ChangeEmbedCode:
    """PATCH, key rotation and deletion. The old key stops at once, and so do the widget
    sockets a change shuts out (rotation, deactivation, a narrower allowlist)."""

    def __init__(
        self, uow: UnitOfWorkFactory, clock: Clock, suffixes: PublicSuffixes, realtime: Realtime
    ) -> None:
        self._uow, self._clock, self._suffixes, self._realtime = uow, clock, suffixes, realtime

    async def update(
        self, principal: Principal, code_id: EmbedCodeId, changes: EmbedCodeChanges
    ) -> EmbedCode:
        code = await self._change(principal, code_id, lambda c: changes.apply(c, self._suffixes))
        if changes.allowed_domains is not None or changes.active is False:
            await self._shut_out(code.workspace_id, code_id)
        return code

    async def rotate_key(self, principal: Principal, code_id: EmbedCodeId) -> EmbedCode:
        code = await self._change(
            principal, code_id, lambda code: code.rotate_key(self._clock.now())
        )
        await self._shut_out(code.workspace_id, code_id)
        return code

    async def delete(self, principal: Principal, code_id: EmbedCodeId) -> None:
        principal.require(Permission.MANAGE_EMBED_CODES)
        async with self._uow.tenant(principal.workspace_id) as tx:
            await _code(tx, principal, code_id)
            await tx.embed_codes.delete(principal.workspace_id, code_id)
            await tx.commit()
        await self._shut_out(principal.workspace_id, code_id)

    async def _shut_out(self, workspace_id: WorkspaceId, code_id: EmbedCodeId) -> None:
        event = AccessChanged(workspace_id, "embed_code_changed", code_id)
        await self._realtime.publish(event)

    async def _change(
        self, principal: Principal, code_id: EmbedCodeId, change: Callable[[EmbedCode], None]
    ) -> EmbedCode:
        principal.require(Permission.MANAGE_EMBED_CODES)
        async with self._uow.tenant(principal.workspace_id) as tx:
            code = await _code(tx, principal, code_id)
            change(code)
            code.updated_at = self._clock.now()
            await tx.embed_codes.save(code)
            await tx.commit()
        return code
