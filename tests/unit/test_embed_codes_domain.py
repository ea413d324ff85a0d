"""Embed-code rules: the domain allowlist exactly as API.md says, and widget settings."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

from adapters.outbound.publicsuffix.public_suffixes import PslPublicSuffixes
from domain.embed_codes import (
    EmbedCode,
    WidgetSettings,
    normalise_origin,
    origin_allowed,
    parse_domains,
)
from domain.errors import ValidationFailed
from domain.ids import EmbedCodeId, WorkspaceId

ALLOWED = parse_domains(["example.com", "*.example.org", "shop.test:8443"])


@pytest.mark.parametrize(
    ("origin", "allowed"),
    [
        ("https://example.com", True),
        ("http://example.com:3000", True),  # no port in the entry: any port
        ("https://EXAMPLE.com.", True),  # case and trailing dot ignored
        ("https://example.com.evil.net", False),
        ("https://evil-example.com", False),
        ("https://www.example.com", False),  # a bare entry is not a wildcard
        ("https://a.example.org", True),
        ("https://a.b.example.org", True),
        ("https://example.org", False),  # *. means subdomains, not the bare domain
        ("https://shop.test:8443", True),
        ("https://shop.test", False),  # 443 is not 8443
        ("null", False),
        ("", False),
        (None, False),
        ("ftp://example.com", False),
        ("https://example.com:99999", False),
    ],
)
def test_origins_match_exactly(origin: str | None, allowed: bool) -> None:
    assert origin_allowed(ALLOWED, origin) is allowed


def test_an_empty_list_allows_any_origin() -> None:
    assert origin_allowed([], "https://anywhere.example")


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "*.",
        "exa mple.com",
        "-bad.com",
        "example.com:0",
        "example.com:x",
        "a..b",
        "https://x.com",
    ],
)
def test_malformed_patterns_are_refused(bad: str) -> None:
    with pytest.raises(ValidationFailed):
        parse_domains([bad])


@pytest.mark.parametrize(
    "too_broad",
    ["*.com", "*.co.uk", "com", "co.uk", "*.github.io", "intranet", "*.127.0.0.1"],
)
def test_a_pattern_must_name_at_least_a_registrable_domain(too_broad: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        parse_domains([too_broad], PslPublicSuffixes().is_public_suffix)
    assert refused.value.errors[0].field == "allowed_domains"


@pytest.mark.parametrize(
    "fine",
    ["example.com", "*.example.co.uk", "user.github.io", "localhost:3000", "127.0.0.1:8080"],
)
def test_registrable_domains_ips_and_localhost_are_accepted(fine: str) -> None:
    assert parse_domains([fine], PslPublicSuffixes().is_public_suffix)


def test_patterns_are_normalised_and_deduplicated() -> None:
    assert [str(p) for p in parse_domains(["Example.COM.", "example.com", "*.Shop.io:443"])] == [
        "example.com",
        "*.shop.io:443",
    ]


@pytest.mark.parametrize(
    "change",
    [
        {"primary_color": "red"},
        {"primary_color": "#12345"},
        {"position": "top-left"},
        {"suggested_questions": tuple(f"q{n}" for n in range(7))},
        {"title": "x" * 61},
        {"no_answer_message": "x" * 301},
    ],
)
def test_bad_settings_are_refused(change: dict[str, object]) -> None:
    from dataclasses import replace

    with pytest.raises(ValidationFailed):
        replace(WidgetSettings(), **change).validated()  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("raw", "origin"),
    [
        ("https://Shop.Example.com", "https://shop.example.com"),
        ("https://shop.example.com:443", "https://shop.example.com"),
        ("http://shop.example.com:8080/", "http://shop.example.com:8080"),
        ("http://[::1]:8000", "http://[::1]:8000"),
        ("https://shop.example.com.", "https://shop.example.com"),
        ("null", None),
        ("file:///etc/passwd", None),
        ("https://shop.example.com:99999", None),
        ("", None),
        (None, None),
    ],
)
def test_origins_are_normalised_for_comparison(raw: str | None, origin: str | None) -> None:
    assert normalise_origin(raw) == origin


def test_the_key_fingerprint_changes_with_the_key() -> None:
    now = datetime.now(UTC)
    code = EmbedCode(EmbedCodeId(uuid.uuid4()), WorkspaceId(uuid.uuid4()), "c", "k", now, now)
    before = code.key_fingerprint
    code.rotate_key(now)
    assert code.key_fingerprint != before and len(before) == 16
