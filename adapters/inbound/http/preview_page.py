"""The preview page of an embed code: the real widget on a page under a strict CSP."""

from __future__ import annotations

import base64
import hashlib
import html
from urllib.parse import urlsplit

from adapters.inbound.http.schemas.embed_codes import snippet
from domain.embed_codes import EmbedCode

# The page's only inline code: this style block, allowed by its hash, not by 'unsafe-inline'.
_STYLE = (
    "body{margin:0;font:16px/1.6 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;"
    "color:#1f2937;background:#f3f4f6}"
    "main{max-width:40rem;margin:0 auto;padding:3rem 1.5rem}"
    "h1{font-size:1.5rem;margin:0 0 .5rem}"
    "p{margin:.5rem 0}"
    "code{background:#e5e7eb;padding:.1rem .3rem;border-radius:.25rem}"
)
_STYLE_HASH = base64.b64encode(hashlib.sha256(_STYLE.encode()).digest()).decode()


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def preview_csp(base_url: str) -> str:
    """Scripts only from the service (the widget), connections only to it; nothing inline
    but the page's own style block."""
    origin = _origin(base_url)
    sockets = origin.replace("https://", "wss://", 1).replace("http://", "ws://", 1)
    return "; ".join(
        (
            "default-src 'none'",
            f"script-src {origin}",
            f"connect-src {origin} {sockets}",
            f"style-src 'sha256-{_STYLE_HASH}'",
            "img-src data:",
            "base-uri 'none'",
            "form-action 'none'",
            "frame-ancestors 'self'",
        )
    )


def preview_page(code: EmbedCode, base_url: str) -> str:
    name = html.escape(code.name)
    state = "" if code.active else " It is switched off, so the widget will say it is unavailable."
    return (
        "<!doctype html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>Preview: {name}</title><style>{_STYLE}</style></head>"
        f"<body><main><h1>Preview: {name}</h1>"
        "<p>This page shows the chat widget of this embed code as visitors will see it, "
        "answering from this workspace's documents. Open it with the button in the corner."
        f"{html.escape(state)}</p>"
        "<p>Conversations started here are real and count towards the plan.</p>"
        f"</main>{snippet(base_url, code.public_key)}</body></html>\n"
    )
