"""The guard's error type and the messages it shares between its two checks."""

from __future__ import annotations

from collections.abc import Iterable

__all__ = [
    "GuardError",
    "file_table",
    "line_column",
    "qualified_table",
    "statement_refused",
    "table_function",
    "table_list",
    "unknown_table",
]

LIST_TABLES_UP_TO = 10


class GuardError(ValueError):
    """The SQL guard refused a query; the message names the offending part.

    Attributes
    ----------
    message : str
        What is wrong and what to do, without the position.
    start, end : int or None
        0-based character offsets of the offending part in the SQL as given (``end`` is
        exclusive, so ``sql[start:end]`` is the part), or None when no single part is at fault.
    line, column : int or None
        1-based line and column of ``start``.
    """

    def __init__(
        self,
        message: str,
        *,
        sql: str | None = None,
        start: int | None = None,
        end: int | None = None,
    ) -> None:
        self.message = message
        self.start = start
        self.end = end if end is not None or start is None else start + 1
        self.line: int | None = None
        self.column: int | None = None
        if sql is not None and start is not None:
            self.line, self.column = line_column(sql, start)
        where = f" (line {self.line}, column {self.column})" if self.line is not None else ""
        super().__init__(f"{message}{where}")

    def as_json(self) -> dict[str, object]:
        """The refusal as plain JSON data (message, start, end, line, column)."""
        return {
            "message": self.message,
            "start": self.start,
            "end": self.end,
            "line": self.line,
            "column": self.column,
        }


def line_column(sql: str, offset: int) -> tuple[int, int]:
    """The 1-based line and column of a 0-based character offset in ``sql``."""
    offset = max(0, min(offset, len(sql)))
    line = sql.count("\n", 0, offset) + 1
    column = offset - (sql.rfind("\n", 0, offset) + 1) + 1
    return line, column


def table_list(tables: Iterable[str]) -> str:
    """Up to ten table names for a message, sorted, with a count of the rest."""
    names = sorted(tables)
    if not names:
        return "this workspace has no tables yet"
    shown = ", ".join(names[:LIST_TABLES_UP_TO])
    more = len(names) - LIST_TABLES_UP_TO
    return f"tables: {shown}" + (f" and {more} more" if more > 0 else "")


def unknown_table(name: str, tables: Iterable[str]) -> str:
    """The message for a table the workspace does not have."""
    return f"Table '{name}' does not exist in this workspace; {table_list(tables)}"


def qualified_table(name: str, tables: Iterable[str]) -> str:
    """The message for a table named with a schema or catalog (``main.x``)."""
    return (
        f"Table '{name}' is not allowed: only the workspace's tables can be read, by their name "
        f"alone (no schema or catalog); {table_list(tables)}"
    )


def file_table(name: str, tables: Iterable[str]) -> str:
    """The message for ``FROM 'some/file.csv'`` (a file path used as a table)."""
    return (
        f"Reading the file '{name}' is not allowed: only the workspace's tables can be read; "
        f"{table_list(tables)}"
    )


def table_function(name: str, tables: Iterable[str]) -> str:
    """The message for a table function in FROM (``FROM range(10)``)."""
    return (
        f"Table function {name} is not allowed: only the workspace's tables can be read; "
        f"{table_list(tables)}"
    )


def statement_refused(keyword: str) -> str:
    """The message for a statement that is not one read-only query."""
    message = (
        f"{keyword} is not allowed: only one read-only query can run here "
        "(SELECT, WITH ... SELECT, VALUES, UNION/INTERSECT/EXCEPT)"
    )
    if keyword in ("PIVOT", "UNPIVOT"):
        message += f"; put {keyword} (...) after the table: FROM <table> {keyword} (...)"
    return message
