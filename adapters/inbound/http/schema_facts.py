"""Facts about fields and parameters that the domain enforces and the bodies' types cannot
say (enums, bounds, patterns), their descriptions and examples, and the responses whose
content is not JSON. Values come from the domain's own constants, so they cannot drift."""

from __future__ import annotations

from typing import Any

from application.pagination import DEFAULT_LIMIT, MAX_LIMIT
from application.use_cases.add_text_document import MAX_TEXT_CHARS
from application.use_cases.search_knowledge import MAX_TOP_K
from domain.accounts import NAME_MAX, PASSWORD_MAX, PASSWORD_MIN
from domain.conversations import _CONTROL as _MESSAGE_CONTROL
from domain.conversations import (
    MAX_MESSAGE_CHARS,
    VISITOR_ID_PATTERN,
    Action,
    ConversationStatus,
    Role,
)
from domain.documents import DocumentStatus, MimeType
from domain.embed_codes import MAX_DOMAINS, MAX_SUGGESTIONS
from domain.feedback import MAX_COMMENT_CHARS
from domain.roles import Role as MemberRole

# Text is stored in PostgreSQL, which refuses NUL: no request string may hold one.
NO_NUL = r"^[^\x00]*$"
# ... and somewhere a character that is not space or control (names, messages).
NOT_BLANK = r"^[^\x00]*[^\s\x00-\x1f\x7f][^\x00]*$"
COLOUR = r"^#[0-9A-Fa-f]{6}$"
_LABEL = r"(?!-)[A-Za-z0-9-]{1,63}(?<!-)"
DOMAIN = rf"^(\*\.)?{_LABEL}(\.{_LABEL})+\.?(:[1-9][0-9]{{0,3}})?$"
_HOST_LABEL = r"[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
# Narrower than what the server accepts (any non-space local part): what to send.
EMAIL = rf"^[A-Za-z0-9._%+-]{{1,64}}@{_HOST_LABEL}(\.{_HOST_LABEL})+$"


MESSAGE_CONTROL = _MESSAGE_CONTROL.pattern[1:-1]  # the class, without its brackets


def _values(enum: Any) -> list[str]:
    return [member.value for member in enum]


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    return {"oneOf": [schema, {"type": "null"}]}


def _name(what: str) -> dict[str, Any]:
    return {"description": what, "pattern": NOT_BLANK, "maxLength": NAME_MAX}


def _text(what: str, limit: int) -> dict[str, Any]:
    return {"description": what, "pattern": NOT_BLANK, "maxLength": limit}


# Messages lose more invisible characters than names do (conversations._CONTROL).
_MESSAGE = {
    "description": f"The message, at most {MAX_MESSAGE_CHARS} characters (413 above).",
    "pattern": rf"^[^\x00]*[^\s{MESSAGE_CONTROL}][^\x00]*$",
    "maxLength": MAX_MESSAGE_CHARS,
}
_PASSWORD = {
    "description": f"{PASSWORD_MIN} to {PASSWORD_MAX} characters.",
    "minLength": PASSWORD_MIN,
    "maxLength": PASSWORD_MAX,
}
_EMAIL = {
    "description": "An email address (compared case-insensitively).",
    "pattern": EMAIL,
    "maxLength": 254,
}
_ACTION = {
    "type": "string",
    "enum": _values(Action),
    "description": "`answered` (a grounded answer with sources), `no_answer` (the documents "
    "do not cover it), `handoff` (a person holds the conversation; the bot stays silent).",
}
_STATUS = {
    "type": "string",
    "enum": _values(ConversationStatus),
    "description": "Who holds the conversation: `bot`, `handoff` (a person), or `closed`.",
}


def _setting(what: str, limit: int | None = None) -> dict[str, Any]:
    inner: dict[str, Any] = {"type": "string", "maxLength": limit} if limit else {"type": "string"}
    return {**_nullable(inner), "description": what}


# (schema, property) -> JSON Schema keywords merged into that property; "*" is any schema.
PROPERTIES: dict[tuple[str, str], dict[str, Any]] = {
    ("RegisterBody", "email"): _EMAIL,
    ("RegisterBody", "password"): _PASSWORD,
    ("RegisterBody", "full_name"): _name("The user's name."),
    ("RegisterBody", "workspace_name"): _name("The new workspace's name."),
    ("LoginBody", "email"): {"description": "The account's email address."},
    ("LoginBody", "password"): {"description": "The account's password."},
    ("RefreshBody", "refresh_token"): {"description": "The refresh token of the pair."},
    ("MemberBody", "email"): _EMAIL,
    ("MemberBody", "password"): _PASSWORD,
    ("MemberBody", "full_name"): _name("The member's name."),
    ("MemberBody", "role"): {"description": "`admin` (owner only) or `agent`."},
    ("WorkspacePatch", "name"): _name("The workspace's new name."),
    ("WorkspacePatch", "retention_days"): {
        "description": "Erase message texts older than this many days; null keeps them."
    },
    ("ApiKeyBody", "name"): _name("What the key is for."),
    ("TextDocumentBody", "title"): _name("The document's title, shown as a source."),
    ("TextDocumentBody", "content"): _text(
        f"Plain text or Markdown, at most {MAX_TEXT_CHARS} characters.", MAX_TEXT_CHARS
    ),
    ("SearchBody", "query"): {"description": "What to look for.", "pattern": NOT_BLANK},
    ("SearchBody", "top_k"): {
        "description": "How many results.",
        "minimum": 1,
        "maximum": MAX_TOP_K,
    },
    ("ChatBody", "message"): _MESSAGE,
    ("UploadForm", "file"): {
        "description": "The file; its type is read from its bytes.",
        "minLength": 1,
    },
    ("ChatBody", "session_id"): {"description": "Continue this conversation; left out: a new one."},
    ("ChatBody", "client_message_id"): {
        "description": "The client's id for the question, with its `session_id` (422 "
        "without one): re-sending it returns the first answer, counted once."
    },
    ("AgentMessageBody", "text"): _MESSAGE,
    ("WidgetMessageBody", "text"): _MESSAGE,
    ("*", "client_message_id"): {
        "description": "The client's id for the question: re-sending it returns the first "
        "answer, counted once."
    },
    ("SessionBody", "visitor_id"): {
        **_nullable({"type": "string", "pattern": VISITOR_ID_PATTERN}),
        "description": "The visitor's own id, kept across their sessions.",
    },
    ("FeedbackBody", "rating"): {"type": "string", "enum": ["up", "down"], "maxLength": 16},
    ("FeedbackBody", "comment"): {
        **_nullable({"type": "string", "maxLength": MAX_COMMENT_CHARS}),
        "description": "Why, in the visitor's words.",
    },
    ("EmbedCodeBody", "name"): _name("Which site this code is for."),
    ("EmbedCodePatch", "name"): _nullable(
        {"type": "string", "pattern": NOT_BLANK, "maxLength": NAME_MAX}
    ),
    ("EmbedCodeBody", "allowed_domains"): {
        "type": "array",
        "maxItems": MAX_DOMAINS,
        "items": {"type": "string", "pattern": DOMAIN},
        "description": "Host names (`example.com`, `*.example.org`, `localhost:3000`) whose "
        "pages may use the widget; empty: any origin. A public suffix alone is refused.",
    },
    ("EmbedCodePatch", "allowed_domains"): _nullable(
        {"type": "array", "maxItems": MAX_DOMAINS, "items": {"type": "string", "pattern": DOMAIN}}
    ),
    ("SettingsBody", "primary_color"): _setting("`#RRGGBB`.")
    | _nullable({"type": "string", "pattern": COLOUR}),
    ("SettingsBody", "title"): _setting("The panel's title.", 60),
    ("SettingsBody", "greeting"): _setting("The first bubble.", 300),
    ("SettingsBody", "placeholder"): _setting("The input's placeholder.", 80),
    ("SettingsBody", "no_answer_message"): _setting(
        "Said when the documents do not cover a question.", 300
    ),
    ("SettingsBody", "rate_limited_message"): _setting("Shown on a 429.", 300),
    ("SettingsBody", "suggested_questions"): {
        **_nullable(
            {
                "type": "array",
                "maxItems": MAX_SUGGESTIONS,
                "items": {"type": "string", "maxLength": 120},
            }
        ),
        "description": "Questions offered as buttons.",
    },
    # --- answers ------------------------------------------------------------------
    ("DocumentOut", "status"): {
        "type": "string",
        "enum": _values(DocumentStatus),
        "description": "`queued`, `processing`, `ready` (answers from it), or `failed` "
        "(see `error`).",
    },
    ("DocumentOut", "mime_type"): {"type": "string", "enum": _values(MimeType)},
    ("ConversationOut", "status"): _STATUS,
    ("ThreadOut", "status"): _STATUS,
    ("HistoryOut", "status"): _STATUS,
    ("HandoffOut", "status"): _STATUS,
    ("MessageOut", "role"): {"type": "string", "enum": _values(Role)},
    ("MessageOut", "action"): {**_nullable(_ACTION), "description": "Answers only."},
    ("ChatOut", "action"): _ACTION,
    ("AnswerOut", "action"): _ACTION,
    ("MeOut", "role"): {"type": "string", "enum": _values(MemberRole)},
    ("MemberOut", "role"): {"type": "string", "enum": _values(MemberRole)},
    ("WorkspaceRef", "plan"): {"type": "string", "enum": ["free", "pro", "enterprise"]},
    ("WorkspaceOut", "plan"): {"type": "string", "enum": ["free", "pro", "enterprise"]},
    ("SettingsOut", "position"): {"type": "string", "enum": ["bottom-right", "bottom-left"]},
    ("ConfigOut", "position"): {"type": "string", "enum": ["bottom-right", "bottom-left"]},
    ("*", "next_cursor"): {"description": "Pass as `cursor` for the next page; null: last page."},
    ("*", "created_at"): {"description": "When it was created (UTC)."},
    ("*", "updated_at"): {"description": "When it last changed (UTC)."},
    ("*", "confidence"): {"description": "How well the sources support the answer, 0 to 1."},
    ("*", "seq"): {"description": "The message's number in its session; sockets resume after one."},
    ("*", "public_key"): {"description": "`ccgpt_pk_...`: the key the widget sends."},
    ("*", "snippet"): {"description": "The HTML to paste into a site."},
    ("CreatedApiKeyOut", "key"): {"description": "`ccgpt_sk_...`: shown in this answer only."},
    ("*", "prefix"): {"description": "The key's first characters, to tell keys apart."},
    ("*", "access_token"): {"description": "A JWT for `Authorization: Bearer`."},
    ("*", "refresh_token"): {"description": "Trade it once at /api/v1/auth/refresh."},
    ("*", "expires_in"): {"description": "Seconds the access token is valid."},
    ("*", "session_token"): {"description": "Send as `X-Session-Token` for this session."},
}

# (operationId or "*", parameter) -> description, schema keywords, example
PARAMETERS: dict[tuple[str, str], dict[str, Any]] = {
    ("*", "limit"): {
        "description": f"Items per page, 1..{MAX_LIMIT}.",
        "schema": {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT},
    },
    ("getTopQueries", "limit"): {
        "description": "How many queries, 1..100.",
        "schema": {"type": "integer", "minimum": 1, "maximum": 100, "default": 10},
    },
    ("getContentGaps", "limit"): {
        "description": "How many groups, 1..100.",
        "schema": {"type": "integer", "minimum": 1, "maximum": 100, "default": 20},
    },
    ("*", "cursor"): {
        "description": "`next_cursor` of the previous page (opaque; another value is a 422).",
        "schema": {"type": "string", "format": "cursor"},
        "allowEmptyValue": True,  # an empty value is the first page
    },
    ("listConversations", "status"): {
        "description": "Only conversations with this status.",
        "schema": {"type": "string", "enum": _values(ConversationStatus)},
    },
    ("*", "embed_code_id"): {"description": "Only traffic through this embed code."},
    ("*", "from"): {
        "description": "The first day (inclusive), in `tz`.",
        "schema": {"type": "string", "format": "date"},
        "example": "2026-03-01",
    },
    ("*", "to"): {
        "description": "The last day (inclusive), in `tz`.",
        "schema": {"type": "string", "format": "date"},
        "example": "2026-03-31",
    },
    ("*", "tz"): {
        "description": "An IANA time zone name (default UTC).",
        "schema": {"type": "string", "format": "iana-time-zone", "maxLength": 64},
        "example": "Europe/Amsterdam",
    },
    ("*", "format"): {
        "description": "`json` (the default) or `csv`.",
        "schema": {"type": "string", "enum": ["json", "csv"], "default": "json"},
    },
    ("exportConversations", "format"): {
        "description": "`jsonl` (the default: a session per line) or `csv` (a row per message).",
        "schema": {"type": "string", "enum": ["jsonl", "csv"], "default": "jsonl"},
    },
    ("getQueriesOverTime", "interval"): {
        "description": "Bucket size (default `day`).",
        "schema": {"type": "string", "enum": ["hour", "day", "week"]},
    },
    ("*", "document_id"): {"description": "The document's id."},
    ("*", "session_id"): {"description": "The conversation's (session's) id."},
    ("*", "code_id"): {"description": "The embed code's id."},
    ("*", "key_id"): {"description": "The API key's id."},
    ("*", "user_id"): {"description": "The member's user id."},
    ("*", "message_id"): {"description": "The answer's message id."},
    ("*", "visitor_id"): {
        "description": "The widget's visitor id.",
        "schema": {"type": "string", "pattern": VISITOR_ID_PATTERN},
    },
}

REQUEST_EXAMPLES: dict[str, Any] = {
    "RegisterBody": {
        "email": "kim@acme.example",
        "password": "correct horse battery",
        "full_name": "Kim Owner",
        "workspace_name": "Acme Support",
    },
    "LoginBody": {"email": "kim@acme.example", "password": "correct horse battery"},
    "RefreshBody": {"refresh_token": "eyJhbGciOi..."},
    "PlanBody": {"plan": "pro"},
    "WorkspacePatch": {"name": "Acme Help Desk", "retention_days": 365},
    "MemberBody": {
        "email": "sam@acme.example",
        "full_name": "Sam Agent",
        "role": "agent",
        "password": "another long secret",
    },
    "MemberRolePatch": {"role": "admin"},
    "ApiKeyBody": {"name": "CRM integration"},
    "TextDocumentBody": {
        "title": "Shipping",
        "content": "# Shipping\n\nOrders to Canada arrive in 5 to 8 business days.",
    },
    "SearchBody": {"query": "shipping to Canada", "top_k": 5},
    "ChatBody": {"message": "How long does shipping to Canada take?"},
    "AgentMessageBody": {"text": "Hi, this is Sam from Acme. Let me check that order for you."},
    "EmbedCodeBody": {
        "name": "Main site",
        "allowed_domains": ["example.com", "*.example.org"],
        "settings": {"title": "Acme Help", "primary_color": "#0F766E", "position": "bottom-right"},
    },
    "EmbedCodePatch": {"active": False},
    "SessionBody": {"visitor_id": "v-7f3a9c"},
    "WidgetMessageBody": {"text": "Do you ship to Canada?", "client_message_id": "m-1"},
    "FeedbackBody": {"rating": "up"},
}


_ID = "3f2b8c1e-5a4d-4e6f-9b7a-2c1d0e9f8a7b"
_DOC = "8d7c6b5a-4e3f-4a1b-9c8d-7e6f5a4b3c2d"
_SESSION = "1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d"
_AT = "2026-03-29T09:30:00Z"
_SOURCE = {
    "document_id": _DOC,
    "title": "Shipping",
    "snippet": "Orders to Canada arrive in 5 to 8 business days.",
    "page": None,
}
RESPONSE_EXAMPLES: dict[str, Any] = {
    "TokenPairOut": {
        "access_token": "eyJhbGciOiJIUzI1NiIs...",
        "refresh_token": "eyJhbGciOiJIUzI1NiIs...",
        "token_type": "bearer",
        "expires_in": 900,
    },
    "DocumentOut": {
        "id": _DOC,
        "title": "Shipping",
        "filename": "shipping.md",
        "mime_type": "text/markdown",
        "size_bytes": 2048,
        "status": "ready",
        "chunk_count": 3,
        "error": None,
        "created_at": _AT,
        "updated_at": _AT,
    },
    "ChatOut": {
        "session_id": _SESSION,
        "message_id": _ID,
        "answer": "Orders to Canada arrive in 5 to 8 business days.",
        "sources": [_SOURCE],
        "confidence": 0.82,
        "action": "answered",
    },
    "AnswerOut": {
        "message_id": _ID,
        "answer": "Orders to Canada arrive in 5 to 8 business days.",
        "sources": [_SOURCE],
        "confidence": 0.82,
        "action": "answered",
        "session_id": _SESSION,
    },
    "ConversationOut": {
        "id": _SESSION,
        "embed_code_id": None,
        "status": "bot",
        "message_count": 2,
        "started_at": _AT,
        "last_message_at": _AT,
    },
    "SessionOut": {
        "session_id": _SESSION,
        "session_token": "eyJhbGciOiJIUzI1NiIs...",
        "expires_at": _AT,
    },
    "SearchResultOut": {
        "chunk_id": _ID,
        "document_id": _DOC,
        "document_title": "Shipping",
        "text": "Orders to Canada arrive in 5 to 8 business days.",
        "score": 0.71,
        "page": None,
        "heading": "Shipping",
    },
}


def _text_response(media: str, what: str) -> dict[str, Any]:
    return {"description": what, "content": {media: {"schema": {"type": "string"}}}}


def special_responses(operation_id: str) -> dict[str, Any]:
    """Successful answers that are not JSON, as they are served."""
    if operation_id == "getMetrics":
        return {"200": _text_response("text/plain", "Prometheus text exposition format.")}
    if operation_id == "getWidgetScript":
        script = _text_response("application/javascript", "The widget, with an `ETag`.")
        return {"200": script, "304": {"description": "Not modified (If-None-Match matched)."}}
    if operation_id == "previewEmbedCode":
        return {"200": _text_response("text/html", "A page loading the widget.")}
    if operation_id == "checkReadiness":
        ready = {"schema": {"$ref": "#/components/schemas/ReadinessOut"}}
        return {
            "503": {
                "description": "Not ready: the body names the component that is down or loading.",
                "headers": {"Retry-After": {"$ref": "#/components/headers/Retry-After"}},
                "content": {"application/json": ready},
            }
        }
    if operation_id == "exportConversations":
        ndjson = {"schema": {"$ref": "#/components/schemas/ExportedSession"}}
        return {
            "200": {
                "description": "A streamed file (`Content-Disposition: attachment`).",
                "content": {
                    "application/x-ndjson": ndjson,
                    "text/csv": {"schema": {"type": "string"}},
                },
            }
        }
    return {}
