"""Embed-code rules: the domain allowlist exactly as API.md says, and widget settings."""

from __future__ import annotations

import pytest

from domain.embed_codes import WidgetSettings, origin_allowed, parse_domains
from domain.errors import ValidationFailed

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
