"""Rows DuckDB could not read (its ``store_rejects`` table), counted and explained.

DuckDB's own line numbers count records rather than physical lines, so the line of each
example is recomputed from its byte position in the file that was read. A row with the wrong
number of fields is described with DuckDB's own count (from its error message), so the
message always matches what the reader saw, whatever the quoting.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import duckdb

from .models import BadRow, BadRows

_FOUND = r"Found: (\d+)"
_WIDTH_ERRORS = ("MISSING COLUMNS", "TOO MANY COLUMNS")
_REASONS = {
    "UNQUOTED VALUE": "a quoted value is not closed, or a quote appears inside an unquoted value",
    "INVALID ENCODING": "contains bytes that are not valid UTF-8",
    "LINE SIZE OVER MAXIMUM": "the line is longer than the maximum line size",
    "INVALID STATE": "the line could not be parsed",
}


def rejects_exist(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether the rejects table of the last read exists."""
    row = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'dp_rejects'"
    ).fetchone()
    return bool(row and row[0])


def reject_types(con: duckdb.DuckDBPyConnection) -> set[str]:
    """The distinct DuckDB error types among rejected rows."""
    if not rejects_exist(con):
        return set()
    rows = con.execute("SELECT DISTINCT CAST(error_type AS VARCHAR) FROM dp_rejects").fetchall()
    return {str(r[0]) for r in rows}


def _fields(raw: str, delimiter: str, quote: str, escape: str) -> int:
    if len(delimiter) > 1:  # ", ": Python's csv module reads one-character delimiters only
        return len(raw.rstrip("\r\n").split(delimiter))
    try:
        reader = csv.reader(
            io.StringIO(raw, newline=""),
            delimiter=delimiter,
            quotechar=quote or None,
            doublequote=escape in ("", quote),
            escapechar=None if escape in ("", quote) else escape,
        )
        record = next(reader)
    except (StopIteration, csv.Error):
        return 0
    return len(record)


def width_reason(
    fields: int, columns: int, header_width: int | None, raw: str, delimiter: str
) -> str:
    """Why a row with the wrong number of fields was left out, in words that add up.

    ``header_width`` is the number of header names (None without a header); the expected
    count is ``columns`` (more than the names when rows carry an unnamed last column).
    """
    if fields == columns or fields <= 0:
        return (
            f"could not be split into the {columns} fields of the other rows; check the "
            "quotes and delimiters in this line"
        )
    if header_width == columns:
        expected = f"the header has {columns}"
    elif header_width:
        expected = f"the other rows have {columns} (the header names {header_width})"
    else:
        expected = f"the other rows have {columns}"
    trailing = raw.rstrip("\r\n").endswith(delimiter) and fields > columns
    extra = (
        f" (the last one empty, after a {delimiter!r} at the end of the line)" if trailing else ""
    )
    return f"has {fields} field{'' if fields == 1 else 's'}{extra}, {expected}"


def _physical_lines(path: Path, positions: list[int]) -> dict[int, int]:
    """Map byte offsets to 1-based physical line numbers (one sequential pass)."""
    result: dict[int, int] = {}
    wanted = sorted(set(positions))
    line = 1
    offset = 0
    with path.open("rb") as handle:
        for target in wanted:
            while offset < target:
                chunk = handle.read(min(8 * 1024 * 1024, target - offset))
                if not chunk:
                    break
                line += chunk.count(b"\n")
                offset += len(chunk)
            result[target] = line
    return result


def cast_reject(con: duckdb.DuckDBPyConnection) -> tuple[str, int, str] | None:
    """A value the reader could not parse as its column's type: (mark, column index, value).

    Rows rejected this way are left out of the output, so the caller must re-plan the column
    and write again; they are never reported as unreadable rows.
    """
    if not rejects_exist(con):
        return None
    row = con.execute(
        "SELECT column_name, csv_line FROM dp_rejects "
        "WHERE CAST(error_type AS VARCHAR) = 'CAST' ORDER BY line_byte_position LIMIT 1"
    ).fetchone()
    if row is None:
        return None
    name = str(row[0])
    return ("DPX", int(name[1:]), str(row[1])[:200]) if name[1:].isdigit() else None


def collect_bad_rows(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    *,
    delimiter: str,
    quote: str,
    columns: int,
    examples: int,
    escape: str = "",
    header_width: int | None = None,
) -> BadRows:
    """Count the rejected rows of the last read and describe the first ``examples``.

    ``header_width`` is the number of header names (None when the file has no header).
    """
    if not rejects_exist(con):
        return BadRows()
    row = con.execute("SELECT count(DISTINCT line_byte_position) FROM dp_rejects").fetchone()
    count = int(row[0]) if row else 0
    if count == 0:
        return BadRows()
    records = con.execute(
        """
        SELECT line_byte_position, arg_min(CAST(error_type AS VARCHAR), column_idx),
               left(arg_min(csv_line, column_idx), 2000),
               min(TRY_CAST(regexp_extract(error_message, ?, 1) AS INTEGER)),
               max(TRY_CAST(regexp_extract(error_message, ?, 1) AS INTEGER))
        FROM dp_rejects GROUP BY line_byte_position ORDER BY line_byte_position LIMIT ?
        """,
        [_FOUND, _FOUND, examples],
    ).fetchall()
    lines = _physical_lines(path, [int(r[0]) for r in records])
    described = []
    for position, kind, raw, fewest, most in records:
        text = str(raw or "")
        stripped = text.lstrip("\r\n")
        skipped = text[: len(text) - len(stripped)].count("\n")
        if kind in _WIDTH_ERRORS:
            # DuckDB rejects a row once per missing or extra field, each with its count.
            found = fewest if kind == "MISSING COLUMNS" else most
            fields = int(found) if found else _fields(stripped, delimiter, quote, escape)
            reason = width_reason(fields, columns, header_width, stripped, delimiter)
        else:
            reason = _REASONS.get(str(kind), str(kind).lower())
        if kind == "UNQUOTED VALUE" and stripped.count("\n") > 1:
            reason += f"; the next {stripped.count(chr(10))} lines were read as part of it"
        described.append(
            BadRow(lines[int(position)] + skipped, stripped.rstrip("\r\n")[:500], reason)
        )
    return BadRows(count, tuple(described))


def first_invalid_encoding_line(con: duckdb.DuckDBPyConnection, path: Path) -> int | None:
    """Physical line of the first row rejected for invalid UTF-8, if any."""
    if not rejects_exist(con):
        return None
    row = con.execute(
        "SELECT min(line_byte_position) FROM dp_rejects "
        "WHERE CAST(error_type AS VARCHAR) = 'INVALID ENCODING'"
    ).fetchone()
    if not row or row[0] is None:
        return None
    return _physical_lines(path, [int(row[0])])[int(row[0])]
