"""What creating or editing an embed code sets, and the one way a stored code is changed
(under its lock, by those who may manage embed codes)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from application.ports.clock import Clock
from application.ports.public_suffixes import PublicSuffixes
from application.ports.unit_of_work import UnitOfWorkFactory
from application.principal import Principal
from domain.accounts import clean_name
from domain.embed_codes import EmbedCode, WidgetSettings, parse_domains
from domain.errors import ValidationFailed, found
from domain.ids import EmbedCodeId
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


async def change_embed_code(
    uow: UnitOfWorkFactory,
    clock: Clock,
    principal: Principal,
    code_id: EmbedCodeId,
    change: Callable[[EmbedCode], None],
) -> EmbedCode:
    principal.require(Permission.MANAGE_EMBED_CODES)
    async with uow.tenant(principal.workspace_id) as tx:
        held = await tx.embed_codes.get(principal.workspace_id, code_id, for_update=True)
        code = found(held, "Embed code")
        change(code)
        code.updated_at = clock.now()
        await tx.embed_codes.save(code)
        await tx.commit()
    return code
