"""Notes telling the user how the shape of a text file was read: the lines skipped before
the header, header lines merged or repaired, and a header with no rows under it."""

from __future__ import annotations

from .dialect import Dialect


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def shape_notes(dialect: Dialect, *, header: bool, columns: int, rows: int) -> list[str]:
    """The notes about preamble, header lines and an empty table, in reading order."""
    notes: list[str] = []
    if dialect.skip_lines:
        before = "the header" if header else "the data"
        first = f" (the first one: {dialect.preamble[0]!r})" if dialect.preamble else ""
        notes.append(f"{_plural(dialect.skip_lines, 'line')} before {before} skipped{first}")
    if header and dialect.header_note:
        notes.append(dialect.header_note)
    if header and rows == 0:
        notes.append(
            f"The file has a header but no data rows: {_plural(columns, 'column')}, "
            "read as text until rows arrive"
        )
    return notes
