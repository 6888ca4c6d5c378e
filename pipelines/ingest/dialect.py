"""Dialect detection: DuckDB's sniffer, checked and corrected on the first megabytes.

DuckDB's ``sniff_csv`` gives the quote and escape characters and a first guess. Its guess is
then checked by parsing the head of the file with each common delimiter and keeping the one
whose records have the most consistent field count; that also finds the preamble lines
before the header (:mod:`.preamble`), header lines DuckDB cannot read as they are
(:mod:`.headers`) and whether short (ragged) rows are present. Files that no usual delimiter
splits, and comma files with a space after every comma, are looked at by :mod:`.spacing`.
"""

# SQL text is assembled from sql.literal()/sql.ident() quoted parts and fixed fragments.
# ruff: noqa: S608

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from dataclasses import dataclass, replace

import duckdb

from .errors import IngestError
from .headers import find_group_line, literal_names, merged_names, quote_problem, typed_names
from .preamble import header_start, separator_hint
from .spacing import (
    COMMA_SPACE,
    SPACE,
    aligned_fields,
    aligned_read_sql,
    is_comma_space,
    is_single_space,
)
from .sql import literal
from .textfile import TextInput

DELIMITERS = (",", ";", "\t", "|")
MAX_RECORDS = 5000
HEAD_FOR_DIALECT = 1024 * 1024


@dataclass(frozen=True)
class Dialect:
    """How to read a delimited text file.

    ``skip_lines`` is the number of physical lines before the header (or first record);
    ``columns`` the field count of a record; ``null_padding`` is set when short rows were seen.
    ``header_lines`` counts the header lines read here rather than by DuckDB (two header
    lines, or one with a stray quote), whose names are ``header_names``; DuckDB then skips
    them. ``header_note`` says what was done to them; ``rewrite_header`` is set when the
    quotes of every line before the data (preamble and header) must be taken out of the copy
    DuckDB reads, because one has a stray quote DuckDB would not skip over.
    ``aligned`` means fields are separated by runs of spaces (``delimiter`` is then ``" "``) and
    each line is split in SQL rather than by DuckDB's CSV reader.
    """

    delimiter: str
    quote: str
    escape: str
    skip_lines: int
    columns: int
    null_padding: bool
    quoted_newlines: bool
    preamble: tuple[str, ...]
    sniffed_header: bool | None
    sniffed_delimiter: str | None
    header_lines: int = 0
    header_names: tuple[str, ...] = ()
    header_note: str | None = None
    rewrite_header: bool = False
    aligned: bool = False


@dataclass(frozen=True)
class _Record:
    fields: list[str]
    start_line: int
    end_line: int


def _sniff(con: duckdb.DuckDBPyConnection, text: TextInput) -> dict[str, object]:
    try:
        cursor = con.execute(f"SELECT * FROM sniff_csv({literal(text.path)}, sample_size=20480)")
        row = cursor.fetchone()
        names = [d[0] for d in cursor.description or []]
    except duckdb.Error:
        return {}
    return dict(zip(names, row, strict=False)) if row else {}


def _records(
    text: str, delimiter: str, quote: str, escape: str, *, skip_space: bool = False
) -> list[_Record]:
    reader = csv.reader(
        io.StringIO(text, newline=""),
        delimiter=delimiter,
        skipinitialspace=skip_space,
        quotechar=quote or None,
        doublequote=escape in ("", quote),
        escapechar=None if escape in ("", quote) else escape,
        quoting=csv.QUOTE_MINIMAL if quote else csv.QUOTE_NONE,
        strict=False,
    )
    records: list[_Record] = []
    start = 0
    try:
        for fields in reader:
            records.append(_Record(fields, start, reader.line_num))
            start = reader.line_num
            if len(records) >= MAX_RECORDS:
                break
    except csv.Error:
        pass
    return records


def _score(records: list[_Record]) -> tuple[bool, float, int]:
    counts = [len(r.fields) for r in records if r.fields]
    if not counts:
        return (False, 0.0, 0)
    tail = counts[len(counts) // 5 :] or counts
    mode = Counter(tail).most_common(1)[0][0]
    if mode < 2:
        # A small file whose preamble outnumbers its rows (a header-only report export):
        # judge the records from the first one with several fields.
        first = next((i for i, c in enumerate(counts) if c >= 2), len(counts))
        rest = counts[first:]
        rest_mode = Counter(rest).most_common(1)[0][0] if rest else 1
        if rest_mode >= 2 and sum(1 for c in rest if c == rest_mode) * 2 >= len(rest):
            mode = rest_mode
    consistency = sum(1 for c in tail if c == mode) / len(tail)
    return (mode >= 2, consistency, mode)


def _aligned_records(head: str) -> list[_Record] | None:
    """The head as space-aligned columns (one record per physical line), or None."""
    if aligned_fields(head, 0) is None:
        return None
    return [
        _Record(line.split() if line.strip() else [], number, number + 1)
        for number, line in enumerate(head.splitlines()[:MAX_RECORDS])
    ]


def _with_spaces(
    head: str,
    best: str,
    records: list[_Record],
    score: tuple[bool, float, int],
    quote: str,
    escape: str,
) -> tuple[str, list[_Record], bool]:
    """Correct the delimiter for spaces: ``", "``, a single space, or aligned columns.

    Returns the delimiter, its records and whether columns are aligned with runs of spaces.
    """
    if best == "," and is_comma_space(head, 0, quote):
        return COMMA_SPACE, _records(head, ",", quote, escape, skip_space=True), False
    if score[0]:
        return best, records, False
    if is_single_space(head, 0, quote):
        return SPACE, _records(head, SPACE, quote, escape), False
    aligned = _aligned_records(head)
    if aligned is not None:
        return SPACE, aligned, True
    return best, records, False


def _head_text(text: TextInput) -> str:
    head = text.head[:HEAD_FOR_DIALECT]
    if not text.complete or len(text.head) > HEAD_FOR_DIALECT:
        cut = max(head.rfind("\n"), head.rfind("\r"))
        head = head[: cut + 1] if cut > 0 else head
    return head


_NEWLINE = re.compile(r"\r\n|\r|\n")


def _line_offsets(head: str, lines: int) -> list[int]:
    """Start offsets of the first ``lines`` + 1 lines of ``head`` (fewer if it is shorter)."""
    offsets = [0]
    for match in _NEWLINE.finditer(head):
        if len(offsets) > lines:
            break
        offsets.append(match.end())
    return offsets


def _choose(
    head: str, candidates: list[str], quote: str, escape: str
) -> tuple[str, list[_Record], int]:
    """The delimiter whose records are the most consistent, its records and their width."""
    best = candidates[0]
    best_records = _records(head, best, quote, escape)
    best_score = _score(best_records)
    for delim in candidates[1:]:
        records = _records(head, delim, quote, escape)
        score = _score(records)
        if score > best_score:
            best, best_records, best_score = delim, records, score
    return best, best_records, best_score[2]


@dataclass(frozen=True)
class _Header:
    """Where the header is: its first record, the first data record, the lines before it,
    and the header lines read here rather than by DuckDB (with their names)."""

    start: int
    data: int
    skip_lines: int
    lines: int = 0
    names: tuple[str, ...] = ()
    note: str | None = None
    rewrite: bool = False


def _locate_header(records: list[_Record], mode: int, first: int) -> _Header:
    if not records:
        return _Header(0, 0, 0)
    rows = [r.fields for r in records]
    start = header_start(rows, mode, first)
    adjacent = start > 0 and records[start - 1].end_line == records[start].start_line
    group = find_group_line(rows, start, adjacent)
    if group is None:
        return _Header(start, start + 1, records[start].start_line)
    names = merged_names(rows[group], rows[group + 1])
    first_line = records[group].start_line
    return _Header(
        group,
        group + 2,
        first_line,
        lines=records[group + 1].end_line - first_line,
        names=names,
        note=f"Two header lines were merged into one name per column (e.g. {names[-1]!r})",
    )


def _repair_quote(
    head: str,
    found: tuple[str, list[_Record], int, _Header],
    candidates: list[str],
    quote: str,
    escape: str,
    first: int,
) -> tuple[str, list[_Record], int, _Header]:
    """Read the header line with its quotes as written when a stray quote breaks it.

    The head is detected again with that line's quotes removed; DuckDB then skips the line.
    """
    delimiter, records, _, header = found
    line_number = records[header.start].start_line if records else 0
    offsets = _line_offsets(head, line_number + 1)
    if header.lines or line_number >= len(offsets):
        return found
    begin = offsets[line_number]
    end = offsets[line_number + 1] if line_number + 1 < len(offsets) else len(head)
    problem = quote_problem(head[begin:], delimiter, quote, escape)
    if problem is None:
        return found
    line = head[begin:end]
    if typed_names(literal_names(line, delimiter, quote)):
        return found  # a first data row (no header): DuckDB reports it as a bad row
    where = f"Line {line_number + 1}, character {problem.offset + 1}"
    fixed = head[:begin] + line.replace(quote, "") + head[end:]
    best, fixed_records, mode = _choose(fixed, candidates, quote, escape)
    located = _locate_header(fixed_records, mode, first)
    if located.skip_lines != line_number or located.lines:
        raise IngestError(
            f"{where}: {problem.reason}. Fix the quotes of the header line and upload again.",
            "bad_header",
        )
    names = literal_names(line, best, quote)
    note = f"{where}: {problem.reason}; the header names were read as written"
    repaired = replace(located, lines=1, names=names, note=note, rewrite=True)
    return best, fixed_records, mode, repaired


def _stray_quote_before(head: str, lines: int, delimiter: str, quote: str, escape: str) -> bool:
    """Whether one of the first ``lines`` lines (the preamble) has a quote DuckDB cannot skip."""
    offsets = _line_offsets(head, lines)
    for number in range(min(lines, len(offsets) - 1)):
        line = head[offsets[number] : offsets[number + 1]]
        if quote_problem(line, delimiter, quote, escape):
            return True
    return False


def detect_dialect(
    con: duckdb.DuckDBPyConnection,
    text: TextInput,
    *,
    forced_delimiter: str | None = None,
    prefer_tab: bool = False,
) -> Dialect:
    """Detect delimiter, quoting, preamble lines, record width and raggedness."""
    sniffed = _sniff(con, text)
    sniff_delim = sniffed.get("Delimiter")
    quote = str(sniffed.get("Quote") or '"')
    if quote == "(empty)":
        quote = '"'
    escape = str(sniffed.get("Escape") or quote)
    if escape == "(empty)":
        escape = quote
    head = _head_text(text)
    hint = separator_hint(head)
    forced_delimiter = forced_delimiter or hint
    candidates: list[str] = []
    if forced_delimiter:
        candidates = [forced_delimiter]
    else:
        preferred = ["\t"] if prefer_tab else []
        sniffed_list = [sniff_delim] if isinstance(sniff_delim, str) and sniff_delim else []
        for delim in [*preferred, *sniffed_list, *DELIMITERS]:
            if delim not in candidates and len(delim) == 1:
                candidates.append(delim)
    first = 1 if hint else 0
    best, best_records, mode = _choose(head, candidates, quote, escape)
    aligned = False
    if not forced_delimiter:
        best, best_records, aligned = _with_spaces(
            head, best, best_records, _score(best_records), quote, escape
        )
        mode = _score(best_records)[2]
    header = _locate_header(best_records, mode, first)
    ordered = [best, *(c for c in candidates if c != best)]
    found = (best, best_records, mode, header)
    if not aligned and len(best) == 1:  # the repair reads one-character delimiters
        best, best_records, mode, header = _repair_quote(head, found, ordered, quote, escape, first)
    skip_lines = header.skip_lines
    body = [r for r in best_records[header.data :] if r.fields]
    if header.names:
        header_width = len(header.names)
    else:
        header_width = len(best_records[header.start].fields) if best_records else 0
    data_counts = Counter(len(r.fields) for r in body)
    data_mode = data_counts.most_common(1)[0][0] if data_counts else header_width
    columns = max(data_mode, header_width, 1)
    short_rows = sum(n for width, n in data_counts.items() if width < columns)
    quoted_newlines = any(r.end_line - r.start_line > 1 for r in best_records)
    if aligned:  # the header sets the width: extra words go to the last column
        columns, short_rows = max(header_width, 1), 0
    preamble_lines = head.splitlines()[:skip_lines]
    sniff_header = sniffed.get("HasHeader")
    return Dialect(
        delimiter=best,
        quote=quote,
        escape=escape,
        skip_lines=skip_lines,
        columns=columns,
        null_padding=short_rows > 0 or header_width < columns,
        quoted_newlines=quoted_newlines,
        preamble=tuple(line.strip() for line in preamble_lines if line.strip())[:20],
        sniffed_header=sniff_header if isinstance(sniff_header, bool) else None,
        sniffed_delimiter=sniff_delim if isinstance(sniff_delim, str) else None,
        header_lines=header.lines,
        header_names=header.names,
        header_note=header.note,
        rewrite_header=header.rewrite or _stray_quote_before(head, skip_lines, best, quote, escape),
        aligned=aligned,
    )


def read_csv_sql(
    path: str,
    dialect: Dialect,
    *,
    header: bool,
    max_line_bytes: int,
    rejects: bool,
    parallel: bool = True,
    null_padding: bool | None = None,
    ignore_errors: bool = False,
    types: dict[int, str] | None = None,
) -> str:
    """Return a ``read_csv(...)`` call naming fields ``c0``, ``c1``... (VARCHAR unless ``types``
    says otherwise)."""
    if dialect.aligned:
        return _aligned_sql(
            path,
            dialect,
            header=header,
            max_line_bytes=max_line_bytes,
            rejects=rejects,
            parallel=parallel,
            ignore_errors=ignore_errors,
        )
    types = types or {}
    columns = ", ".join(f"'c{i}': '{types.get(i, 'VARCHAR')}'" for i in range(dialect.columns))
    pad = dialect.null_padding if null_padding is None else null_padding
    options = [
        literal(path),
        "auto_detect=false",
        f"delim={literal(dialect.delimiter)}",
        f"quote={literal(dialect.quote)}",
        f"escape={literal(dialect.escape)}",
        f"header={str(header and not dialect.header_lines).lower()}",
        f"skip={dialect.skip_lines + dialect.header_lines}",
        f"columns={{{columns}}}",
        f"null_padding={str(pad).lower()}",
        f"max_line_size={max_line_bytes}",
        # DuckDB sizes its read buffer at 16x max_line_size when none is given; with our 8 MiB
        # line limit that is 128 MiB buffers, which leaves one core idle on a 1 GB file
        # (measured: 4.7 s vs 4.0 s). 32 MiB is DuckDB's own default buffer.
        f"buffer_size={max(32 * 1024 * 1024, 4 * max_line_bytes)}",
    ]
    options += _reading_options(parallel=parallel, ignore_errors=ignore_errors, rejects=rejects)
    return f"read_csv({', '.join(options)})"


def _reading_options(*, parallel: bool, ignore_errors: bool, rejects: bool) -> list[str]:
    options = []
    if not parallel:
        options.append("parallel=false")
    if ignore_errors:
        options.append("ignore_errors=true")
    if rejects:
        options += [
            "store_rejects=true",
            "rejects_table='dp_rejects'",
            "rejects_scan='dp_scans'",
        ]
    return options


def _aligned_sql(
    path: str,
    dialect: Dialect,
    *,
    header: bool,
    max_line_bytes: int,
    rejects: bool,
    parallel: bool,
    ignore_errors: bool,
) -> str:
    """The subquery reading a file whose columns are aligned with runs of spaces."""
    options = [
        f"max_line_size={max_line_bytes}",
        f"buffer_size={max(32 * 1024 * 1024, 4 * max_line_bytes)}",
        *_reading_options(parallel=parallel, ignore_errors=ignore_errors, rejects=rejects),
    ]
    return aligned_read_sql(
        path, dialect.columns, header=header, skip=dialect.skip_lines, options=options
    )
