"""Padding of short (ragged) rows, done in Python because DuckDB's ``null_padding`` is unsafe.

With ``null_padding`` DuckDB cannot read quoted newlines in parallel, and its single-threaded
reader silently drops a row with an unterminated quote instead of reporting it. So when the
first rows show that trailing empty fields are left out, the file is copied once with the
missing delimiters appended to short records. Every other byte is copied unchanged, so line
numbers stay the same and DuckDB still reports any row it cannot read.

The same copy takes the quotes out of the lines before the data when one has a stray quote
(a header line read during detection, or a preamble line): DuckDB parses the lines it skips,
so a broken quote there would swallow the file.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator
from pathlib import Path

from .dialect import Dialect


class _Lines:
    """Iterates over lines while remembering those of the current record."""

    def __init__(self, handle: Iterator[str]) -> None:
        self.handle = handle
        self.current: list[str] = []

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        line = next(self.handle)
        self.current.append(line)
        return line


def _balanced(raw: str, dialect: Dialect) -> bool:
    quotes = raw.count(dialect.quote)
    if dialect.escape and dialect.escape != dialect.quote:
        quotes -= raw.count(dialect.escape + dialect.quote)
    return quotes % 2 == 0


def pad_short_rows(
    source: Path, target: Path, dialect: Dialect, check: Callable[[], None] | None = None
) -> int:
    """Copy ``source`` to ``target`` padding short records; return how many were padded.

    Short records are padded only when ``dialect.null_padding`` is set.

    ``check`` is called every few thousand records and raises to stop the copy.
    """
    padded = 0
    with (
        source.open("r", encoding="utf-8", errors="surrogateescape", newline="") as handle,
        target.open("w", encoding="utf-8", errors="surrogateescape", newline="") as out,
    ):
        for _ in range(dialect.skip_lines + dialect.header_lines):
            line = handle.readline()
            if not line:
                return 0
            if dialect.rewrite_header:
                line = line.replace(dialect.quote, "")
            out.write(line)
        lines = _Lines(iter(handle))
        reader = csv.reader(
            lines,
            delimiter=dialect.delimiter[0],  # ", " is "," with the space skipped
            skipinitialspace=len(dialect.delimiter) > 1,
            quotechar=dialect.quote or None,
            doublequote=dialect.escape in ("", dialect.quote),
            escapechar=None if dialect.escape in ("", dialect.quote) else dialect.escape,
            strict=False,
        )
        for number, fields in enumerate(reader):
            if check is not None and number % 4096 == 0:
                check()
            raw = "".join(lines.current)
            lines.current = []
            missing = dialect.columns - len(fields)
            if dialect.null_padding and fields and missing > 0 and _balanced(raw, dialect):
                body = raw.rstrip("\r\n")
                raw = body + dialect.delimiter * missing + raw[len(body) :]
                padded += 1
            out.write(raw)
    return padded
