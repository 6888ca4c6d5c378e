"""Details of issue 14's dialect families beyond the corpus tables: currency formats in the
profile, renamed columns, late misfits in space-aligned files, and broken ``, `` rows."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from pipelines.ingest import ColumnOverride, IngestError, IngestOptions, IngestResult, ingest_file
from pipelines.ingest.models import CurrencyFormat


def ingest(tmp_path: Path, name: str, content: str, **options: object) -> tuple[IngestResult, Path]:
    source = tmp_path / name
    source.write_text(content, encoding="utf-8")
    out = tmp_path / "out.parquet"
    return ingest_file(source, out, IngestOptions(**options)), out  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (["$74.69", "-$5.00"], CurrencyFormat("USD", "$", "prefix", False, ".", "", 2)),
        (
            ["($5.00)", "$1.5"],
            CurrencyFormat("USD", "$", "prefix", False, ".", "", 2, "parentheses"),
        ),
        (["74,69 €", "1.234,50 €"], CurrencyFormat("EUR", "€", "suffix", True, ",", ".", 2)),
        (["€1,234.50", "€3"], CurrencyFormat("EUR", "€", "prefix", False, ".", ",", 2)),
        (["£3.2", "£10.125"], CurrencyFormat("GBP", "£", "prefix", False, ".", "", 3)),
        (["CHF 12.50", "CHF 3"], CurrencyFormat("CHF", "CHF", "prefix", True, ".", "", 2)),
        (["USD 12.50", "USD 1.00"], CurrencyFormat("USD", "USD", "prefix", True, ".", "", 2)),
        (["12 EUR", "7 EUR"], CurrencyFormat("EUR", "EUR", "suffix", True, ".", "", 0)),
    ],
)
def test_the_profile_records_each_currency_and_how_it_was_written(
    tmp_path: Path, values: list[str], expected: CurrencyFormat
) -> None:
    body = "".join(f'n{i};"{v}"\n' for i, v in enumerate(values))
    result, _ = ingest(tmp_path, "money.csv", f"item;price\n{body}")
    price = result.profile.columns[1]
    assert price.type in ("decimal", "integer")
    assert price.currency == expected
    assert result.profile.columns[0].currency is None


def test_accounting_parentheses_are_negative_numbers(tmp_path: Path) -> None:
    _, out = ingest(tmp_path, "ledger.csv", "x,y\n($5.00),(12)\n$7.25,3\n")
    assert duckdb.sql(f"SELECT * FROM '{out}'").fetchall() == [(-5.0, -12), (7.25, 3)]


def test_a_code_in_parentheses_is_not_a_number(tmp_path: Path) -> None:
    result, _ = ingest(tmp_path, "codes.csv", "code\n(A1)\n(5-2)\n")
    assert result.profile.columns[0].type == "text"


def test_names_rename_columns_alongside_type_overrides(tmp_path: Path) -> None:
    result, out = ingest(
        tmp_path,
        "contacts.csv",
        "a@example.com,12\nb@example.com,7\n",
        names={"email": "Contact", "column_2": "Visits"},
        overrides={"column_2": ColumnOverride("text")},
    )
    assert [(c.label, c.identifier, c.type) for c in result.profile.columns] == [
        ("Contact", "contact", "text"),
        ("Visits", "visits", "text"),
    ]
    detection = result.detected.columns[1]
    assert (detection.detected_identifier, detection.detected_label) == ("column_2", "column_2")
    assert duckdb.sql(f"SELECT visits FROM '{out}'").fetchall() == [("12",), ("7",)]


def test_names_rename_parquet_columns(tmp_path: Path) -> None:
    source = tmp_path / "in.parquet"
    duckdb.sql(f"COPY (SELECT 1 AS \"Order ID\", 'x' AS note) TO '{source}' (FORMAT parquet)")
    result = ingest_file(source, tmp_path / "out.parquet", IngestOptions(names={"order_id": "Ref"}))
    assert [(c.label, c.identifier) for c in result.profile.columns] == [
        ("Ref", "ref"),
        ("note", "note"),
    ]


@pytest.mark.parametrize(
    ("names", "message"),
    [
        ({"column_9": "X"}, "no column 'column_9' to rename"),
        ({"column_2": "Email"}, "column 'Email' is already called 'email'"),
        ({"column_2": " "}, "cannot be empty"),
    ],
)
def test_bad_names_fail_with_the_reason(
    tmp_path: Path, names: dict[str, str], message: str
) -> None:
    with pytest.raises(IngestError, match=message) as caught:
        ingest(tmp_path, "c.csv", "a@example.com,12\nb@example.com,7\n", names=names)
    assert caught.value.code == "bad_name"
    assert not (tmp_path / "out.parquet").exists()


def test_a_late_misfit_in_an_aligned_file_re_plans_the_column(tmp_path: Path) -> None:
    rows = "".join(f"{i}   {i % 7}   n{i}\n" for i in range(1, 3000))
    result, out = ingest(
        tmp_path, "late.txt", f"id   qty   name\n{rows}3000   x   last one\n", sample_rows=100
    )
    assert [c.type for c in result.profile.columns] == ["integer", "text", "text"]
    last = duckdb.sql(f"SELECT * FROM '{out}' WHERE id = 3000").fetchall()
    assert last == [(3000, "x", "last one")]


def test_a_row_without_the_space_in_a_comma_space_file_is_a_bad_row(tmp_path: Path) -> None:
    # Detection looks at the first 500 lines; the row without spaces comes after them.
    rows = "".join(f"{i}, {i % 7}, n{i}\n" for i in range(1, 1000))
    result, _ = ingest(tmp_path, "cs.csv", f"id, qty, name\n{rows}1000,5,last\n", sample_rows=50)
    assert result.detected.delimiter == ", "
    assert result.bad_rows.count == 1
    assert result.bad_rows.examples[0].reason == "has 1 field, the header has 3"
