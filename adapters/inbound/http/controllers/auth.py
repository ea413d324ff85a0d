"""Register, log in, refresh, log out."""

from __future__ import annotations

from litestar import Controller, post
from litestar.di import NamedDependency
from litestar.params import JSONBody

from adapters.inbound.http.schemas import auth as a
from application.use_cases.log_in import LogIn, LogInInput
from application.use_cases.log_out import LogOut
from application.use_cases.refresh_session import RefreshSession
from application.use_cases.register_account import RegisterAccount, RegisterInput


class AuthController(Controller):
    path = "/api/v1/auth"
    tags = ["accounts"]

    @post("/register", status_code=201)
    async def register(
        self, data: JSONBody[a.RegisterBody], register_account: NamedDependency[RegisterAccount]
    ) -> a.RegisteredOut:
        result = await register_account.execute(
            RegisterInput(data.email, data.password, data.full_name, data.workspace_name)
        )
        pair = result.tokens
        return a.RegisteredOut(
            user=a.user_out(result.user),
            workspace=a.workspace_ref(result.workspace),
            access_token=pair.access_token,
            refresh_token=pair.refresh_token,
            expires_in=pair.expires_in,
        )

    @post("/login", status_code=200)
    async def login(
        self,
        data: JSONBody[a.LoginBody],
        log_in: NamedDependency[LogIn],
        client_ip: NamedDependency[str],
    ) -> a.TokenPairOut:
        pair = await log_in.execute(LogInInput(data.email, data.password, client_ip))
        return a.token_pair_out(pair)

    @post("/refresh", status_code=200)
    async def refresh(
        self, data: JSONBody[a.RefreshBody], refresh_session: NamedDependency[RefreshSession]
    ) -> a.TokenPairOut:
        return a.token_pair_out(await refresh_session.execute(data.refresh_token))

    @post("/logout", status_code=204)
    async def logout(self, data: JSONBody[a.RefreshBody], log_out: NamedDependency[LogOut]) -> None:
        await log_out.execute(data.refresh_token)
