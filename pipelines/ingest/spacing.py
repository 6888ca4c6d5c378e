"""Spaces as delimiters: ``a, b, c`` files, single-space files and columns aligned with spaces.

Detection reads the head of the file only (the same text as the rest of the dialect detection)
and looks at a bounded number of lines, so it costs the same on a 1 GB file as on a 1 KB one.

- ``", "``: every delimiter outside quotes is followed by one space. DuckDB reads the
  two-character delimiter itself, so quoted values (``1, "a, b", 2``) still work and no value
  keeps the leading space.
- ``" "``: one space between fields and never two; DuckDB reads it natively (quotes work).
- aligned columns (runs of spaces or tabs): each line is read whole and split on runs of
  blanks in the same SQL statement that converts it (no extra pass over the file). A line with
  more fields than the header keeps the extra words in its last column, joined by one space.
"""

# SQL text is assembled from sql.literal() quoted parts and fixed fragments.
# ruff: noqa: S608

from __future__ import annotations

import re
from collections import Counter

from .sql import literal

COMMA_SPACE = ", "
SPACE = " "
LINES_CHECKED = 500
"""Lines of the head looked at by the checks below (bounded: the head may be 4 MiB)."""
_BLANKS = re.compile(r"[ \t]+")
SPLIT_REGEX = "[ \\t]+"


def _nonblank_lines(head: str, skip: int = 0) -> list[str]:
    lines = head.splitlines()[skip : skip + LINES_CHECKED * 2]
    return [line for line in lines if line.strip()][:LINES_CHECKED]


def _delimiters_followed_by_space(line: str, delimiter: str, quote: str) -> tuple[int, int]:
    """(delimiters outside quotes, how many of them a space follows) in one physical line."""
    inside = False
    seen = spaced = 0
    for i, ch in enumerate(line):
        if quote and ch == quote:
            inside = not inside
        elif ch == delimiter and not inside:
            seen += 1
            spaced += line[i + 1 : i + 2] == " "
    return seen, spaced


def is_comma_space(head: str, skip: int, quote: str) -> bool:
    """Whether every comma outside quotes in the head is followed by a space (``a, b, c``)."""
    if COMMA_SPACE not in head:
        return False
    lines = _nonblank_lines(head, skip)
    if len(lines) < 2:
        return False
    total = 0
    for line in lines:
        seen, spaced = _delimiters_followed_by_space(line, ",", quote)
        if seen != spaced:
            return False
        total += seen
    return total >= len(lines)


def is_single_space(head: str, skip: int, quote: str) -> bool:
    """Whether the head reads as fields separated by exactly one space (quotes allowed)."""
    lines = _nonblank_lines(head, skip)
    if len(lines) < 2:
        return False
    counts = []
    for line in lines:
        if line != line.strip() or "  " in line or "\t" in line:
            return False
        seen, _ = _delimiters_followed_by_space(line, " ", quote)
        counts.append(seen + 1)
    return _consistent(counts)


def aligned_fields(head: str, skip: int) -> list[list[str]] | None:
    """The head split on runs of blanks when it reads as columns aligned with spaces.

    Runs of two or more blanks must appear (single spaces are :func:`is_single_space`). The
    first line (the header, or the first record) sets the width: most lines have exactly that
    many fields and nine in ten at least that many (extra words belong to the last column).
    A paragraph of text or a list of names does not pass.
    """
    lines = _nonblank_lines(head, skip)
    if len(lines) < 2 or not any("  " in line.strip() or "\t" in line for line in lines):
        return None
    fields = [_BLANKS.split(line.strip()) for line in lines]
    width = len(fields[0])
    exact = sum(len(f) == width for f in fields)
    wide = sum(len(f) >= width for f in fields)
    if width < 2 or exact * 2 < len(fields) or wide < 0.9 * len(fields):
        return None
    return fields


def _consistent(counts: list[int]) -> bool:
    mode, hits = Counter(counts).most_common(1)[0]
    return mode >= 2 and counts[0] == mode and hits >= 0.9 * len(counts)


def aligned_read_sql(
    path: str, columns: int, *, header: bool, skip: int, options: list[str]
) -> str:
    """A subquery with VARCHAR fields ``c0``, ``c1``... read from space-aligned lines.

    ``options`` are extra ``read_csv`` options (line size, buffer, rejects). Every line is read
    whole (the delimiter is the newline itself, no quoting) and split on runs of blanks; blank
    lines are skipped; a short line has NULLs at its end.
    """
    reader = ", ".join(
        [
            literal(path),
            "auto_detect=false",
            "delim='\n'",
            "quote=''",
            "escape=''",
            f"header={str(header).lower()}",
            f"skip={int(skip)}",
            "columns={'line': 'VARCHAR'}",
            *options,
        ]
    )
    last = columns
    fields = [f"s[{i + 1}] AS c{i}" for i in range(columns - 1)]
    fields.append(
        f"CASE WHEN len(s) > {last} THEN array_to_string(s[{last}:], ' ') "
        f"ELSE s[{last}] END AS c{columns - 1}"
    )
    split = f"regexp_split_to_array(trim(line, {literal(' ' + chr(9))}), {literal(SPLIT_REGEX)})"
    return (
        f"(SELECT {', '.join(fields)} FROM (SELECT {split} AS s FROM read_csv({reader}) "
        f"WHERE line IS NOT NULL AND trim(line, {literal(' ' + chr(9))}) <> ''))"
    )
