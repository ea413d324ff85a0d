"""The console's Content-Security-Policy: everything from this origin, nothing inline."""

from __future__ import annotations

from urllib.parse import urlsplit


def _socket_origins(*base_urls: str) -> str:
    """The socket origins of the page's own: named outright, as some browsers do not let
    'self' cover ws: and wss:."""
    origins: list[str] = []
    for url in base_urls:
        parts = urlsplit(url)
        origin = f"{'wss' if parts.scheme == 'https' else 'ws'}://{parts.netloc}"
        if parts.netloc and origin not in origins:
            origins.append(origin)
    return " ".join(origins)


def console_csp(*base_urls: str) -> str:
    """No inline script or style, no other origin, and no framing of the console itself;
    only its own preview page may be framed (`frame-src 'self'`)."""
    return "; ".join(
        (
            "default-src 'none'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' data:",
            f"connect-src 'self' {_socket_origins(*base_urls)}",
            "frame-src 'self'",
            "base-uri 'none'",
            "form-action 'none'",
            "frame-ancestors 'none'",
        )
    )


def preview_frame_csp(*base_urls: str) -> str:
    """The widget preview: framed by the console only, running the real widget."""
    return "; ".join(
        (
            "default-src 'none'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' data:",
            f"connect-src 'self' {_socket_origins(*base_urls)}",
            "base-uri 'none'",
            "form-action 'none'",
            "frame-ancestors 'self'",
        )
    )
