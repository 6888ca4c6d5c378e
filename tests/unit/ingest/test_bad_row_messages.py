"""A row left out for its number of fields is described with counts that add up (issue 14,
family 8): never "has 3 fields, the header has 3", whatever the quoting of the row."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pytest

from pipelines.ingest import ingest_file
from pipelines.ingest.rejects import collect_bad_rows, width_reason

CONTRADICTION = re.compile(r"has (\d+) fields.*(?:the header|the other rows) ha(?:s|ve) \1\b")


def rejected_reasons(path: Path, escape: str, header_width: int | None = 3) -> list[str]:
    """Read ``path`` (3 columns, no padding) with DuckDB keeping its rejects, and explain them."""
    con = duckdb.connect()
    columns = "{'c0': 'VARCHAR', 'c1': 'VARCHAR', 'c2': 'VARCHAR'}"
    con.execute(
        f"SELECT * FROM read_csv('{path}', auto_detect=false, delim=',', quote='\"', "
        f"escape='{escape}', header=true, columns={columns}, store_rejects=true, "
        "rejects_table='dp_rejects', rejects_scan='dp_scans')"
    ).fetchall()
    bad = collect_bad_rows(
        con,
        path,
        delimiter=",",
        quote='"',
        escape=escape,
        columns=3,
        header_width=header_width,
        examples=10,
    )
    return [f"line {row.line} {row.reason}" for row in bad.examples]


def test_short_row_with_backslash_escaped_quote_counts_like_the_reader(tmp_path: Path) -> None:
    # Read with doubled quotes, '"x \", y"' splits in three; the reader (escape \) sees two.
    path = tmp_path / "escaped.csv"
    path.write_text('id,quote,n\n1,"a \\"b\\"",5\n2,"x \\", y"\n3,c,7\n')

    assert rejected_reasons(path, "\\") == ["line 3 has 2 fields, the header has 3"]


def test_extra_field_after_a_quoted_delimiter_is_counted_once(tmp_path: Path) -> None:
    path = tmp_path / "quoted.csv"
    path.write_text('id,name,qty\n1,a,1\n2,"b,x",2,3\n3,"c ""d"", e",3,4,5\n')

    assert rejected_reasons(path, '"') == [
        "line 3 has 4 fields, the header has 3",
        "line 4 has 5 fields, the header has 3",
    ]


def test_trailing_delimiter_is_named_as_an_empty_last_field(tmp_path: Path) -> None:
    path = tmp_path / "trailing.csv"
    path.write_text("id,name,qty\n1,a,1\n2,b,2,3,\n")

    assert rejected_reasons(path, '"') == [
        "line 3 has 5 fields (the last one empty, after a ',' at the end of the line), "
        "the header has 3"
    ]


def test_too_few_fields_without_a_header_compares_with_the_other_rows(tmp_path: Path) -> None:
    path = tmp_path / "short.csv"
    path.write_text("a,b,c\n1,2,3\n4\n")

    assert rejected_reasons(path, '"', header_width=None) == [
        "line 3 has 1 field, the other rows have 3"
    ]


@pytest.mark.parametrize(
    ("fields", "columns", "header_width", "raw"),
    [(3, 3, 3, "1,2,3"), (0, 3, 3, ""), (4, 4, 3, "1,2,3,4"), (2, 3, None, "1,2")],
)
def test_width_reason_never_contradicts_itself(
    fields: int, columns: int, header_width: int | None, raw: str
) -> None:
    reason = width_reason(fields, columns, header_width, raw, ",")

    assert not CONTRADICTION.search(reason), reason
    if fields in (0, columns):
        assert reason.startswith(f"could not be split into the {columns} fields")


def test_rows_wider_than_the_header_say_both_counts(tmp_path: Path) -> None:
    # Rows carry an unnamed 4th column; one row has 5 fields.
    source = tmp_path / "wide.csv"
    source.write_text("a,b,c\n1,2,3,x\n4,5,6,y\n7,8,9,10,11\n")

    result = ingest_file(source, tmp_path / "t.parquet")

    assert [(b.line, b.reason) for b in result.bad_rows.examples] == [
        (4, "has 5 fields, the other rows have 4 (the header names 3)")
    ]
