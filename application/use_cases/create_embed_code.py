"""Use case: create an embed code (a widget's public key, allowlist and settings)."""

from __future__ import annotations

from application.embed_code_changes import EmbedCodeChanges
from application.ports.clock import Clock
from application.ports.public_suffixes import PublicSuffixes
from application.ports.unit_of_work import UnitOfWorkFactory
from application.principal import Principal
from domain.embed_codes import EmbedCode, new_public_key
from domain.errors import ValidationFailed, found
from domain.ids import EmbedCodeId, new_uuid
from domain.plans import PlanCatalog
from domain.roles import Permission


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
            held = await tx.workspaces.get(principal.workspace_id, for_update=True)
            workspace = found(held, "Workspace")
            limits = self._plans.for_plan(workspace.plan)
            limits.check_can_add_embed_code(
                workspace.plan, await tx.embed_codes.count(workspace.id)
            )
            await tx.embed_codes.add(code)
            await tx.commit()
        return code
