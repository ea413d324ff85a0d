"""The console's session: the refresh token lives in an HttpOnly, SameSite=Strict cookie
that only these endpoints receive; page scripts only ever hold the short access token."""

from __future__ import annotations

from typing import Any, Literal, TypeVar

from litestar import Controller, Request, Response, delete, post
from litestar.datastructures import Cookie, State
from litestar.di import NamedDependency
from litestar.params import JSONBody

from adapters.inbound.http.schemas import auth as a
from adapters.inbound.http.schemas.base import BodyOut
from application.token_pairs import TokenPair
from application.use_cases.log_in import LogIn, LogInInput
from application.use_cases.log_out import LogOut
from application.use_cases.refresh_session import RefreshSession
from application.use_cases.register_account import RegisterAccount, RegisterInput
from domain.errors import Forbidden, Unauthorized

COOKIE = "ccgpt_console_refresh"
COOKIE_PATH = "/console/session"


class ConsoleTokenOut(BodyOut, kw_only=True):
    access_token: str
    token_type: Literal["bearer"] = "bearer"  # noqa: S105 - the OAuth token type
    expires_in: int


class ConsoleSignupOut(ConsoleTokenOut, kw_only=True):
    user: a.UserOut
    workspace: a.WorkspaceRef


def _secure(request: Request[Any, Any, Any], state: State) -> bool:
    """Secure under https: the request's own scheme, or the configured public URL's."""
    public: str | None = state.settings.public_url
    return request.url.scheme == "https" or bool(public and public.startswith("https://"))


def _cookie(request: Request[Any, Any, Any], state: State, value: str, max_age: int) -> Cookie:
    return Cookie(
        key=COOKIE,
        value=value,
        max_age=max_age,
        path=COOKIE_PATH,
        httponly=True,
        samesite="strict",
        secure=_secure(request, state),
    )


Out = TypeVar("Out", bound=ConsoleTokenOut)


def _with_cookie(
    out: Out, pair: TokenPair, request: Request[Any, Any, Any], state: State, code: int
) -> Response[Out]:
    ttl: int = state.settings.refresh_token_ttl_seconds
    return Response(
        out,
        status_code=code,
        cookies=[_cookie(request, state, pair.refresh_token, ttl)],
        headers={"Cache-Control": "no-store"},
    )


def _same_origin_only(request: Request[Any, Any, Any]) -> None:
    """Defence in depth beside SameSite: a browser's cross-site call is refused outright."""
    if request.headers.get("sec-fetch-site") in ("cross-site", "same-site"):
        raise Forbidden("The console session is only for the console's own pages.")


async def _end_previous(request: Request[Any, Any, Any], log_out: LogOut) -> None:
    """A new sign-in on this browser ends the log-in its cookie held, rather than leaving
    it valid and unreachable until it expires."""
    token = request.cookies.get(COOKIE)
    if token:
        await log_out.execute(token)


def _token_out(pair: TokenPair) -> ConsoleTokenOut:
    return ConsoleTokenOut(access_token=pair.access_token, expires_in=pair.expires_in)


class ConsoleSessionController(Controller):
    """Sign up, sign in, refresh and sign out for the console (ours, beyond API.md's list:
    the endpoints API.md's Console section allows)."""

    path = "/console/session"
    tags = ["console"]
    security = []

    @post("/signup", status_code=201)
    async def sign_up(
        self,
        request: Request[Any, Any, Any],
        state: State,
        data: JSONBody[a.RegisterBody],
        register_account: NamedDependency[RegisterAccount],
        log_out: NamedDependency[LogOut],
    ) -> Response[ConsoleSignupOut]:
        _same_origin_only(request)
        await _end_previous(request, log_out)
        result = await register_account.execute(
            RegisterInput(data.email, data.password, data.full_name, data.workspace_name)
        )
        out = ConsoleSignupOut(
            access_token=result.tokens.access_token,
            expires_in=result.tokens.expires_in,
            user=a.user_out(result.user),
            workspace=a.workspace_ref(result.workspace),
        )
        return _with_cookie(out, result.tokens, request, state, 201)

    @post(status_code=200)
    async def sign_in(
        self,
        request: Request[Any, Any, Any],
        state: State,
        data: JSONBody[a.LoginBody],
        log_in: NamedDependency[LogIn],
        log_out: NamedDependency[LogOut],
        client_ip: NamedDependency[str],
    ) -> Response[ConsoleTokenOut]:
        _same_origin_only(request)
        pair = await log_in.execute(LogInInput(data.email, data.password, client_ip))
        await _end_previous(request, log_out)
        return _with_cookie(_token_out(pair), pair, request, state, 200)

    @post("/refresh", status_code=200)
    async def refresh(
        self,
        request: Request[Any, Any, Any],
        state: State,
        refresh_session: NamedDependency[RefreshSession],
    ) -> Response[ConsoleTokenOut]:
        """A new access token from the cookie; the cookie's token is spent and replaced."""
        _same_origin_only(request)
        token = request.cookies.get(COOKIE)
        if not token:
            raise Unauthorized("Not signed in.")
        pair = await refresh_session.execute(token)
        return _with_cookie(_token_out(pair), pair, request, state, 200)

    @delete(status_code=204)
    async def sign_out(
        self, request: Request[Any, Any, Any], state: State, log_out: NamedDependency[LogOut]
    ) -> Response[None]:
        """Revokes the log-in (its access tokens and sockets end too) and drops the cookie."""
        _same_origin_only(request)
        token = request.cookies.get(COOKIE)
        if token:
            await log_out.execute(token)
        return Response(None, status_code=204, cookies=[_cookie(request, state, "", 0)])
