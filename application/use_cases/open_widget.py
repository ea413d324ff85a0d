"""Use case: open the widget with an embed code's public key, from an allowed origin."""

from __future__ import annotations

from application.ports.unit_of_work import UnitOfWorkFactory
from application.widget_access import WidgetAccess
from domain.embed_codes import normalise_origin
from domain.errors import OriginNotAllowed, Unauthorized


class OpenWidget:
    """Every widget request starts here: a current, active key and an allowed origin."""

    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def execute(
        self, public_key: str, origin: str | None, own_origins: tuple[str, ...] = ()
    ) -> WidgetAccess:
        """`own_origins` are this service's own (the preview page): always allowed."""
        if not public_key:
            raise Unauthorized("An embed key is required: the X-Embed-Key header or ?key=.")
        async with self._uow.system() as tx:
            code = await tx.embed_codes.find_by_public_key(public_key)
        if code is None or not code.active:
            raise Unauthorized("This embed key is unknown, replaced or switched off.")
        page = normalise_origin(origin)
        ours = page is not None and page in {normalise_origin(o) for o in own_origins}
        if not (ours or code.allows(origin)):
            raise OriginNotAllowed("This site is not allowed to use this chat widget.")
        return WidgetAccess(code, page or "")
