"""SqlResult: JSON values, and pages with sorting for the results table."""

from __future__ import annotations

import datetime as dt
import decimal
import json
import math

import pytest

from pipelines.query import SqlResult, logical_type


def result(rows: list[list[object]]) -> SqlResult:
    return SqlResult(
        columns=["name", "amount", "day"],
        types=["text", "decimal", "date"],
        rows=rows,  # type: ignore[arg-type]
        truncated=False,
        elapsed_ms=1.0,
    )


ROWS: list[list[object]] = [
    ["b", 2, dt.date(2024, 1, 2)],
    ["a", None, dt.date(2024, 1, 1)],
    ["c", 1, None],
    ["a", 3, dt.date(2024, 1, 3)],
    [None, 5, dt.date(2024, 1, 5)],
]


def test_page_without_sort_keeps_the_query_order() -> None:
    page = result(ROWS).page(1, 2)
    assert page == {
        "rows": [["b", 2, "2024-01-02"], ["a", None, "2024-01-01"]],
        "total_rows": 5,
        "page": 1,
        "pages": 3,
    }
    assert result(ROWS).page(3, 2)["rows"] == [[None, 5, "2024-01-05"]]


@pytest.mark.parametrize(
    ("direction", "expected"),
    [("asc", [1, 2, 3, 5, None]), ("desc", [5, 3, 2, 1, None])],
)
def test_sort_puts_empty_values_last_both_ways(direction: str, expected: list[object]) -> None:
    rows = result(ROWS).page(1, 10, [("amount", direction)])["rows"]
    assert [row[1] for row in rows] == expected


def test_sort_by_several_columns_most_significant_first() -> None:
    rows = result(ROWS).page(1, 10, [("name", "asc"), ("amount", "desc")])["rows"]
    assert [(row[0], row[1]) for row in rows] == [
        ("a", 3),
        ("a", None),
        ("b", 2),
        ("c", 1),
        (None, 5),
    ]


def test_sort_does_not_reorder_the_stored_rows() -> None:
    res = result([list(row) for row in ROWS])
    res.page(1, 10, [("name", "desc")])
    assert res.rows == ROWS


def test_page_beyond_the_end_is_clamped_and_empty_results_have_one_page() -> None:
    assert result(ROWS).page(99, 2)["page"] == 3
    assert result(ROWS).page(0, 2)["page"] == 1
    assert result([]).page(1, 10) == {"rows": [], "total_rows": 0, "page": 1, "pages": 1}


def test_sort_by_an_unknown_column_names_it() -> None:
    with pytest.raises(ValueError, match=r"Cannot sort by column 'price'.*name, amount, day"):
        result(ROWS).page(1, 10, [("price", "asc")])
    with pytest.raises(ValueError, match="column 'amount' must be 'asc' or 'desc'"):
        result(ROWS).page(1, 10, [("amount", "up")])


def test_as_json_is_json_ready() -> None:
    res = SqlResult(
        columns=["d", "ts", "dec", "nan", "blob", "list", "span"],
        types=["date", "timestamp", "decimal", "decimal", "other", "other", "other"],
        rows=[
            [
                dt.date(2024, 2, 29),
                dt.datetime(2024, 2, 29, 13, 5, 1),
                decimal.Decimal("12.50"),
                math.nan,
                b"\x01\xff",
                [dt.date(2024, 1, 1), None],
                dt.timedelta(days=1),
            ]
        ],
        truncated=True,
        elapsed_ms=12.3456,
    )
    data = json.loads(json.dumps(res.as_json()))
    assert data["rows"] == [
        [
            "2024-02-29",
            "2024-02-29T13:05:01",
            12.5,
            None,
            "01ff",
            ["2024-01-01", None],
            "1 day, 0:00:00",
        ]
    ]
    assert data["truncated"] is True
    assert data["types"][0] == "date"


@pytest.mark.parametrize(
    ("duckdb_type", "logical"),
    [
        ("BIGINT", "integer"),
        ("UTINYINT", "integer"),
        ("HUGEINT", "integer"),
        ("DECIMAL", "decimal"),
        ("DOUBLE", "decimal"),
        ("VARCHAR", "text"),
        ("DATE", "date"),
        ("TIMESTAMP WITH TIME ZONE", "timestamp"),
        ("TIMESTAMP_NS", "timestamp"),
        ("BOOLEAN", "boolean"),
        ("INTERVAL", "other"),
        ("LIST", "other"),
        ("BLOB", "other"),
    ],
)
def test_logical_type_of_duckdb_types(duckdb_type: str, logical: str) -> None:
    assert logical_type(duckdb_type) == logical
