"""Litestar dependencies: use cases from the container, the caller's Principal, the client IP."""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from typing import Any

import structlog
from litestar import Request
from litestar._kwargs.cleanup import DependencyCleanupGroup
from litestar._kwargs.dependencies import resolve_dependency
from litestar._kwargs.kwargs_model import KwargsModel
from litestar.connection import ASGIConnection
from litestar.datastructures import State
from litestar.di import Provide

from adapters.inbound.http.context import first_header
from application.principal import Principal
from application.use_cases.authenticate import Authenticate

USE_CASE_PACKAGE = "application.use_cases."


def use_case_dependencies(container: Any) -> dict[str, Provide]:
    """Every use-case provider of the container, by its name: a handler asks for
    `rename_workspace: NamedDependency[RenameWorkspace]` and gets a fresh one."""
    deps: dict[str, Provide] = {}
    for name, provider in container.providers.items():
        made = getattr(provider, "cls", None)
        if isinstance(made, type) and made.__module__.startswith(USE_CASE_PACKAGE):
            deps[name] = _made_by(provider)
    return deps


def _made_by(provider: Callable[[], Any]) -> Provide:
    def provide() -> Any:
        return provider()

    return Provide(provide, sync_to_thread=False)


# Litestar checks each argument of a dependency with isinstance(): against a subscripted
# `Request[Any, Any, Any]` that raises and falls back, ~6 us a request (issue 14), so the
# dependencies take the bare classes. A `state: State` argument is a new State built from
# the app's dict on every request: the hot ones read `request.app.state` instead.


async def provide_principal(request: Request) -> Principal:  # type: ignore[type-arg]
    scheme, _, token = (first_header(request.scope, b"authorization") or "").partition(" ")
    bearer = token.strip() if scheme.lower() == "bearer" else ""
    authenticate: Authenticate = request.app.state.container.authenticate()
    principal = await authenticate.execute(bearer)
    structlog.contextvars.bind_contextvars(workspace_id=str(principal.workspace_id))
    return principal


def public_base(request: ASGIConnection, state: State) -> str:  # type: ignore[type-arg]
    """CCGPT_PUBLIC_URL, else the URL this request came in on."""
    configured: str | None = state.settings.public_url
    return configured or str(request.base_url)


def client_ip(request: ASGIConnection, state: State) -> str:  # type: ignore[type-arg]
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


def dependencies(container: Any) -> dict[str, Provide]:
    deps = use_case_dependencies(container)
    deps["principal"] = Provide(provide_principal)
    deps["client_ip"] = Provide(client_ip, sync_to_thread=False)
    deps["public_base"] = Provide(public_base, sync_to_thread=False)
    return deps


async def _in_order(
    self: KwargsModel, connection: ASGIConnection[Any, Any, Any, Any], kwargs: dict[str, Any]
) -> DependencyCleanupGroup:
    cleanup_group = DependencyCleanupGroup()
    for batch in self.dependency_batches:
        for dependency in batch:
            await resolve_dependency(dependency, connection, kwargs, cleanup_group)
    return cleanup_group


def resolve_dependencies_in_order() -> None:
    """Litestar resolves a handler's independent dependencies concurrently, in an anyio
    task each. Ours are use cases made by the container (no I/O) and at most one that
    awaits (the principal or the widget access), so that bought nothing and cost a fifth of
    a small request (issue 14); and a task's context is its own, so the `workspace_id` the
    principal binds for the logs was lost whenever a handler had two dependencies."""
    KwargsModel.resolve_dependencies = _in_order  # type: ignore[method-assign]
