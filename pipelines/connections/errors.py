"""Errors of live database connections; each message says what is wrong and what to do."""

from __future__ import annotations

from typing import Literal

FailureKind = Literal[
    "refused", "unknown_host", "auth", "unknown_database", "tls", "timeout", "other"
]


class ConnectionFailed(Exception):
    """The database could not be reached or refused the sign-in.

    Attributes
    ----------
    kind
        ``refused``, ``unknown_host``, ``auth``, ``unknown_database``, ``tls``, ``timeout`` or
        ``other``.
    message
        What happened and what to check; never the password.
    """

    def __init__(self, kind: FailureKind, message: str) -> None:
        super().__init__(message)
        self.kind: FailureKind = kind
        self.message = message


class UnknownTable(LookupError):
    """A table that is not in the connection's browsed catalog."""

    def __init__(self, schema: str, table: str) -> None:
        self.message = (
            f"No table “{table}” in schema “{schema}” that this connection's user can read; "
            "pick one from the list of tables."
        )
        super().__init__(self.message)


class RemoteQueryFailed(Exception):
    """The database refused or failed the query; the message is the database's own."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class RemoteQueryCancelled(Exception):
    """The query was cancelled by its user (``reason`` user) or by the time limit (timeout)."""

    def __init__(self, reason: Literal["user", "timeout"], message: str) -> None:
        super().__init__(message)
        self.reason: Literal["user", "timeout"] = reason
        self.message = message
