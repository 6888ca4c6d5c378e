"""Header lines DuckDB cannot take as they are: two header lines, and a stray quote.

* **Two header lines**: a group line with blanks for merged cells (``Q1,,Q2,``) above the
  column names (``Revenue,Cost,Revenue,Cost``). The group is carried over its blank cells
  and joined to each name: ``Q1 Revenue``, ``Q1 Cost``, ``Q2 Revenue``...
* **A stray quote** (``id,"URL"Comments``): DuckDB would read on to the next quote of the
  file. The names are then read here, quotes kept as written, and DuckDB skips the line.

Both only look at records of the head of the file (no extra pass over the data).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .preamble import blank, header_evidence, looks_typed


def _spans(group: Sequence[str], width: int) -> list[int]:
    """How many columns each non-empty group cell covers (its cell and the blanks after it)."""
    starts = [i for i in range(min(width, len(group))) if group[i].strip()]
    ends = [*starts[1:], width]
    return [end - start for start, end in zip(starts, ends, strict=True)]


def is_group_line(
    group: Sequence[str], names: Sequence[str], later: Sequence[Sequence[str]]
) -> bool:
    """Whether ``group`` is a line of merged group cells above the header ``names``.

    The group line has blanks (merged cells) and text; ``names`` reads as a header over the
    rows ``later`` (text names above typed columns); and the groups are real groups: every
    one spans several columns, or the names repeat under different groups.
    """
    width = len(names)
    cells = [c.strip() for c in group[:width]]
    filled = [c for c in cells if c]
    if not filled or len(filled) == width or len(group) > width or len(group) < 2:
        return False
    if len(filled) == 1 and cells[0]:
        return False  # one text in the first cell: a title line, not groups
    if any(not n.strip() for n in names) or not header_evidence(names, later):
        return False
    repeated = len({n.strip().lower() for n in names}) < width
    return repeated or all(span >= 2 for span in _spans(cells, width))


def merged_names(group: Sequence[str], names: Sequence[str]) -> tuple[str, ...]:
    """One name per column: the group carried over its blank cells, then the column's name."""
    merged: list[str] = []
    current = ""
    for index, name in enumerate(names):
        cell = group[index].strip() if index < len(group) else ""
        current = cell or current
        merged.append(" ".join(part for part in (current, name.strip()) if part))
    return tuple(merged)


def find_group_line(rows: Sequence[Sequence[str]], start: int, adjacent: bool) -> int | None:
    """Index of a group line belonging to the header found at ``start``, if there is one.

    Either ``start`` itself is the group line (the names are on the next record) or, when
    ``adjacent`` says the record before ``start`` touches it, that record is.
    """
    below = start + 2 <= len(rows) and not blank(rows[start + 1])
    if below and is_group_line(rows[start], rows[start + 1], rows[start + 2 :]):
        return start
    above = start >= 1 and adjacent
    if above and is_group_line(rows[start - 1], rows[start], rows[start + 1 :]):
        return start - 1
    return None


@dataclass(frozen=True)
class QuoteProblem:
    """A quote that makes a header line unreadable: 0-based offset in the line, and why."""

    offset: int
    reason: str


def _close(text: str, start: int, quote: str, escape: str) -> int:
    """Offset of the quote closing the quoted field opened at ``start`` (-1 if none)."""
    index = start + 1
    while index < len(text):
        char = text[index]
        if escape and escape != quote and char == escape:
            index += 2
            continue
        if char == quote:
            if escape in ("", quote) and text[index + 1 : index + 2] == quote:
                index += 2
                continue
            return index
        index += 1
    return -1


def quote_problem(text: str, delimiter: str, quote: str, escape: str) -> QuoteProblem | None:
    """Check the first record of ``text`` (the header onwards) for a misplaced quote.

    A quoted name must be closed, and its closing quote followed by the delimiter or the end
    of the line; a quote inside an unquoted name is fine (DuckDB keeps it).
    """
    if not quote:
        return None
    position = 0
    while position <= len(text):
        if text.startswith(quote, position):
            end = _close(text, position, quote, escape)
            line_end = _line_end(text, position)
            if end < 0:
                return QuoteProblem(position, "this quote is never closed")
            after = text[end + 1 : end + 2]
            if after not in ("", delimiter, "\r", "\n"):
                if end > line_end:
                    return QuoteProblem(position, "this quote is not closed on the header line")
                return QuoteProblem(
                    end, f"this closing quote is followed by {after!r}, not by a {delimiter!r}"
                )
            position = end + 1
        else:
            stop = _next_stop(text, position, delimiter)
            position = stop
        if position >= len(text) or text[position] in "\r\n":
            return None
        position += len(delimiter)
    return None


def _line_end(text: str, position: int) -> int:
    ends = [i for i in (text.find("\n", position), text.find("\r", position)) if i >= 0]
    return min(ends) if ends else len(text)


def _next_stop(text: str, position: int, delimiter: str) -> int:
    found = text.find(delimiter, position)
    line_end = _line_end(text, position)
    return line_end if found < 0 else min(found, line_end)


def literal_names(line: str, delimiter: str, quote: str) -> tuple[str, ...]:
    """The names of a header line whose quotes are broken: a well-quoted name is unquoted,
    anything else is kept as written (stray quotes included)."""
    names: list[str] = []
    position = 0
    line = line.rstrip("\r\n")
    while True:
        if quote and line.startswith(quote, position):
            end = _close(line, position, quote, quote)
            if end > 0 and line[end + 1 : end + 2] in ("", delimiter):
                names.append(line[position + 1 : end].replace(quote * 2, quote))
                position = end + 1
            else:
                stop = _next_stop(line, position, delimiter)
                names.append(line[position:stop])
                position = stop
        else:
            stop = _next_stop(line, position, delimiter)
            names.append(line[position:stop])
            position = stop
        if position >= len(line):
            return tuple(name.strip() for name in names)
        position += len(delimiter)


def typed_names(names: Sequence[str]) -> bool:
    """Whether any name reads as a value (so a lone line is data rather than a header)."""
    return any(looks_typed(name) for name in names)
