"""Domain errors. Each carries a stable `code`; none knows about HTTP."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar

T = TypeVar("T")


class DomainError(Exception):
    code = "internal_error"
    title = "Internal error"

    def __init__(self, detail: str = "") -> None:
        super().__init__(detail or self.title)
        self.detail = detail or self.title


@dataclass(frozen=True, slots=True)
class FieldError:
    field: str
    message: str


class ValidationFailed(DomainError):
    code = "validation_error"
    title = "Validation failed"

    def __init__(self, detail: str = "", errors: list[FieldError] | None = None) -> None:
        super().__init__(detail)
        self.errors = errors or []

    @classmethod
    def on(cls, field: str, message: str) -> ValidationFailed:
        return cls(f"{field}: {message}", [FieldError(field, message)])


class Unauthorized(DomainError):
    code = "unauthorized"
    title = "Authentication required"


class InvalidCredentials(DomainError):
    code = "invalid_credentials"
    title = "Invalid email or password"


class Forbidden(DomainError):
    code = "forbidden"
    title = "Not allowed"


class OriginNotAllowed(DomainError):
    code = "origin_not_allowed"
    title = "Origin not allowed"


class NotFound(DomainError):
    code = "not_found"
    title = "Not found"


def found(value: T | None, what: str) -> T:
    """`value`, or NotFound naming `what` ("Conversation not found.")."""
    if value is None:
        raise NotFound(f"{what} not found.")
    return value


class Conflict(DomainError):
    code = "conflict"
    title = "Conflict"


class EmailTaken(Conflict):
    code = "email_taken"
    title = "Email already registered"


class PayloadTooLarge(DomainError):
    code = "payload_too_large"
    title = "Payload too large"


class UnsupportedMediaType(DomainError):
    code = "unsupported_media_type"
    title = "Unsupported media type"


class QuotaExceeded(DomainError):
    code = "quota_exceeded"
    title = "Plan limit reached"


class RateLimited(DomainError):
    code = "rate_limited"
    title = "Too many requests"

    def __init__(
        self, detail: str = "", retry_after: int = 1, limit: int = 0, remaining: int = 0
    ) -> None:
        super().__init__(detail)
        self.retry_after, self.limit, self.remaining = retry_after, limit, remaining


class ServiceUnavailable(DomainError):
    code = "service_unavailable"
    title = "Service unavailable"
    retry_after = 2  # seconds a client should wait before trying again
