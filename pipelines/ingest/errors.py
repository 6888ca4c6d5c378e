"""The one exception the ingest pipeline raises: a reason a user can read and act on."""

from __future__ import annotations


class IngestError(Exception):
    """A file could not be ingested.

    Parameters
    ----------
    message
        A readable, specific reason (shown to the user as is).
    code
        A stable machine-readable reason, e.g. ``"empty_file"`` or ``"header_only"``.
    """

    def __init__(self, message: str, code: str = "unreadable") -> None:
        super().__init__(message)
        self.message = message
        self.code = code

    def __str__(self) -> str:
        return self.message
