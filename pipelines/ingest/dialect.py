"""Dialect detection: DuckDB's sniffer, checked and corrected on the first megabytes.

DuckDB's ``sniff_csv`` gives the quote and escape characters and a first guess. Its guess is
then checked by parsing the head of the file with each common delimiter and keeping the one
whose records have the most consistent field count; that also finds the preamble lines
before the header and whether short (ragged) rows are present. Files that no usual delimiter
splits, and comma files with a space after every comma, are looked at by :mod:`.spacing`.
"""

# SQL text is assembled from sql.literal()/sql.ident() quoted parts and fixed fragments.
# ruff: noqa: S608

from __future__ import annotations

import csv
import io
from collections import Counter
from dataclasses import dataclass

import duckdb

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


def _header_index(records: list[_Record], mode: int) -> int:
    for index, record in enumerate(records):
        if not record.fields or all(not f.strip() for f in record.fields):
            continue
        if mode < 2 or len(record.fields) >= max(2, mode - 1):
            return index
    return 0


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
    candidates: list[str] = []
    if forced_delimiter:
        candidates = [forced_delimiter]
    else:
        preferred = ["\t"] if prefer_tab else []
        sniffed_list = [sniff_delim] if isinstance(sniff_delim, str) and sniff_delim else []
        for delim in [*preferred, *sniffed_list, *DELIMITERS]:
            if delim not in candidates and len(delim) == 1:
                candidates.append(delim)
    best = candidates[0]
    best_records = _records(head, best, quote, escape)
    best_score = _score(best_records)
    for delim in candidates[1:]:
        records = _records(head, delim, quote, escape)
        score = _score(records)
        if score > best_score:
            best, best_records, best_score = delim, records, score
    aligned = False
    if not forced_delimiter:
        best, best_records, aligned = _with_spaces(
            head, best, best_records, best_score, quote, escape
        )
        best_score = _score(best_records)
    mode = best_score[2]
    start = _header_index(best_records, mode)
    skip_lines = best_records[start].start_line if best_records else 0
    body = [r for r in best_records[start + 1 :] if r.fields]
    header_width = len(best_records[start].fields) if best_records else 0
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
        f"header={str(header).lower()}",
        f"skip={dialect.skip_lines}",
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
