"""Domain rules of accounts, roles, plans and rate limits."""

from __future__ import annotations

import pytest

from application.pagination import Cursor, PageRequest
from application.ports.rate_limiter import RateLimit
from domain.accounts import check_password, clean_name, normalise_email
from domain.errors import Forbidden, QuotaExceeded, ValidationFailed
from domain.plans import Plan, PlanCatalog
from domain.roles import Permission, Role
from domain.secret_keys import digest_secret_key, display_prefix, new_secret_key


@pytest.mark.parametrize("raw", ["Ann@Example.COM", "  ann@example.com "])
def test_emails_are_normalised(raw: str) -> None:
    assert normalise_email(raw) == "ann@example.com"


@pytest.mark.parametrize("raw", ["", "ann", "ann@", "@example.com", "a b@example.com", "ann@host"])
def test_malformed_emails_are_refused(raw: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        normalise_email(raw)
    assert caught.value.errors[0].field == "email"


@pytest.mark.parametrize(("length", "ok"), [(9, False), (10, True), (128, True), (129, False)])
def test_password_length_bounds(length: int, ok: bool) -> None:
    if ok:
        check_password("x" * length)
    else:
        with pytest.raises(ValidationFailed):
            check_password("x" * length)


def test_names_lose_control_characters_and_must_not_be_blank() -> None:
    assert clean_name("  Acme\x00 Inc\n ", "name") == "Acme Inc"
    with pytest.raises(ValidationFailed):
        clean_name(" \t ", "name")


def test_roles() -> None:
    assert Role.OWNER.can(Permission.CHANGE_PLAN)
    assert not Role.ADMIN.can(Permission.CHANGE_PLAN)
    assert not Role.ADMIN.can(Permission.ASSIGN_ADMIN)
    assert Role.ADMIN.can(Permission.MANAGE_API_KEYS)
    assert Role.AGENT.can(Permission.HANDLE_CONVERSATIONS)
    assert Role.AGENT.can(Permission.READ_ANALYTICS)
    for denied in (Permission.MANAGE_WORKSPACE, Permission.ADD_MEMBER, Permission.MANAGE_KNOWLEDGE):
        with pytest.raises(Forbidden):
            Role.AGENT.require(denied)
    with pytest.raises(ValidationFailed):
        Role.parse_member_role("owner")


def test_seat_limit_and_unlimited_plans() -> None:
    plans = PlanCatalog.built_in()
    free = plans.for_plan(Plan.FREE)
    with pytest.raises(QuotaExceeded, match="seats"):
        free.check_can_add_seat(Plan.FREE, seats_in_use=free.seats)
    plans.for_plan(Plan.ENTERPRISE).check_can_add_seat(Plan.ENTERPRISE, seats_in_use=10**6)


def test_plan_overrides_keep_unnamed_limits() -> None:
    plans = PlanCatalog.with_overrides({"free": {"seats": 3}, "pro": {"documents": -1}})
    assert plans.for_plan(Plan.FREE).seats == 3
    assert (
        plans.for_plan(Plan.FREE).documents == PlanCatalog.built_in().for_plan(Plan.FREE).documents
    )
    assert plans.for_plan(Plan.PRO).documents == -1


@pytest.mark.parametrize(
    "bad", [{"gold": {"seats": 1}}, {"free": {"chairs": 1}}, {"free": {"seats": -2}}]
)
def test_plan_overrides_are_validated(bad: dict[str, dict[str, int]]) -> None:
    with pytest.raises(ValidationFailed):
        PlanCatalog.with_overrides(bad)


@pytest.mark.parametrize(
    ("text", "amount", "seconds"),
    [
        ("30/minute", 30, 60),
        ("5 per second", 5, 1),
        ("100/hour", 100, 3600),
        ("2/10 minutes", 2, 600),
    ],
)
def test_rate_limits_parse(text: str, amount: int, seconds: int) -> None:
    assert RateLimit.parse(text) == RateLimit(amount, seconds)


@pytest.mark.parametrize("text", ["", "0/minute", "fast", "10/fortnight"])
def test_bad_rate_limits_are_refused(text: str) -> None:
    with pytest.raises(ValidationFailed):
        RateLimit.parse(text)


def test_secret_keys_are_random_and_stored_as_digests() -> None:
    first, second = new_secret_key(), new_secret_key()
    assert first != second and first.startswith("ccgpt_sk_")
    assert digest_secret_key(first) != first and len(digest_secret_key(first)) == 64
    assert first.startswith(display_prefix(first)) and len(display_prefix(first)) < len(first)


def test_cursors_round_trip_and_garbage_is_refused() -> None:
    page = PageRequest.parse(5, None)
    assert page.limit == 5 and page.after is None
    import uuid
    from datetime import UTC, datetime

    cursor = Cursor(datetime(2026, 1, 2, tzinfo=UTC), uuid.uuid4())
    assert Cursor.decode(cursor.encode()) == cursor
    for bad in ("%%%", "bm90IGpzb24", cursor.encode()[:-3]):
        with pytest.raises(ValidationFailed):
            Cursor.decode(bad)
    for limit in (0, 101):
        with pytest.raises(ValidationFailed):
            PageRequest.parse(limit, None)


def test_months_roll_over_in_utc() -> None:
    from datetime import UTC, date, datetime, timedelta, timezone

    from domain.plans import billing_month

    new_years_eve_in_new_york = datetime(2026, 12, 31, 20, 0, tzinfo=timezone(timedelta(hours=-5)))
    assert billing_month(new_years_eve_in_new_york) == date(2027, 1, 1)
    assert billing_month(datetime(2026, 3, 31, 23, 59, tzinfo=UTC)) == date(2026, 3, 1)
