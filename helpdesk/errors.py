"""Domain errors; mapped to HTTP statuses in one place (``helpdesk.http_errors``)."""

from __future__ import annotations


class DomainError(Exception):
    status = 400
    code = "bad_request"

    def __init__(self, message: str, *, fields: dict[str, list[str]] | None = None):
        super().__init__(message)
        self.message = message
        self.fields = fields or {}


class MalformedRequest(DomainError):
    """The request body is not what the endpoint reads at all (not JSON...)."""

    status = 400
    code = "bad_request"


class NotFound(DomainError):
    status = 404
    code = "not_found"


class PermissionDenied(DomainError):
    status = 403
    code = "forbidden"


class InvalidTransition(DomainError):
    status = 409
    code = "invalid_transition"


class Conflict(DomainError):
    status = 409
    code = "conflict"


class InvalidInput(DomainError):
    """A business-rule check on input that passed the schema's shape check."""

    status = 422
    code = "validation_error"
