"""Domain errors of live connections, translated from the pipeline's (the edges show them)."""

from __future__ import annotations

from typing import Any

from app.services.errors import Conflict, DomainError, InvalidInput
from pipelines.connections import ConnectionFailed, RemoteQueryCancelled, RemoteQueryFailed
from pipelines.query import GuardError


class ConnectionUnavailable(DomainError):
    """The connection's database could not be reached or refused the sign-in: 502."""

    status = 502
    title = "Upstream service error"

    def __init__(self, error: ConnectionFailed) -> None:
        super().__init__(error.message)
        self.kind = error.kind

    @property
    def problem_fields(self) -> dict[str, Any]:
        return {"kind": self.kind}


class ConnectionSqlRefused(InvalidInput):
    """The guard refused the SQL: 422 with the position of the part at fault."""

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


class ConnectionQueryFailed(InvalidInput):
    """The database refused or failed the query: 422 with its own message."""

    def __init__(self, error: RemoteQueryFailed) -> None:
        super().__init__(f"The database refused the query: {error.message}", "sql")


class ConnectionQueryCancelled(Conflict):
    """Cancelled by its user or stopped by the time limit: 409 with the reason."""

    def __init__(self, error: RemoteQueryCancelled) -> None:
        super().__init__(error.message)
        self.reason = error.reason

    @property
    def problem_fields(self) -> dict[str, Any]:
        return {"cancelled": True, "reason": self.reason}
