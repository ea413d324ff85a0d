"""The console's Content-Security-Policy: everything from this origin, nothing inline."""

from __future__ import annotations

from urllib.parse import urlsplit


def _socket_origin(base_url: str) -> str:
    parts = urlsplit(base_url)
    scheme = "wss" if parts.scheme == "https" else "ws"
    return f"{scheme}://{parts.netloc}"


def console_csp(base_url: str) -> str:
    """No inline script or style, no other origin, and no framing of the console itself;
    only its own preview page may be framed (`frame-src 'self'`)."""
    return "; ".join(
        (
            "default-src 'none'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' data:",
            f"connect-src 'self' {_socket_origin(base_url)}",
            "frame-src 'self'",
            "base-uri 'none'",
            "form-action 'none'",
            "frame-ancestors 'none'",
        )
    )


def preview_frame_csp(base_url: str) -> str:
    """The widget preview: framed by the console only, running the real widget."""
    return "; ".join(
        (
            "default-src 'none'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' data:",
            f"connect-src 'self' {_socket_origin(base_url)}",
            "base-uri 'none'",
            "form-action 'none'",
            "frame-ancestors 'self'",
        )
    )
