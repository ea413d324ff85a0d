"""The widget's use cases driven directly, with memory adapters: the door, session tokens,
budgets and feedback."""

from __future__ import annotations

import pytest

from adapters.outbound.parsing.isolated import InlineDocumentParser
from application.answering import AnswerPolicy
from application.embed_code_changes import EmbedCodeChanges
from application.ports.rate_limiter import RateLimit
from application.principal import Principal
from application.use_cases.register_account import RegisterInput
from application.widget_access import WidgetAccess, WidgetLimits
from bootstrap.container import Container
from domain.conversations import Action, ConversationStatus
from domain.embed_codes import EmbedCode
from domain.errors import (
    Forbidden,
    NotFound,
    OriginNotAllowed,
    RateLimited,
    Unauthorized,
    ValidationFailed,
)
from domain.ids import MessageId, SessionId, new_uuid

SITE = "https://shop.example.com"
IP = "203.0.113.7"


@pytest.fixture
async def owner(container: Container) -> Principal:
    container.parser.override(InlineDocumentParser())
    container.answer_policy.override(AnswerPolicy(min_similarity=0.05))  # hashing vectors
    result = await container.register_account().execute(
        RegisterInput(f"w{id(container)}@example.com", "a-good-password", "O", "Shop")
    )
    principal = Principal(result.workspace.id, result.user.role, user_id=result.user.id)
    await container.add_text_document().execute(
        principal, "Shipping", "Orders to Canada arrive in 5 to 8 business days."
    )
    await container.ingestion_worker().run_until_idle()
    return principal


async def new_code(container: Container, owner: Principal, **settings: object) -> EmbedCode:
    spec = EmbedCodeChanges("Shop", ["shop.example.com"], settings or None)
    return await container.create_embed_code().execute(owner, spec)


async def opened(container: Container, code: EmbedCode, origin: str = SITE) -> WidgetAccess:
    return await container.open_widget().execute(code.public_key, origin)


async def test_the_door_wants_a_current_key_and_an_allowed_origin(
    container: Container, owner: Principal
) -> None:
    code = await new_code(container, owner)
    access = await opened(container, code, "HTTPS://Shop.Example.com:443")
    assert access.code.id == code.id and access.origin == SITE
    with pytest.raises(OriginNotAllowed):
        await opened(container, code, "https://shop.example.com.evil.net")
    with pytest.raises(OriginNotAllowed):
        await container.open_widget().execute(code.public_key, None)
    # The service's own origin (the preview page) is always allowed.
    own = await container.open_widget().execute(
        code.public_key, "http://localhost:8000", ("http://localhost:8000/",)
    )
    assert own.origin == "http://localhost:8000"
    with pytest.raises(Unauthorized):
        await container.open_widget().execute("ccgpt_pk_nope", SITE)
    await container.update_embed_code().execute(owner, code.id, EmbedCodeChanges(active=False))
    with pytest.raises(Unauthorized):
        await opened(container, code)


async def test_a_session_token_dies_with_its_key(container: Container, owner: Principal) -> None:
    code = await new_code(container, owner)
    access = await opened(container, code)
    session = await container.start_widget_session().execute(access, IP, "v1")
    history = container.read_widget_history()
    thread = await history.execute(access, session.session_token, session.session_id)
    assert thread.messages == [] and thread.conversation.visitor_id == "v1"
    rotated = await container.rotate_embed_key().execute(owner, code.id)
    fresh = await opened(container, rotated)
    with pytest.raises(Unauthorized):
        await history.execute(fresh, session.session_token, session.session_id)
    with pytest.raises(Forbidden):
        await history.execute(access, session.session_token, SessionId(new_uuid()))


async def test_a_retry_spends_no_budget_and_a_refusal_speaks_the_code_message(
    container: Container, owner: Principal
) -> None:
    container.widget_limits.override(WidgetLimits(RateLimit(2, 60), RateLimit(100, 60)))
    code = await new_code(container, owner, rate_limited_message="Slow down, please.")
    access = await opened(container, code)
    ask = container.ask_in_widget()
    session = await container.start_widget_session().execute(access, IP, None)  # IP: 1 of 2
    token, sid = session.session_token, session.session_id
    first = await ask.execute(access, token, sid, "Shipping to Canada?", "c-1", IP)  # 2 of 2
    assert first.action is Action.ANSWERED and first.rate and first.rate.remaining == 0
    again = await ask.execute(access, token, sid, "Shipping to Canada?", "c-1", IP)
    assert again.message_id == first.message_id
    with pytest.raises(RateLimited) as refused:
        await ask.execute(access, token, sid, "And to Mexico?", "c-2", IP)
    assert refused.value.detail == "Slow down, please." and refused.value.limit == 2
    # The same address on another workspace's site has a budget of its own.
    other = await container.register_account().execute(
        RegisterInput("other@example.com", "a-good-password", "P", "Other")
    )
    theirs = Principal(other.workspace.id, other.user.role, user_id=other.user.id)
    their_access = await opened(container, await new_code(container, theirs))
    await container.start_widget_session().execute(their_access, IP, None)


async def test_feedback_rates_answers_of_the_own_session_only(
    container: Container, owner: Principal
) -> None:
    access = await opened(container, await new_code(container, owner))
    start, ask = container.start_widget_session(), container.ask_in_widget()
    rate = container.rate_answer()
    mine, theirs = await start.execute(access, IP, None), await start.execute(access, IP, None)
    reply = await ask.execute(
        access, mine.session_token, mine.session_id, "Shipping to Canada?", None, IP
    )
    saved = await rate.execute(access, mine.session_token, reply.message_id, "down", " Too short ")
    assert saved.comment == "Too short"
    with pytest.raises(Forbidden):
        await rate.execute(access, theirs.session_token, reply.message_id, "up", None)
    with pytest.raises(ValidationFailed):
        await rate.execute(access, mine.session_token, reply.message_id, "sideways", None)
    with pytest.raises(NotFound):
        await rate.execute(access, mine.session_token, MessageId(new_uuid()), "up", None)


async def test_asking_for_a_person_silences_the_bot(container: Container, owner: Principal) -> None:
    access = await opened(container, await new_code(container, owner))
    session = await container.start_widget_session().execute(access, IP, None)
    ask = container.ask_in_widget()
    conversation = await container.request_person().execute(
        access, session.session_token, session.session_id
    )
    assert conversation.status is ConversationStatus.HANDOFF
    reply = await ask.execute(access, session.session_token, session.session_id, "Hello?", None, IP)
    assert reply.action is Action.HANDOFF and reply.answer == ""


async def test_a_keyless_preflight_origin_is_allowed_only_if_some_active_code_allows_it(
    container: Container, owner: Principal
) -> None:
    check = container.check_widget_origin()
    assert not await check.execute("https://shop.example.com")  # no codes yet
    code = await new_code(container, owner)
    fresh = type(check)(container.uow(), cache_seconds=0)
    allowed = [d for d in (str(p) for p in code.allowed_domains)]
    assert allowed, "new_code gives an allowlist"
    host = allowed[0].removeprefix("*.")
    assert await fresh.execute(f"https://{host}")
    assert not await fresh.execute("https://evil.example.net")
    assert await fresh.execute("https://evil.example.net", ("https://evil.example.net",))
    await container.update_embed_code().execute(owner, code.id, EmbedCodeChanges(active=False))
    assert not await fresh.execute(f"https://{host}")
