"""Domain errors of live connections, translated from the pipeline's (the edges show them)."""

from __future__ import annotations

from typing import Any

from app.errors import InvalidSql
from app.services.errors import Conflict, DomainError, InvalidInput
from pipelines.connections import ConnectionFailed, RemoteQueryCancelled, RemoteQueryFailed


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


class ConnectionSqlRefused(InvalidSql):
    """The guard refused the SQL (in the connection's dialect): 422 with the position."""


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
