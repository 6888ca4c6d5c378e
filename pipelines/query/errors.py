"""Errors raised while running SQL, and the cleaning of DuckDB's messages before users see them."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Literal

CancelReason = Literal["user", "timeout"]
SizeLimit = Literal["display", "download", "value"]

# An absolute path of two or more segments (``/a/b``), a home path (``~/x``) or a file URL; the
# look-behind keeps division (``a / b``) and relative SQL text (``x/y``) untouched.
_PATH = re.compile(r"(?<![\w/.~])(?:file://)?(?:~|/)(?:[\w.\-~*+@%]+/)+[\w.\-~*+@%]*")
_LINE = re.compile(r"^LINE (\d+): (.*)$", re.MULTILINE)


class QueryFailed(Exception):
    """DuckDB refused or failed the query; the message is safe to show (no server paths).

    Attributes
    ----------
    message : str
        The cleaned message.
    line, column : int or None
        1-based position in the SQL when DuckDB reported one.
    """

    def __init__(self, message: str, *, line: int | None = None, column: int | None = None):
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column


class QueryRefused(QueryFailed):
    """The sandbox's own parser check refused the SQL (not one SELECT statement)."""


class ResultTooLarge(QueryFailed):
    """The result (or one value of it) is larger than a byte limit; refused while fetching.

    Attributes
    ----------
    limit : {"display", "download", "value"}
        Which limit it hit: the displayed result, a download, or one value.
    max_bytes : int
        That limit in bytes.
    """

    def __init__(self, limit: SizeLimit, max_bytes: int) -> None:
        size = megabytes(max_bytes)
        if limit == "display":
            message = (
                f"The result is larger than the {size} display limit; add a LIMIT or select "
                "fewer columns, or download it."
            )
        elif limit == "download":
            message = (
                f"The result is larger than the {size} download limit; add a LIMIT, filter "
                "or select fewer columns."
            )
        else:
            message = (
                f"A value of the result would be larger than the {size} limit for one value "
                "(repeat, lpad, rpad, bar or to_base with a large count, or a printf/format "
                "width of 1,000 or more or taken from an argument); use a smaller count or width."
            )
        super().__init__(message)
        self.limit: SizeLimit = limit
        self.max_bytes = max_bytes


def megabytes(count: int) -> str:
    """``count`` bytes as ``"50 MB"`` (MiB, which is what the settings count in)."""
    return f"{count / 2**20:.3g} MB"


class QueryCancelled(Exception):
    """The query was cancelled by its user or stopped by the time limit.

    Attributes
    ----------
    reason : {"user", "timeout"}
        Who stopped it.
    """

    def __init__(self, reason: CancelReason, timeout_seconds: float | None = None) -> None:
        if reason == "user":
            message = "The query was cancelled."
        else:
            message = f"The query was stopped after {timeout_seconds:g} s (the time limit)."
        super().__init__(message)
        self.message = message
        self.reason: CancelReason = reason


def clean_message(text: str, known: Mapping[str, str] | None = None) -> str:
    """Remove server file paths from an error message.

    Parameters
    ----------
    text : str
        The raw DuckDB message.
    known : mapping of str to str
        Exact paths to replace first (e.g. a table's Parquet file -> ``<table orders>``),
        longest first; any other absolute path becomes ``<path>``.
    """
    replacements = dict(known or {})
    for path in sorted(replacements, key=len, reverse=True):
        if path:
            text = text.replace(path, replacements[path])
    return _PATH.sub("<path>", text)


def error_position(message: str, sql: str) -> tuple[int | None, int | None]:
    """Line and column (1-based) that DuckDB's ``LINE n:`` caret context points at."""
    match = _LINE.search(message)
    if match is None:
        return None, None
    line = int(match.group(1))
    rest = message[match.end() :].lstrip("\r\n").splitlines()
    if not rest or "^" not in rest[0]:
        return line, None
    snippet = match.group(2)
    caret = rest[0].index("^") - (len(match.group(0)) - len(snippet))
    lines = sql.splitlines()
    if not 0 < line <= len(lines):
        return line, None
    start = 0
    if snippet.startswith("..."):
        found = lines[line - 1].find(snippet[3:].removesuffix("...")[:40])
        if found < 0:
            return line, None
        start, caret = found, caret - 3
    return line, start + caret + 1
