"""Domain errors; translated once at the edge (HTTP problem JSON, page notification)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pipelines.query import GuardError


class DomainError(Exception):
    """Base for errors a user can act on; ``str(error)`` is the message shown."""

    status = 400
    title = "Bad request"


class NotFound(DomainError):
    status = 404
    title = "Not found"


class Forbidden(DomainError):
    status = 403
    title = "Forbidden"


class Conflict(DomainError):
    status = 409
    title = "Conflict"


class InvalidInput(DomainError):
    status = 422
    title = "Invalid input"

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class InvalidSql(InvalidInput):
    """An SQL guard refused the query: 422 with the position of the part at fault."""

    def __init__(self, error: GuardError) -> None:
        super().__init__(error.message, "sql")
        self.position = {
            "start": error.start,
            "end": error.end,
            "line": error.line,
            "column": error.column,
        }

    @property
    def problem_fields(self) -> dict[str, Any]:
        return {"position": self.position}


class AuthenticationFailed(DomainError):
    status = 401
    title = "Unauthorized"


class Throttled(DomainError):
    status = 429
    title = "Too many requests"

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after
