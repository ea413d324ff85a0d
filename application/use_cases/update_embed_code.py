"""Use case: change an embed code's name, allowlist, settings or on/off switch."""

from __future__ import annotations

from application.embed_code_changes import EmbedCodeChanges, change_embed_code
from application.events import AccessChanged
from application.ports.clock import Clock
from application.ports.public_suffixes import PublicSuffixes
from application.ports.realtime import Realtime
from application.ports.unit_of_work import UnitOfWorkFactory
from application.principal import Principal
from domain.embed_codes import EmbedCode
from domain.ids import EmbedCodeId


class UpdateEmbedCode:
    """A narrower allowlist or switching the code off closes the sockets it shuts out. Every
    change is announced (sockets re-check, and what processes remember of the code is
    forgotten), so a wider allowlist, new settings or switching it back on apply at once."""

    def __init__(
        self, uow: UnitOfWorkFactory, clock: Clock, suffixes: PublicSuffixes, realtime: Realtime
    ) -> None:
        self._uow, self._clock, self._suffixes, self._realtime = uow, clock, suffixes, realtime

    async def execute(
        self, principal: Principal, code_id: EmbedCodeId, changes: EmbedCodeChanges
    ) -> EmbedCode:
        code = await change_embed_code(
            self._uow, self._clock, principal, code_id, lambda c: changes.apply(c, self._suffixes)
        )
        await self._realtime.publish(
            AccessChanged(code.workspace_id, "embed_code_changed", code_id)
        )
        return code
