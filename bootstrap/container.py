"""The dependency-injector container: adapters chosen by settings, use cases wired to ports."""

from __future__ import annotations

from dependency_injector import containers, providers

from adapters.outbound.argon2.password_hasher import Argon2PasswordHasher
from adapters.outbound.jwt.token_issuer import PyJWTTokenIssuer
from adapters.outbound.limits.rate_limiter import LimitsRateLimiter
from adapters.outbound.memory.unit_of_work import InMemoryUnitOfWorkFactory
from adapters.outbound.postgres.unit_of_work import PostgresUnitOfWorkFactory
from adapters.outbound.probes import DatabaseProbe, NotConfiguredProbe
from adapters.outbound.system_clock import SystemClock
from application.ports.rate_limiter import RateLimit
from application.token_pairs import TokenPairs
from application.use_cases.api_keys import CreateApiKey, ListApiKeys, RevokeApiKey
from application.use_cases.authenticate import Authenticate
from application.use_cases.check_readiness import CheckReadiness
from application.use_cases.get_profile import GetProfile
from application.use_cases.get_workspace import GetWorkspace
from application.use_cases.log_in import LogIn
from application.use_cases.log_out import LogOut
from application.use_cases.members import AddMember, ListMembers
from application.use_cases.refresh_session import RefreshSession
from application.use_cases.register_account import RegisterAccount
from application.use_cases.update_workspace import ChangePlan, RenameWorkspace
from bootstrap.database import database_engine
from bootstrap.plans import load_plans
from bootstrap.secrets import signing_key
from bootstrap.settings import Settings


class Container(containers.DeclarativeContainer):
    settings = providers.Dependency(instance_of=Settings)

    # Infrastructure
    clock = providers.Singleton(SystemClock)
    plans = providers.Singleton(load_plans, settings.provided.plans_file)
    engine = providers.Resource(database_engine, settings)
    uow = providers.Selector(
        settings.provided.storage,
        postgres=providers.Singleton(PostgresUnitOfWorkFactory, engine),
        memory=providers.Singleton(InMemoryUnitOfWorkFactory),
    )
    password_hasher = providers.Singleton(
        Argon2PasswordHasher,
        time_cost=settings.provided.password_hash_time_cost,
        memory_cost_kib=settings.provided.password_hash_memory_kib,
    )
    token_issuer = providers.Singleton(
        PyJWTTokenIssuer,
        secret=providers.Singleton(signing_key, settings),
        clock=clock,
        access_ttl_seconds=settings.provided.access_token_ttl_seconds,
        refresh_ttl_seconds=settings.provided.refresh_token_ttl_seconds,
    )
    rate_limiter = providers.Singleton(LimitsRateLimiter)
    login_limit = providers.Singleton(RateLimit.parse, settings.provided.rate_limit_login)
    token_pairs = providers.Factory(TokenPairs, token_issuer, clock)
    readiness_probes = providers.Dict(
        database=providers.Factory(DatabaseProbe, uow),
        redis=providers.Factory(NotConfiguredProbe),
        queue=providers.Factory(NotConfiguredProbe),
    )

    # Use cases
    check_readiness = providers.Factory(CheckReadiness, readiness_probes)
    authenticate = providers.Factory(Authenticate, uow, token_issuer)
    register_account = providers.Factory(RegisterAccount, uow, password_hasher, token_pairs, clock)
    log_in = providers.Factory(LogIn, uow, password_hasher, token_pairs, rate_limiter, login_limit)
    refresh_session = providers.Factory(RefreshSession, uow, token_issuer, token_pairs, clock)
    log_out = providers.Factory(LogOut, uow, token_issuer, clock)
    get_profile = providers.Factory(GetProfile, uow)
    get_workspace = providers.Factory(GetWorkspace, uow, plans)
    rename_workspace = providers.Factory(RenameWorkspace, uow, get_workspace)
    change_plan = providers.Factory(ChangePlan, uow, get_workspace)
    list_members = providers.Factory(ListMembers, uow)
    add_member = providers.Factory(AddMember, uow, password_hasher, plans, clock)
    create_api_key = providers.Factory(CreateApiKey, uow, clock)
    list_api_keys = providers.Factory(ListApiKeys, uow)
    revoke_api_key = providers.Factory(RevokeApiKey, uow, clock)


def build_container(settings: Settings) -> Container:
    container = Container(settings=settings)
    return container
