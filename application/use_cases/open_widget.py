"""Use case: open the widget with an embed code's public key, from an allowed origin."""

from __future__ import annotations

from application.ports.unit_of_work import UnitOfWorkFactory
from application.recently_read import AccessMemory
from application.widget_access import WidgetAccess
from domain.embed_codes import EmbedCode, normalise_origin
from domain.errors import OriginNotAllowed, Unauthorized


class OpenWidget:
    """Every widget request starts here: a current, active key and an allowed origin."""

    def __init__(self, uow: UnitOfWorkFactory, memory: AccessMemory | None = None) -> None:
        self._uow, self._memory = uow, memory or AccessMemory(seconds=0)

    async def execute(
        self,
        public_key: str,
        origin: str | None,
        own_origins: tuple[str, ...] = (),
        *,
        fresh: bool = False,
    ) -> WidgetAccess:
        """`own_origins` are this service's own (the preview page): always allowed.
        `fresh=True` (open sockets re-checking) reads the stored code, never the memory."""
        if not public_key:
            raise Unauthorized("An embed key is required: the X-Embed-Key header or ?key=.")
        code = await self._code(public_key, fresh)
        if code is None or not code.active:
            raise Unauthorized("This embed key is unknown, replaced or switched off.")
        page = normalise_origin(origin)
        ours = page is not None and page in {normalise_origin(o) for o in own_origins}
        if not (ours or code.allows(origin)):
            raise OriginNotAllowed("This site is not allowed to use this chat widget.")
        return WidgetAccess(code, page or "")

    async def _code(self, public_key: str, fresh: bool) -> EmbedCode | None:
        """Remembered a few seconds (`AccessMemory`), unknown keys never."""
        known = None if fresh else self._memory.embed_codes.recall(public_key)
        if known is not None:
            return known[0]
        async with self._uow.system() as tx:
            code = await tx.embed_codes.find_by_public_key(public_key)
        if code is not None:
            self._memory.embed_codes.remember(public_key, code.workspace_id, code)
        return code
