"""Litestar dependencies: use cases from the container, the caller's Principal, the client IP."""

from __future__ import annotations

import inspect
import ipaddress
from typing import Any

import structlog
from litestar import Request
from litestar.connection import ASGIConnection
from litestar.datastructures import State
from litestar.di import Provide

from application.principal import Principal
from application.use_cases.authenticate import Authenticate

USE_CASES = (
    "check_readiness",
    "register_account",
    "log_in",
    "refresh_session",
    "log_out",
    "get_profile",
    "get_workspace",
    "rename_workspace",
    "change_plan",
    "list_members",
    "add_member",
    "change_member_role",
    "remove_member",
    "create_api_key",
    "list_api_keys",
    "revoke_api_key",
    "add_document",
    "read_documents",
    "reindex_document",
    "delete_document",
    "search_knowledge",
    "answer_message",
    "read_conversations",
    "hand_over",
    "post_agent_message",
    "create_embed_code",
    "read_embed_codes",
    "change_embed_code",
    "start_widget_session",
    "widget_chat",
    "get_analytics_summary",
    "get_queries_over_time",
    "get_top_queries",
    "get_document_usage",
    "get_embed_code_usage",
    "get_answer_quality",
    "export_conversations",
    "export_visitor",
    "erase_visitor",
    "change_retention",
    "find_content_gaps",
)


async def resolve(container: Any, name: str) -> Any:
    """Providers that depend on an async resource (the engine) hand back awaitables."""
    provided = getattr(container, name)()
    return await provided if inspect.isawaitable(provided) else provided


def _from_container(name: str) -> Provide:
    async def provide(state: State) -> Any:
        return await resolve(state.container, name)

    return Provide(provide)


async def provide_principal(request: Request[Any, Any, Any], state: State) -> Principal:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    bearer = token.strip() if scheme.lower() == "bearer" else ""
    authenticate: Authenticate = await resolve(state.container, "authenticate")
    principal = await authenticate.execute(bearer)
    structlog.contextvars.bind_contextvars(workspace_id=str(principal.workspace_id))
    return principal


def public_base(request: ASGIConnection[Any, Any, Any, Any], state: State) -> str:
    """CCGPT_PUBLIC_URL, else the URL this request came in on."""
    configured: str | None = state.settings.public_url
    return configured or str(request.base_url)


def client_ip(request: ASGIConnection[Any, Any, Any, Any], state: State) -> str:
    """The one place the client's address is decided, for HTTP and sockets alike: the peer,
    or, while the peer is a proxy of CCGPT_TRUSTED_PROXIES, the hop of X-Forwarded-For it
    names (right to left). Nothing else is believed: `ccgpt serve` turns uvicorn's own
    proxy-header handling off, which would otherwise believe any local peer."""
    peer = request.client.host if request.client else "0.0.0.0"  # noqa: S104 - only a key
    trusted = state.trusted_proxies
    hops = [h.strip() for h in request.headers.get("x-forwarded-for", "").split(",") if h.strip()]
    address = peer
    while hops and _in(address, trusted):
        hop = hops.pop()
        if _ip(hop) is None:
            break  # garbage from the client, passed through: stop at the last real address
        address = hop
    return address


def _ip(address: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(address)
    except ValueError:
        return None


def _in(address: str, networks: tuple[Any, ...]) -> bool:
    ip = _ip(address)
    return ip is not None and any(ip in net for net in networks)


def dependencies() -> dict[str, Provide]:
    deps = {name: _from_container(name) for name in USE_CASES}
    deps["principal"] = Provide(provide_principal)
    deps["client_ip"] = Provide(client_ip, sync_to_thread=False)
    return deps
