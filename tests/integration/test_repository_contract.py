"""One contract for every UnitOfWorkFactory: the memory fake and PostgreSQL behave alike."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from application.pagination import PageRequest
from application.ports.unit_of_work import UnitOfWorkFactory
from application.ports.usage import MessageTaken
from domain.accounts import ApiKey, RefreshToken, User, Workspace
from domain.errors import EmailTaken
from domain.ids import ApiKeyId, TokenFamilyId, TokenId, UserId, WorkspaceId
from domain.plans import Plan
from domain.roles import Role

NOW = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)


def new_workspace() -> Workspace:
    return Workspace(WorkspaceId(uuid.uuid4()), "Acme", Plan.FREE, NOW)


def new_user(ws: Workspace, minutes: int = 0, role: Role = Role.OWNER) -> User:
    return User(
        id=UserId(uuid.uuid4()),
        workspace_id=ws.id,
        email=f"{uuid.uuid4().hex[:12]}@example.com",
        full_name="Ann",
        password_hash="$argon2id$fake",
        role=role,
        created_at=NOW + timedelta(minutes=minutes),
    )


async def seeded(uow: UnitOfWorkFactory, users: int = 1) -> tuple[Workspace, list[User]]:
    ws = new_workspace()
    people = [new_user(ws, minutes=i) for i in range(users)]
    async with uow.system() as tx:
        await tx.workspaces.add(ws)
        for person in people:
            await tx.users.add(person)
        await tx.commit()
    return ws, people


async def test_workspaces_round_trip_and_save(uow: UnitOfWorkFactory) -> None:
    ws, _ = await seeded(uow)
    async with uow.tenant(ws.id) as tx:
        stored = await tx.workspaces.get(ws.id, for_update=True)
        assert stored == ws
        stored.rename("Renamed")
        stored.change_plan(Plan.PRO)
        await tx.workspaces.save(stored)
        await tx.commit()
    async with uow.tenant(ws.id) as tx:
        again = await tx.workspaces.get(ws.id)
        assert again is not None and (again.name, again.plan) == ("Renamed", Plan.PRO)
        assert (await tx.workspaces.usage(ws.id)).seats == 1


async def test_uncommitted_work_is_rolled_back(uow: UnitOfWorkFactory) -> None:
    ws = new_workspace()
    async with uow.system() as tx:
        await tx.workspaces.add(ws)
    async with uow.system() as tx:
        assert await tx.workspaces.get(ws.id) is None


async def test_users_by_id_email_count_and_pages(uow: UnitOfWorkFactory) -> None:
    ws, people = await seeded(uow, users=3)
    async with uow.tenant(ws.id) as tx:
        assert await tx.users.get(ws.id, people[1].id) == people[1]
        assert await tx.users.count(ws.id) == 3
        first = await tx.users.list(ws.id, PageRequest(limit=2))
        assert [u.id for u in first.items] == [people[0].id, people[1].id]
        assert first.next_cursor is not None
        rest = await tx.users.list(ws.id, PageRequest.parse(2, first.next_cursor))
        assert [u.id for u in rest.items] == [people[2].id] and rest.next_cursor is None
        await tx.users.set_password_hash(ws.id, people[0].id, "$argon2id$new")
        await tx.commit()
    async with uow.system() as tx:
        found = await tx.users.find_by_email(people[0].email)
        assert found is not None and found.password_hash == "$argon2id$new"
        assert await tx.users.find_by_email("nobody@example.com") is None


async def test_emails_are_unique_across_workspaces(uow: UnitOfWorkFactory) -> None:
    _, (taken,) = await seeded(uow)
    other = new_workspace()
    duplicate = new_user(other)
    duplicate.email = taken.email
    async with uow.system() as tx:
        await tx.workspaces.add(other)
        with pytest.raises(EmailTaken):
            await tx.users.add(duplicate)


async def test_a_tenant_scope_never_sees_another_workspace(uow: UnitOfWorkFactory) -> None:
    """Even when a use case passes the wrong workspace id, the scope is a second wall."""
    ws_a, (ann,) = await seeded(uow)
    ws_b, _ = await seeded(uow)
    key = ApiKey(ApiKeyId(uuid.uuid4()), ws_a.id, "k", "ccgpt_sk_abc", uuid.uuid4().hex, NOW)
    async with uow.tenant(ws_a.id) as tx:
        await tx.api_keys.add(key)
        await tx.commit()
    async with uow.tenant(ws_b.id) as tx:
        assert await tx.workspaces.get(ws_a.id) is None
        assert await tx.users.get(ws_a.id, ann.id) is None
        assert await tx.users.find_by_email(ann.email) is None
        assert await tx.api_keys.get(ws_a.id, key.id) is None
        assert (await tx.users.list(ws_a.id, PageRequest())).items == []
        assert await tx.api_keys.find_active_by_digest(key.key_hash) is None


async def test_api_keys_listing_lookup_and_revocation(uow: UnitOfWorkFactory) -> None:
    ws, _ = await seeded(uow)
    keys = [
        ApiKey(
            ApiKeyId(uuid.uuid4()),
            ws.id,
            f"k{i}",
            "ccgpt_sk_x",
            uuid.uuid4().hex,
            NOW + timedelta(seconds=i),
        )
        for i in range(2)
    ]
    async with uow.tenant(ws.id) as tx:
        for key in keys:
            await tx.api_keys.add(key)
        await tx.commit()
    async with uow.tenant(ws.id) as tx:
        revoked = await tx.api_keys.get(ws.id, keys[0].id)
        assert revoked is not None
        revoked.revoke(NOW)
        await tx.api_keys.save(revoked)
        await tx.commit()
    async with uow.tenant(ws.id) as tx:
        active = await tx.api_keys.list_active(ws.id, PageRequest())
        assert [k.id for k in active.items] == [keys[1].id]
    async with uow.system() as tx:
        assert await tx.api_keys.find_active_by_digest(keys[0].key_hash) is None
        found = await tx.api_keys.find_active_by_digest(keys[1].key_hash)
        assert found is not None and found.workspace_id == ws.id


async def test_refresh_tokens_spend_and_family_revocation(uow: UnitOfWorkFactory) -> None:
    ws, (ann,) = await seeded(uow)
    family = TokenFamilyId(uuid.uuid4())
    tokens = [
        RefreshToken(TokenId(uuid.uuid4()), family, ann.id, ws.id, NOW + timedelta(days=1), NOW)
        for _ in range(2)
    ]
    async with uow.system() as tx:
        for token in tokens:
            await tx.refresh_tokens.add(token)
        first = await tx.refresh_tokens.get(tokens[0].id, for_update=True)
        assert first is not None and first.usable(NOW)
        first.spend(NOW, tokens[1].id)
        await tx.refresh_tokens.save(first)
        await tx.commit()
    async with uow.system() as tx:
        spent = await tx.refresh_tokens.get(tokens[0].id)
        assert spent is not None and spent.is_reuse() and spent.replaced_by == tokens[1].id
        await tx.refresh_tokens.revoke_family(family, NOW)
        await tx.commit()
    async with uow.system() as tx:
        successor = await tx.refresh_tokens.get(tokens[1].id)
        assert successor is not None and not successor.usable(NOW)


async def test_a_tenant_scope_cannot_write_into_another_workspace(uow: UnitOfWorkFactory) -> None:
    ws_a, _ = await seeded(uow)
    ws_b, _ = await seeded(uow)
    stray = ApiKey(ApiKeyId(uuid.uuid4()), ws_a.id, "k", "ccgpt_sk_x", uuid.uuid4().hex, NOW)
    with pytest.raises(Exception, match=r"(?i)row-level security"):
        async with uow.tenant(ws_b.id) as tx:
            await tx.api_keys.add(stray)
            await tx.commit()
    async with uow.system() as tx:
        assert await tx.api_keys.find_active_by_digest(stray.key_hash) is None


async def test_embed_codes_round_trip_and_are_found_by_public_key(uow: UnitOfWorkFactory) -> None:
    from domain.embed_codes import EmbedCode, WidgetSettings, new_public_key, parse_domains
    from domain.ids import EmbedCodeId

    ws_a, _ = await seeded(uow)
    ws_b, _ = await seeded(uow)
    code = EmbedCode(
        EmbedCodeId(uuid.uuid4()),
        ws_a.id,
        "Site",
        new_public_key(),
        NOW,
        NOW,
        parse_domains(["example.com", "*.shop.io:8443"]),
        WidgetSettings(primary_color="#112233", suggested_questions=("Where is my order?",)),
    )
    async with uow.tenant(ws_a.id) as tx:
        await tx.embed_codes.add(code)
        await tx.commit()
    async with uow.tenant(ws_a.id) as tx:
        assert await tx.embed_codes.get(ws_a.id, code.id) == code
        assert await tx.embed_codes.count(ws_a.id) == 1
        assert [c.id for c in (await tx.embed_codes.list(ws_a.id, PageRequest())).items] == [
            code.id
        ]
    async with uow.tenant(ws_b.id) as tx:
        assert await tx.embed_codes.get(ws_a.id, code.id) is None
        assert await tx.embed_codes.find_by_public_key(code.public_key) is None
    old_key = code.public_key
    code.rotate_key(NOW)
    async with uow.tenant(ws_a.id) as tx:
        await tx.embed_codes.save(code)
        await tx.commit()
    async with uow.system() as tx:
        assert await tx.embed_codes.find_by_public_key(old_key) is None
        found = await tx.embed_codes.find_by_public_key(code.public_key)
        assert found is not None and found.workspace_id == ws_a.id
    async with uow.tenant(ws_a.id) as tx:
        await tx.embed_codes.delete(ws_a.id, code.id)
        await tx.commit()
    async with uow.system() as tx:
        assert await tx.embed_codes.find_by_public_key(code.public_key) is None


async def test_feedback_is_one_verdict_per_message_and_stays_in_its_tenant(
    uow: UnitOfWorkFactory,
) -> None:
    from domain.conversations import Conversation, Message
    from domain.conversations import Role as MessageRole
    from domain.errors import Conflict
    from domain.feedback import Feedback, Rating
    from domain.ids import MessageId, SessionId

    ws_a, _ = await seeded(uow)
    ws_b, _ = await seeded(uow)
    session = Conversation(SessionId(uuid.uuid4()), ws_a.id, NOW, NOW)
    answer = Message(MessageId(uuid.uuid4()), ws_a.id, session.id, MessageRole.ASSISTANT, "a", NOW)
    async with uow.tenant(ws_a.id) as tx:
        await tx.conversations.add(session)
        await tx.conversations.add_message(answer)
        await tx.conversations.save_feedback(Feedback.on(answer, "down", " too vague ", NOW))
        await tx.commit()
    later = NOW + timedelta(minutes=1)
    async with uow.tenant(ws_a.id) as tx:
        assert await tx.conversations.get_message(ws_a.id, answer.id) == answer
        await tx.conversations.save_feedback(Feedback.on(answer, "up", None, later))
        await tx.commit()
    async with uow.tenant(ws_a.id) as tx:
        verdict = await tx.conversations.feedback(ws_a.id, answer.id)
        assert verdict is not None
        assert (verdict.rating, verdict.comment, verdict.created_at) == (Rating.UP, None, later)
    async with uow.tenant(ws_b.id) as tx:
        assert await tx.conversations.get_message(ws_a.id, answer.id) is None
        assert await tx.conversations.feedback(ws_a.id, answer.id) is None
    missing = Message(MessageId(uuid.uuid4()), ws_a.id, session.id, MessageRole.ASSISTANT, "x", NOW)
    async with uow.tenant(ws_a.id) as tx:
        with pytest.raises(Conflict):
            await tx.conversations.save_feedback(Feedback.on(missing, "up", None, NOW))


async def test_a_message_counts_only_within_the_allowance_of_the_workspace_plan(
    uow: UnitOfWorkFactory,
) -> None:
    ws, _ = await seeded(uow)
    other, _ = await seeded(uow)
    month = NOW.date().replace(day=1)
    allowances = {Plan.FREE: 2, Plan.PRO: -1, Plan.ENTERPRISE: 0}

    async def take(scope: Workspace, workspace_id: WorkspaceId) -> MessageTaken | None:
        async with uow.tenant(scope.id) as tx:
            taken = await tx.usage.take_message(workspace_id, month, allowances)
            await tx.commit()
            return taken

    assert [await take(ws, ws.id) for _ in range(3)] == [
        MessageTaken(Plan.FREE, counted=True),
        MessageTaken(Plan.FREE, counted=True),
        MessageTaken(Plan.FREE, counted=False),
    ]
    assert await take(ws, other.id) is None  # another tenant's workspace is not there
    assert await take(ws, WorkspaceId(uuid.uuid4())) is None
    for plan, counted in ((Plan.PRO, True), (Plan.ENTERPRISE, False)):
        async with uow.tenant(ws.id) as tx:
            stored = await tx.workspaces.get(ws.id, for_update=True)
            assert stored is not None
            stored.change_plan(plan)
            await tx.workspaces.save(stored)
            await tx.commit()
        assert await take(ws, ws.id) == MessageTaken(plan, counted)
    async with uow.tenant(ws.id) as tx:
        assert await tx.usage.messages(ws.id, month) == 3
    async with uow.tenant(other.id) as tx:
        assert await tx.usage.messages(other.id, month) == 0
