"""Account use cases, driven through the real container with memory adapters."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from adapters.outbound.memory.unit_of_work import InMemoryUnitOfWorkFactory
from application.pagination import PageRequest
from application.principal import Principal
from application.recently_read import RecentlyRead
from application.use_cases.add_member import AddMemberInput
from application.use_cases.log_in import LogInInput
from application.use_cases.register_account import RegisterInput, RegisterResult
from bootstrap.container import Container
from domain.errors import (
    EmailTaken,
    Forbidden,
    InvalidCredentials,
    NotFound,
    QuotaExceeded,
    RateLimited,
    Unauthorized,
    ValidationFailed,
)
from domain.ids import ApiKeyId, WorkspaceId
from domain.roles import Role

PASSWORD = "a-good-password"


async def register(container: Container, email: str | None = None) -> RegisterResult:
    email = email or f"{uuid.uuid4().hex[:8]}@example.com"
    inp = RegisterInput(email, PASSWORD, "Ann Owner", "Acme")
    return await container.register_account().execute(inp)


async def owner_of(container: Container) -> Principal:
    result = await register(container)
    return await container.authenticate().execute(result.tokens.access_token)


async def test_register_creates_a_free_workspace_and_its_owner(container: Container) -> None:
    result = await register(container, "Ann@Example.com")
    assert result.workspace.plan.value == "free"
    assert result.user.role is Role.OWNER and result.user.email == "ann@example.com"
    assert result.user.password_hash != PASSWORD
    principal = await container.authenticate().execute(result.tokens.access_token)
    assert principal == Principal(result.workspace.id, Role.OWNER, user_id=result.user.id)


async def test_an_email_registers_once_whatever_its_case(container: Container) -> None:
    await register(container, "dup@example.com")
    with pytest.raises(EmailTaken):
        await register(container, "DUP@example.com")


async def test_a_failed_registration_leaves_nothing_behind(container: Container) -> None:
    uow: InMemoryUnitOfWorkFactory = container.uow()
    await register(container, "first@example.com")
    before = uow.store.snapshot()
    with pytest.raises(EmailTaken):
        await register(container, "first@example.com")
    assert uow.store.snapshot() == before
    assert uow.last is not None and not uow.last.committed


async def test_login_answers_alike_for_unknown_email_and_wrong_password(
    container: Container,
) -> None:
    await register(container, "known@example.com")
    log_in = container.log_in()
    errors = []
    for email, password in (
        ("known@example.com", "wrong-password"),
        ("nobody@example.com", PASSWORD),
    ):
        with pytest.raises(InvalidCredentials) as caught:
            await log_in.execute(LogInInput(email, password, "192.0.2.1"))
        errors.append((caught.value.code, caught.value.detail))
    assert errors[0] == errors[1]
    tokens = await log_in.execute(LogInInput("KNOWN@example.com", PASSWORD, "192.0.2.1"))
    assert tokens.access_token


async def test_repeated_failed_logins_are_refused_for_a_while(container: Container) -> None:
    await register(container, "target@example.com")
    log_in = container.log_in()  # login limit: 10/minute by default
    for _ in range(10):
        with pytest.raises(InvalidCredentials):
            await log_in.execute(LogInInput("target@example.com", "bad-password", "192.0.2.7"))
    with pytest.raises(RateLimited) as caught:
        await log_in.execute(LogInInput("target@example.com", PASSWORD, "198.51.100.1"))
    assert caught.value.retry_after >= 1


async def test_a_burst_of_parallel_guesses_cannot_outrun_the_limit(container: Container) -> None:
    await register(container, "burst@example.com")
    log_in = container.log_in()  # 10/minute per account by default
    attempts = [
        log_in.execute(LogInInput("burst@example.com", f"guess-{n:04d}-x", f"198.51.100.{n}"))
        for n in range(30)
    ]
    outcomes = await asyncio.gather(*attempts, return_exceptions=True)
    assert sum(isinstance(o, InvalidCredentials) for o in outcomes) == 10
    assert sum(isinstance(o, RateLimited) for o in outcomes) == 20


async def test_refresh_rotates_and_reuse_revokes_the_family(container: Container) -> None:
    first = (await register(container)).tokens
    refresh = container.refresh_session()
    second = await refresh.execute(first.refresh_token)
    assert second.refresh_token != first.refresh_token
    third = await refresh.execute(second.refresh_token)
    with pytest.raises(Unauthorized):
        await refresh.execute(first.refresh_token)  # a spent token came back: theft
    with pytest.raises(Unauthorized):
        await refresh.execute(third.refresh_token)  # so the whole family is dead


async def test_logout_ends_the_refresh_family(container: Container) -> None:
    tokens = (await register(container)).tokens
    await container.log_out().execute(tokens.refresh_token)
    await container.log_out().execute(tokens.refresh_token)  # idempotent
    await container.log_out().execute("not-a-token")
    with pytest.raises(Unauthorized):
        await container.refresh_session().execute(tokens.refresh_token)


async def test_api_keys_authenticate_until_revoked(container: Container) -> None:
    owner = await owner_of(container)
    created = await container.create_api_key().execute(owner, "CI")
    as_key = await container.authenticate().execute(created.plaintext)
    assert as_key.workspace_id == owner.workspace_id and as_key.role is Role.ADMIN
    listed = await container.list_api_keys().execute(owner, PageRequest())
    assert [k.id for k in listed.items] == [created.key.id]
    await container.revoke_api_key().execute(owner, created.key.id)
    with pytest.raises(Unauthorized):
        await container.authenticate().execute(created.plaintext)
    with pytest.raises(NotFound):
        await container.revoke_api_key().execute(owner, created.key.id)


async def test_another_workspace_cannot_revoke_a_key(container: Container) -> None:
    owner, stranger = await owner_of(container), await owner_of(container)
    created = await container.create_api_key().execute(owner, "CI")
    with pytest.raises(NotFound):
        await container.revoke_api_key().execute(stranger, ApiKeyId(created.key.id))
    assert (
        await container.authenticate().execute(created.plaintext)
    ).workspace_id == owner.workspace_id


async def test_seats_follow_the_plan_and_plan_changes_apply_at_once(container: Container) -> None:
    owner = await owner_of(container)
    agent = AddMemberInput("agent@example.com", "Al Agent", "agent", PASSWORD)
    with pytest.raises(QuotaExceeded, match="seats"):
        await container.add_member().execute(owner, agent)
    view = await container.change_plan().execute(owner, "pro")
    assert view.limits.seats > 1
    member = await container.add_member().execute(owner, agent)
    assert member.role is Role.AGENT
    assert (await container.get_workspace().execute(owner)).usage.seats == 2
    with pytest.raises(EmailTaken):
        await container.add_member().execute(owner, agent)


async def test_roles_limit_what_members_do(container: Container) -> None:
    owner = await owner_of(container)
    await container.change_plan().execute(owner, "pro")
    admin_user = await container.add_member().execute(
        owner, AddMemberInput("admin@example.com", "Ada Admin", "admin", PASSWORD)
    )
    admin = Principal(owner.workspace_id, Role.ADMIN, user_id=admin_user.id)
    await container.rename_workspace().execute(admin, "Renamed")
    with pytest.raises(Forbidden):
        await container.change_plan().execute(admin, "enterprise")
    with pytest.raises(Forbidden):
        await container.add_member().execute(
            admin, AddMemberInput("a2@example.com", "A Two", "admin", PASSWORD)
        )
    agent_user = await container.add_member().execute(
        admin, AddMemberInput("agent@example.com", "Al Agent", "agent", PASSWORD)
    )
    agent = Principal(owner.workspace_id, Role.AGENT, user_id=agent_user.id)
    assert (await container.get_workspace().execute(agent)).workspace.name == "Renamed"
    for forbidden in (
        container.rename_workspace().execute(agent, "Mine"),
        container.create_api_key().execute(agent, "key"),
        container.list_api_keys().execute(agent, PageRequest()),
    ):
        with pytest.raises(Forbidden):
            await forbidden


async def test_bad_input_is_refused_before_anything_is_stored(container: Container) -> None:
    owner = await owner_of(container)
    with pytest.raises(ValidationFailed):
        await container.change_plan().execute(owner, "platinum")
    with pytest.raises(ValidationFailed):
        await container.rename_workspace().execute(owner, "   ")
    with pytest.raises(ValidationFailed):
        await container.add_member().execute(
            owner, AddMemberInput("x@example.com", "X", "owner", PASSWORD)
        )


async def test_profiles_are_remembered_but_changes_made_here_show_at_once(
    container: Container,
) -> None:
    principal = await owner_of(container)
    first = await container.get_profile().execute(principal)
    uow: InMemoryUnitOfWorkFactory = container.uow()
    latest = uow.last
    again = await container.get_profile().execute(principal)
    assert again == first and uow.last is latest  # no transaction opened
    await container.rename_workspace().execute(principal, "Renamed")
    await container.change_plan().execute(principal, "pro")
    after = await container.get_profile().execute(principal)
    assert (after.workspace.name, after.workspace.plan.value) == ("Renamed", "pro")


def test_what_is_recently_read_expires_and_is_forgotten_per_workspace() -> None:
    now = [0.0]
    memory: RecentlyRead[str, int | None] = RecentlyRead(seconds=5, clock=lambda: now[0])
    mine, theirs = WorkspaceId(uuid.uuid4()), WorkspaceId(uuid.uuid4())
    memory.remember("a", mine, None)
    memory.remember("b", theirs, 2)
    now[0] = 4.9
    assert memory.recall("a") == (None,) and memory.recall("b") == (2,)
    memory.forget(mine)
    assert memory.recall("a") is None and memory.recall("b") == (2,)
    now[0] = 5.0
    assert memory.recall("b") is None


async def test_access_changes_announced_here_apply_at_once(container: Container) -> None:
    result = await register(container)
    owner = await container.authenticate().execute(result.tokens.access_token)
    await container.change_plan().execute(owner, "pro")
    admin = await container.add_member().execute(
        owner,
        AddMemberInput(f"{uuid.uuid4().hex[:8]}@example.com", "Al Admin", "admin", PASSWORD),
    )
    tokens = await container.log_in().execute(LogInInput(admin.email, PASSWORD, "10.0.0.1"))
    assert (await container.authenticate().execute(tokens.access_token)).role is Role.ADMIN
    await container.remove_member().execute(owner, admin.id)
    with pytest.raises(Unauthorized):  # not 5 seconds later: now
        await container.authenticate().execute(tokens.access_token)
