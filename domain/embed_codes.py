"""Embed codes: the public key, look and allowed origins of a site's chat widget."""

from __future__ import annotations

import functools
import hashlib
import ipaddress
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from urllib.parse import urlsplit

from domain.errors import ValidationFailed
from domain.ids import EmbedCodeId, WorkspaceId

PUBLIC_KEY_PREFIX = "ccgpt_pk_"
MAX_DOMAINS = 50
MAX_SUGGESTIONS = 6
_COLOUR = re.compile(r"^#[0-9A-Fa-f]{6}$")
_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
_DEFAULT_PORTS = {"http": 80, "https": 443}
# Says whether a host name is a public suffix (`com`, `co.uk`, `github.io`): no single
# owner, so no allowlist entry may stop there. The public-suffix list lives in an adapter.
IsPublicSuffix = Callable[[str], bool]
_LOCAL_HOSTS = frozenset({"localhost"})


def new_public_key() -> str:
    return PUBLIC_KEY_PREFIX + secrets.token_urlsafe(24)


@dataclass(frozen=True, slots=True)
class DomainPattern:
    """`example.com`, `*.example.com` (subdomains only) or either with `:port`."""

    host: str
    wildcard: bool = False
    port: int | None = None

    @classmethod
    def parse(cls, raw: str) -> DomainPattern:
        text = raw.strip().lower()
        wildcard = text.startswith("*.")
        host, _, port = (text[2:] if wildcard else text).partition(":")
        host = host.rstrip(".")
        labels = host.split(".")
        valid_port = port == "" or (port.isdigit() and 0 < int(port) < 65536)
        if not host or not valid_port or not all(_LABEL.match(label) for label in labels):
            raise ValidationFailed.on(
                "allowed_domains", f"{raw!r} is not a host name like example.com"
            )
        return cls(host, wildcard, int(port) if port else None)

    def check_registrable(self, is_public_suffix: IsPublicSuffix) -> None:
        """`*.com`, `co.uk` or `*.github.io` would let any site in: an entry must name at
        least a registrable domain (`example.co.uk`), an IP address or `localhost`."""
        if _is_ip(self.host):
            if self.wildcard:
                raise ValidationFailed.on("allowed_domains", f"{self}: an IP has no subdomains")
            return
        if self.host in _LOCAL_HOSTS:
            return
        if is_public_suffix(self.host):
            raise ValidationFailed.on(
                "allowed_domains",
                f"{self} would allow every site under {self.host}; name a domain you own, "
                "such as example.com or *.example.com",
            )

    def matches(self, host: str, port: int) -> bool:
        if self.port is not None and self.port != port:
            return False
        if self.wildcard:
            return host.endswith("." + self.host)
        return host == self.host

    def __str__(self) -> str:
        text = ("*." if self.wildcard else "") + self.host
        return f"{text}:{self.port}" if self.port else text


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


@functools.lru_cache(maxsize=4096)  # every widget request parses its origin 2-3 times
def _origin_parts(origin: str | None) -> tuple[str, str, int | None] | None:
    """(scheme, host, explicit port) of an origin, or None if it is not one. A host with an
    empty label (`.example.org`, `a..b`) is not a host."""
    if not origin:
        return None
    parts = urlsplit(origin.strip().lower())
    if parts.scheme not in _DEFAULT_PORTS or not parts.hostname:
        return None
    try:
        port = parts.port
    except ValueError:
        return None
    host = parts.hostname.rstrip(".")
    if ":" not in host and not all(host.split(".")):
        return None
    return parts.scheme, host, port


def origin_allowed(patterns: list[DomainPattern], origin: str | None) -> bool:
    """Exact host matching (case-insensitive, trailing dot ignored); an empty list allows all."""
    if not patterns:
        return True
    parts = _origin_parts(origin)
    if parts is None:
        return False
    scheme, host, port = parts
    return any(pattern.matches(host, port or _DEFAULT_PORTS[scheme]) for pattern in patterns)


def normalise_origin(origin: str | None) -> str | None:
    """`scheme://host[:port]` in lower case without a default port, or None if not an origin."""
    parts = _origin_parts(origin)
    if parts is None:
        return None
    scheme, host, port = parts
    if ":" in host:
        host = f"[{host}]"
    shown = f":{port}" if port and port != _DEFAULT_PORTS[scheme] else ""
    return f"{scheme}://{host}{shown}"


def parse_domains(
    raw: list[str], is_public_suffix: IsPublicSuffix | None = None
) -> list[DomainPattern]:
    """Syntax always; with `is_public_suffix`, also the rule that an entry names a
    registrable domain (new entries; stored ones were checked when they were written)."""
    if len(raw) > MAX_DOMAINS:
        raise ValidationFailed.on("allowed_domains", f"at most {MAX_DOMAINS} entries")
    patterns = list(dict.fromkeys(DomainPattern.parse(entry) for entry in raw))
    if is_public_suffix is not None:
        for pattern in patterns:
            pattern.check_registrable(is_public_suffix)
    return patterns


def _short(value: str, name: str, limit: int) -> str:
    text = value.strip()
    if len(text) > limit:
        raise ValidationFailed.on(f"settings.{name}", f"must be at most {limit} characters")
    return text


@dataclass(frozen=True, slots=True)
class WidgetSettings:
    title: str = "Support"
    greeting: str = "Hi! How can we help?"
    primary_color: str = "#2563EB"
    position: str = "bottom-right"
    placeholder: str = "Type your question..."
    suggested_questions: tuple[str, ...] = ()
    handoff_enabled: bool = True
    no_answer_message: str = (
        "I'm sorry, I couldn't find that in our help articles. "
        "Could you rephrase it, or would you like to talk to a person?"
    )
    rate_limited_message: str = "You're sending messages quickly. Please wait a moment."

    def validated(self) -> WidgetSettings:
        if not _COLOUR.match(self.primary_color):
            raise ValidationFailed.on("settings.primary_color", "must be a colour like #1A2B3C")
        if self.position not in ("bottom-right", "bottom-left"):
            raise ValidationFailed.on("settings.position", "must be bottom-right or bottom-left")
        if len(self.suggested_questions) > MAX_SUGGESTIONS:
            raise ValidationFailed.on("settings.suggested_questions", f"at most {MAX_SUGGESTIONS}")
        return replace(
            self,
            title=_short(self.title, "title", 60),
            greeting=_short(self.greeting, "greeting", 300),
            placeholder=_short(self.placeholder, "placeholder", 80),
            suggested_questions=tuple(
                _short(q, "suggested_questions", 120) for q in self.suggested_questions if q.strip()
            ),
            no_answer_message=_short(self.no_answer_message, "no_answer_message", 300),
            rate_limited_message=_short(self.rate_limited_message, "rate_limited_message", 300),
        )


@dataclass(slots=True)
class EmbedCode:
    id: EmbedCodeId
    workspace_id: WorkspaceId
    name: str
    public_key: str
    created_at: datetime
    updated_at: datetime
    allowed_domains: list[DomainPattern] = field(default_factory=list)
    settings: WidgetSettings = field(default_factory=WidgetSettings)
    active: bool = True

    def allows(self, origin: str | None) -> bool:
        return self.active and origin_allowed(self.allowed_domains, origin)

    @property
    def key_fingerprint(self) -> str:
        """Names the current key without revealing it: session tokens carry it, so a
        rotation ends every session opened with the old key."""
        return hashlib.sha256(self.public_key.encode()).hexdigest()[:16]

    def rotate_key(self, now: datetime) -> None:
        """The old key stops working at once: lookups are by the current key only."""
        self.public_key, self.updated_at = new_public_key(), now
