"""What each operation is, for the OpenAPI document: its id, summary, description, who may
call it, and the errors its use case can raise. `openapi_document.py` derives the rest
(the problem responses every route shares, headers, security) from these facts."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class Auth(Enum):
    PUBLIC = "public"
    BEARER = "bearer"
    WIDGET = "widget"  # the embed key, from an allowed origin
    WIDGET_SESSION = "widget_session"  # the embed key and the session's X-Session-Token


@dataclass(frozen=True, slots=True)
class Operation:
    id: str
    summary: str
    description: str = ""
    auth: Auth = Auth.BEARER
    errors: tuple[int, ...] = ()  # beyond those every route of its kind can answer
    rate_limited: bool = False  # answers carry RateLimit-* headers; 429 with Retry-After


ROLE = "Owners and admins only (403 for agents)."
OWNER = "Owner only (403 for admins, agents and secret API keys)."
PAGED = (
    "One page of at most `limit` items (1..100, default 20); pass `next_cursor` back as "
    "`cursor` for the next."
)


def _op(id_: str, summary: str, description: str = "", *errors: int, **kw: object) -> Operation:
    return Operation(id_, summary, description, errors=errors, **kw)  # type: ignore[arg-type]


OPERATIONS: dict[tuple[str, str], Operation] = {
    # --- operations ---------------------------------------------------------------
    ("GET", "/health/live"): _op(
        "checkLiveness", "Is the process up", "200 while the process runs.", auth=Auth.PUBLIC
    ),
    ("GET", "/health/ready"): _op(
        "checkReadiness",
        "Can the server serve",
        "200 when the database, queue and embedder are usable (Redis away is `degraded` and "
        "still serves); 503 naming what is down or still `loading`.",
        auth=Auth.PUBLIC,
    ),
    ("GET", "/metrics"): _op(
        "getMetrics",
        "Prometheus metrics",
        "Request counts and durations per route group, in the Prometheus text format.",
        auth=Auth.PUBLIC,
    ),
    # --- accounts -----------------------------------------------------------------
    ("POST", "/api/v1/auth/register"): _op(
        "register",
        "Sign up: a user, their workspace and a token pair",
        "Creates a user who owns a new workspace on the free plan, and logs them in. The "
        "password is 10 to 128 characters; one email address has one account.",
        409,
        auth=Auth.PUBLIC,
    ),
    ("POST", "/api/v1/auth/login"): _op(
        "logIn",
        "Log in with email and password",
        "The same 401 `invalid_credentials` for an unknown email and a wrong password. "
        "Repeated failures are limited per client IP and per account (429 with Retry-After).",
        429,
        auth=Auth.PUBLIC,
    ),
    ("POST", "/api/v1/auth/refresh"): _op(
        "refreshTokens",
        "Trade a refresh token for a new pair",
        "A refresh token works once. Presenting a spent one again revokes its whole family "
        "(every token issued from that login): it was stolen, or the client is confused.",
        auth=Auth.PUBLIC,
    ),
    ("POST", "/api/v1/auth/logout"): _op(
        "logOut",
        "Log out: revoke a refresh token",
        "Revokes the refresh token's family. Always 204, even for an unknown token.",
        auth=Auth.PUBLIC,
    ),
    ("GET", "/api/v1/me"): _op(
        "getMe",
        "Who is calling",
        "The user (null for a secret API key), their workspace and role.",
    ),
    ("GET", "/api/v1/workspace"): _op(
        "getWorkspace", "The workspace, its plan limits and usage", "Any role may read it."
    ),
    ("PATCH", "/api/v1/workspace"): _op(
        "updateWorkspace",
        "Rename the workspace or set message retention",
        "Any of `name` and `retention_days` (null keeps message texts forever; older texts "
        "are erased on a schedule, aggregate figures stay). " + ROLE,
        403,
    ),
    ("PUT", "/api/v1/workspace/plan"): _op(
        "changePlan",
        "Change the plan",
        "Stands in for billing: the new plan's limits apply at once. " + OWNER,
        403,
    ),
    ("GET", "/api/v1/workspace/members"): _op("listMembers", "List the workspace's members", PAGED),
    ("POST", "/api/v1/workspace/members"): _op(
        "addMember",
        "Add a member",
        "Creates a user in this workspace as `admin` or `agent` (only the owner may add "
        "admins). 402 when the plan's seats are taken, 409 when the email has an account.",
        402,
        403,
        409,
    ),
    ("PATCH", "/api/v1/workspace/members/{user_id}"): _op(
        "changeMemberRole",
        "Make a member an admin or an agent",
        OWNER + " The owner's own role never changes (403).",
        403,
        404,
    ),
    ("DELETE", "/api/v1/workspace/members/{user_id}"): _op(
        "removeMember",
        "Remove a member",
        "Owners and admins remove agents; only the owner removes admins; the owner stays. "
        "The member's tokens stop working at once.",
        403,
        404,
    ),
    ("POST", "/api/v1/api-keys"): _op(
        "createApiKey",
        "Create a secret API key",
        "The `key` (`ccgpt_sk_...`) is in this answer only; it is stored hashed. " + ROLE,
        403,
    ),
    ("GET", "/api/v1/api-keys"): _op(
        "listApiKeys", "List the secret API keys", "Without the keys themselves. " + PAGED, 403
    ),
    ("DELETE", "/api/v1/api-keys/{key_id}"): _op(
        "revokeApiKey", "Revoke a secret API key", "The key stops working at once.", 403, 404
    ),
    # --- knowledge base -----------------------------------------------------------
    ("POST", "/api/v1/documents"): _op(
        "uploadDocument",
        "Upload a document (PDF, DOCX, HTML, Markdown or text)",
        "Multipart `file` and an optional `title`. The type is sniffed from the content, not "
        "the name (415 otherwise); 413 over the upload cap or the plan's file size; 402 over "
        "the plan's documents or storage; 409 for a file already in the knowledge base. The "
        "document is `queued`, then `processing`, then `ready` (or `failed`, with `error`).",
        402,
        403,
        409,
    ),
    ("POST", "/api/v1/documents/text"): _op(
        "addTextDocument",
        "Add a document from text",
        "Like an upload of a Markdown file: `queued` at first; poll it until `ready`.",
        402,
        403,
        409,
    ),
    ("GET", "/api/v1/documents"): _op("listDocuments", "List documents", PAGED),
    ("GET", "/api/v1/documents/{document_id}"): _op(
        "getDocument", "Read a document", "Its status, size and chunk count.", 404
    ),
    ("GET", "/api/v1/documents/{document_id}/chunks"): _op(
        "listChunks", "List a document's chunks", "In document order. " + PAGED, 404
    ),
    ("POST", "/api/v1/documents/{document_id}/reindex"): _op(
        "reindexDocument",
        "Parse and embed a document again",
        "Back to `queued`; its old chunks answer until the new ones are ready.",
        403,
        404,
    ),
    ("DELETE", "/api/v1/documents/{document_id}"): _op(
        "deleteDocument",
        "Delete a document",
        "Its chunks are never retrieved again, from this moment.",
        403,
        404,
    ),
    ("POST", "/api/v1/search"): _op(
        "searchKnowledge",
        "Search the knowledge base",
        "Hybrid (meaning and words) search over the ready chunks: the `top_k` best (1..20).",
    ),
    # --- chat and conversations ---------------------------------------------------
    ("POST", "/api/v1/chat"): _op(
        "ask",
        "Ask the bot a question",
        "Answers from the workspace's documents, with sources; without `session_id` a new "
        "conversation starts. Counted like widget messages (402 over the month's messages, "
        "429 over the workspace's rate). Re-sending a `client_message_id` returns the first "
        "answer. Messages are limited to 4,000 characters (413 above). With "
        "`Accept: text/event-stream` the answer streams as server-sent events.",
        402,
        404,
        409,
        429,
        rate_limited=True,
    ),
    ("GET", "/api/v1/conversations"): _op(
        "listConversations",
        "List conversations, newest first",
        "Filtered by `status` and `embed_code_id`, in `order` (newest started first unless "
        "`oldest` is asked for). " + PAGED,
    ),
    ("GET", "/api/v1/conversations/{session_id}"): _op(
        "getConversation", "Read a conversation with its messages", "Oldest message first.", 404
    ),
    ("POST", "/api/v1/conversations/{session_id}/takeover"): _op(
        "takeOverConversation",
        "Take a conversation over",
        "Status `handoff`: the bot stops answering; the visitor is told live. 409 when closed.",
        404,
        409,
    ),
    ("POST", "/api/v1/conversations/{session_id}/release"): _op(
        "releaseConversation",
        "Give a conversation back to the bot",
        "Status `bot`. 409 when closed.",
        404,
        409,
    ),
    ("POST", "/api/v1/conversations/{session_id}/messages"): _op(
        "postAgentMessage",
        "Write to the visitor as a person",
        "Stored as an `agent` message and delivered live to the visitor's widget.",
        404,
        409,
    ),
    ("GET", "/api/v1/conversations/export"): _op(
        "exportConversations",
        "Export conversations (JSONL or CSV)",
        "",
        403,
    ),
    ("GET", "/api/v1/visitors/{visitor_id}/export"): _op(
        "exportVisitor", "Everything stored about a visitor", "", 403, 404
    ),
    ("DELETE", "/api/v1/visitors/{visitor_id}"): _op(
        "eraseVisitor", "Erase a visitor", "", 403, 404
    ),
    # --- embed codes --------------------------------------------------------------
    ("POST", "/api/v1/embed-codes"): _op(
        "createEmbedCode",
        "Create an embed code",
        "An empty `allowed_domains` allows any origin. An entry is a host name, optionally "
        "with a leading `*.` (any subdomain, not the bare domain) and `:port`. 402 over the "
        "plan's embed codes. " + ROLE,
        402,
        403,
    ),
    ("GET", "/api/v1/embed-codes"): _op("listEmbedCodes", "List embed codes", PAGED, 403),
    ("GET", "/api/v1/embed-codes/{code_id}"): _op(
        "getEmbedCode", "Read an embed code", ROLE, 403, 404
    ),
    ("PATCH", "/api/v1/embed-codes/{code_id}"): _op(
        "updateEmbedCode",
        "Change an embed code",
        "Any of `name`, `allowed_domains`, `settings` (merged field by field) and `active`. "
        "Sockets of an origin no longer allowed close at once. " + ROLE,
        403,
        404,
    ),
    ("DELETE", "/api/v1/embed-codes/{code_id}"): _op(
        "deleteEmbedCode", "Delete an embed code", "Its key stops working at once.", 403, 404
    ),
    ("POST", "/api/v1/embed-codes/{code_id}/rotate-key"): _op(
        "rotateEmbedKey",
        "Give an embed code a new public key",
        "The old key, and session tokens issued under it, stop working at once.",
        403,
        404,
    ),
    ("GET", "/api/v1/embed-codes/{code_id}/preview"): _op(
        "previewEmbedCode",
        "A page that loads the real widget with this code",
        "HTML under a strict Content-Security-Policy.",
        403,
        404,
    ),
    # --- widget -------------------------------------------------------------------
    ("GET", "/widget/v1/widget.js"): _op(
        "getWidgetScript",
        "The embeddable widget script",
        "Cacheable: revalidate with `If-None-Match` (304); gzipped when accepted.",
        auth=Auth.PUBLIC,
    ),
    ("GET", "/widget/v1/config"): _op(
        "getWidgetConfig",
        "The embed code's widget settings and the server's limits",
        "What the widget shows (title, greeting, colour, position, suggested questions) and "
        "the limits it checks before sending (message length, visitor id, frame size).",
        auth=Auth.WIDGET,
    ),
    ("POST", "/widget/v1/sessions"): _op(
        "startWidgetSession",
        "Start a visitor's session",
        "The body is optional: `visitor_id` ties sessions of one visitor together (1-128 "
        "letters, digits or `. _ : -`). The `session_token` (valid 24 hours by default) opens "
        "this session only, from this origin, under this key. Limited per client IP (429).",
        429,
        auth=Auth.WIDGET,
        rate_limited=True,
    ),
    ("POST", "/widget/v1/sessions/{session_id}/messages"): _op(
        "askInWidget",
        "Ask as the visitor",
        "As `ask`, answered as the visitor's widget shows it; limited per IP, per embed code "
        "and per workspace (429), 402 over the month's messages. `action` says what happened: "
        "`answered`, `no_answer`, or `handoff` (a person holds the conversation).",
        402,
        404,
        409,
        429,
        auth=Auth.WIDGET_SESSION,
        rate_limited=True,
    ),
    ("GET", "/widget/v1/sessions/{session_id}/messages"): _op(
        "getWidgetHistory",
        "The session's messages",
        "Oldest first, in the message shape of the conversations API.",
        404,
        auth=Auth.WIDGET_SESSION,
    ),
    ("POST", "/widget/v1/sessions/{session_id}/handoff"): _op(
        "requestPerson",
        "Ask for a person",
        "Where the embed code allows it (`handoff_enabled`): the conversation waits for an "
        "agent and the bot stays silent. 403 where the code does not allow it.",
        404,
        409,
        auth=Auth.WIDGET_SESSION,
    ),
    ("POST", "/widget/v1/messages/{message_id}/feedback"): _op(
        "rateAnswer",
        "Thumbs up or down on an answer",
        "A later rating replaces an earlier one.",
        404,
        auth=Auth.WIDGET_SESSION,
    ),
    # The console's own session endpoints: the refresh token lives in an HttpOnly,
    # SameSite=Strict cookie (`ccgpt_console_refresh`), never in a body or page script.
    ("POST", "/console/session/signup"): _op(
        "consoleSignUp",
        "Sign up from the console",
        "As `registerAccount`, but the refresh token is set as the console's HttpOnly cookie "
        "and only the access token is returned. Refused (403) from another site.",
        403,
        409,
        auth=Auth.PUBLIC,
    ),
    ("POST", "/console/session"): _op(
        "consoleSignIn",
        "Sign in to the console",
        "As `logIn`, with the refresh token in the console's HttpOnly cookie; a new sign-in "
        "ends the log-in the cookie held before. Refused (403) from another site.",
        401,
        403,
        429,
        auth=Auth.PUBLIC,
    ),
    ("POST", "/console/session/refresh"): _op(
        "consoleRefresh",
        "Renew the console's access token",
        "Spends the cookie's refresh token (reuse revokes the whole log-in), sets the next "
        "one and returns a new access token. 401 without a valid cookie.",
        401,
        403,
        auth=Auth.PUBLIC,
    ),
    ("DELETE", "/console/session"): _op(
        "consoleSignOut",
        "Sign out of the console",
        "Revokes the log-in the cookie holds (its access tokens and sockets end too) and "
        "clears the cookie. 204, or 403 from another site.",
        403,
        auth=Auth.PUBLIC,
    ),
}

ANALYTICS_IDS = {
    "summary": "getAnalyticsSummary",
    "queries-over-time": "getQueriesOverTime",
    "top-queries": "getTopQueries",
    "documents": "getDocumentUsage",
    "embed-codes": "getEmbedCodeUsage",
    "quality": "getAnswerQuality",
    "gaps": "getContentGaps",
}
ANALYTICS_SUMMARIES = {
    "summary": "Headline figures",
    "queries-over-time": "Queries and sessions over time",
    "top-queries": "The most asked queries",
    "documents": "How often each document is cited",
    "embed-codes": "Traffic per embed code",
    "quality": "Answer quality",
    "gaps": "Content gaps: what the documents do not answer",
}
for _name, _id in ANALYTICS_IDS.items():
    # Their descriptions live beside the handlers (analytics.py), with the definitions.
    OPERATIONS[("GET", f"/api/v1/analytics/{_name}")] = _op(_id, ANALYTICS_SUMMARIES[_name])

TAGS: dict[str, str] = {
    "accounts": "Sign-up, log-in and tokens: `Authorization: Bearer <access token>` on `/api/v1`.",
    "workspace": "The workspace, its plan, limits, usage and members.",
    "api keys": "Secret keys (`ccgpt_sk_...`) for servers calling the API as the workspace.",
    "knowledge base": "Documents the bot answers from, their chunks, and search.",
    "chat": "Questions to the bot from API clients.",
    "conversations": "Every conversation, for the people who handle them: read, take over, reply.",
    "embed codes": "Widgets for web sites: allowed domains, look and feel, the snippet to paste.",
    "widget": "The public API the widget calls, keyed by an embed code's public key "
    "(`X-Embed-Key`, or `?key=`) from an allowed origin, with CORS for that origin.",
    "analytics": "Reports over a window of days in a time zone, as JSON or CSV.",
    "data rights": "Exports of conversations, and visitors' access and erasure.",
    "operations": "Liveness, readiness and metrics for whoever runs the server.",
    "console": "The web console's own session: its refresh token in an HttpOnly cookie.",
}
