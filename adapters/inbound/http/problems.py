"""The one place where errors become HTTP: RFC 9457 problem details with stable codes."""

from __future__ import annotations

import re
from http import HTTPStatus
from typing import Any

import structlog
from litestar.exceptions import HTTPException, ValidationException
from litestar.plugins.problem_details import (
    ProblemDetailsConfig,
    ProblemDetailsException,
    ProblemDetailsPlugin,
)

from domain.errors import (
    DomainError,
    RateLimited,
    ServiceUnavailable,
    Unauthorized,
    ValidationFailed,
)

log = structlog.get_logger()

STATUS_BY_CODE: dict[str, int] = {
    "validation_error": 422,
    "unauthorized": 401,
    "invalid_credentials": 401,
    "forbidden": 403,
    "origin_not_allowed": 403,
    "not_found": 404,
    "method_not_allowed": 405,
    "conflict": 409,
    "email_taken": 409,
    "payload_too_large": 413,
    "unsupported_media_type": 415,
    "quota_exceeded": 402,
    "rate_limited": 429,
    "service_unavailable": 503,
    "internal_error": 500,
}
# Framework statuses that have no domain error of their own.
CODE_BY_STATUS: dict[int, str] = {
    400: "validation_error",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    429: "rate_limited",
    503: "service_unavailable",
}


def problem(
    code: str,
    detail: str,
    *,
    status: int | None = None,
    errors: list[dict[str, str]] | None = None,
    headers: dict[str, str] | None = None,
) -> ProblemDetailsException:
    status = status or STATUS_BY_CODE[code]
    extra: dict[str, Any] = {"code": code}
    if errors is not None:
        extra["errors"] = errors
    return ProblemDetailsException(
        type_=f"/problems/{code}",
        title=HTTPStatus(status).phrase,
        detail=detail,
        status_code=status,
        extra=extra,
        headers=headers,
    )


def from_domain_error(exc: DomainError) -> ProblemDetailsException:
    headers: dict[str, str] = {}
    errors = None
    if isinstance(exc, ValidationFailed):
        errors = [{"field": e.field, "message": e.message} for e in exc.errors]
    if isinstance(exc, RateLimited):
        headers.update(rate_limit_headers(exc.limit, exc.remaining, exc.retry_after))
        headers["Retry-After"] = str(exc.retry_after)
    if isinstance(exc, Unauthorized):
        headers["WWW-Authenticate"] = "Bearer"
    if isinstance(exc, ServiceUnavailable):
        headers["Retry-After"] = str(exc.retry_after)
    return problem(exc.code, exc.detail, errors=errors, headers=headers or None)


def rate_limit_headers(limit: int, remaining: int, reset_after: int) -> dict[str, str]:
    return {
        "RateLimit-Limit": str(limit),
        "RateLimit-Remaining": str(max(0, remaining)),
        "RateLimit-Reset": str(reset_after),
    }


MISSING_BODY = "A JSON body is required (Content-Type: application/json)."

# msgspec names the field inside the body; Litestar's `key` is only the parameter ("data").
_BODY_FIELD = re.compile(r"`\$\.([^`\[]+)|field `([^`]+)`")


def _field_of(item: dict[str, Any]) -> str:
    """The field's path in the body: `email`, or `settings.colour` for a nested one."""
    key = item.get("key")
    match = _BODY_FIELD.search(str(item.get("message", "")))
    inner = (match.group(1) or match.group(2)) if match else None
    if key and key != "data":
        return f"{key}.{inner}" if inner and not inner.startswith(str(key)) else str(key)
    return inner or str(item.get("source") or "body")


def _is_missing_body(item: dict[str, Any]) -> bool:
    """Litestar reports a route's absent body as the KeyError of its `data` parameter."""
    return item.get("key") == "data" and str(item.get("message")) == "'data'"


def from_validation_exception(exc: ValidationException) -> ProblemDetailsException:
    """Body, query and path decoding errors: always 422 with the offending fields."""
    raw = [
        item
        for item in (exc.extra if isinstance(exc.extra, list) else [])
        if isinstance(item, dict)
    ]
    if any(_is_missing_body(item) for item in raw):
        return problem(
            "validation_error", MISSING_BODY, errors=[{"field": "body", "message": "is required"}]
        )
    errors = [
        {"field": _field_of(item), "message": str(item.get("message") or exc.detail)}
        for item in raw
    ]
    return problem("validation_error", str(exc.detail), errors=errors or _unreadable_body(exc))


def from_http_exception(exc: HTTPException) -> ProblemDetailsException:
    # A body that is not even JSON (or a form that is not multipart) is bad input like any
    # other: 422 validation_error, with the body as the field at fault.
    if exc.status_code == 400 and exc.detail == _MULTIPART_LIMIT:
        # Litestar's multipart parser past one of its limits (a part's headers, a file name
        # of thousands of characters...) says 400 "for backwards compatibility": it is a 413.
        detail = "A part of the form (its headers or file name, say) is larger than allowed."
        return problem("payload_too_large", detail)
    if exc.status_code == 400:
        return problem("validation_error", str(exc.detail), errors=_unreadable_body(exc))
    status = exc.status_code
    if status >= 500:
        log.error("http.server_error", status=status, detail=str(exc.detail), exc_info=exc)
    code = CODE_BY_STATUS.get(status, "internal_error" if status >= 500 else "validation_error")
    detail = str(exc.detail) if status < 500 else "The server could not complete the request."
    return problem(code, detail, status=status, headers=exc.headers)


_MULTIPART_LIMIT = "Request Entity Too Large"


def _unreadable_body(exc: HTTPException) -> list[dict[str, str]]:
    """Every 422 names its fields (API.md); a body that cannot be read is its own."""
    return [{"field": "body", "message": str(exc.detail)}]


def from_undecodable_text(exc: UnicodeDecodeError) -> ProblemDetailsException:
    """A form field or body that is not UTF-8 (framework parsers decode before we can)."""
    return problem("validation_error", "Text must be UTF-8.", errors=[_not_utf8()])


def _not_utf8() -> dict[str, str]:
    return {"field": "body", "message": "must be UTF-8 text"}


def from_unexpected(exc: Exception) -> ProblemDetailsException:
    # The traceback goes to the log, bound to the request id; never to the client.
    log.error("http.unhandled_error", exc_info=exc)
    return problem("internal_error", "The server could not complete the request.")


def problem_details_plugin() -> ProblemDetailsPlugin:
    return ProblemDetailsPlugin(
        ProblemDetailsConfig(
            exception_to_problem_detail_map={
                DomainError: from_domain_error,
                ValidationException: from_validation_exception,
                HTTPException: from_http_exception,
                UnicodeDecodeError: from_undecodable_text,
                Exception: from_unexpected,
            }
        )
    )
