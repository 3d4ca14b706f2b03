"""Typed errors. Each face turns a ``HostlaneError`` into its own document's error shape.

An error speaks Hostlane's words: a neutral default ``message``, a ``code`` naming the error, and its data
in ``context`` (the missing permission, the invoice's status), so a face whose document words it otherwise
can do so from the data instead of parsing the message.
"""

from __future__ import annotations

from typing import Any


class HostlaneError(Exception):
    status: int = 400
    code: str = "error"
    message: str = "The request could not be completed."

    def __init__(
        self,
        message: str | None = None,
        *,
        fields: dict[str, list[str]] | None = None,
        headers: dict[str, str] | None = None,
        **context: Any,
    ) -> None:
        self.message = message or self.message
        self.fields = fields or {}
        self.headers = headers or {}
        self.context = context
        super().__init__(self.message)


class BadRequest(HostlaneError):
    status = 400
    code = "bad_request"


class Unauthenticated(HostlaneError):
    status = 401
    code = "unauthenticated"
    message = "Unauthenticated."


class Forbidden(HostlaneError):
    status = 403
    code = "forbidden"
    message = "This action is unauthorized."


class NotFound(HostlaneError):
    status = 404
    code = "not_found"
    message = "Not found."


class Conflict(HostlaneError):
    status = 409
    code = "conflict"


class PayloadTooLarge(HostlaneError):
    status = 413
    code = "payload_too_large"
    message = "The request body is too large."


class ValidationFailed(HostlaneError):
    status = 422
    code = "validation_failed"
    message = "The given data was invalid."

    @classmethod
    def field(cls, name: str, problem: str) -> ValidationFailed:
        return cls(problem, fields={name: [problem]})

    @classmethod
    def refuse_nulls(cls, changes: dict[str, Any], *names: str) -> None:
        """A partial update may leave a field out, but may not empty one that must have a value."""
        for name in names:
            if name in changes and changes[name] is None:
                raise cls.field(name, f"The {name} field cannot be empty.")


class Taken(ValidationFailed):
    """A unique field's value is in use (``Taken("slug")``: "The slug has already been taken.")."""

    def __init__(self, field: str) -> None:
        message = f"The {field} has already been taken."
        super().__init__(message, fields={field: [message]})


class TooManyRequests(HostlaneError):
    status = 429
    code = "too_many_requests"
    message = "Too many requests."

    def __init__(self, message: str | None = None, *, retry_after: int) -> None:
        super().__init__(message, headers={"Retry-After": str(max(1, retry_after))})
        self.retry_after = retry_after


class UnsupportedMediaType(HostlaneError):
    status = 415
    code = "unsupported_media_type"
    message = "The request body must be JSON or XML."
