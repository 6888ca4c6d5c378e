"""Money-like decimal columns are stored exactly (DECIMAL), so sums have no floating-point noise;
long decimals, exponents and percentages stay DOUBLE, and a later value that does not fit the
chosen DECIMAL re-plans the column instead of being rounded or lost."""

from __future__ import annotations

import random
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pytest

from pipelines.ingest import IngestOptions, IngestResult, ingest_file


def ingest(tmp_path: Path, content: str, name: str = "a.csv", **options: Any) -> IngestResult:
    source = tmp_path / name
    source.write_text(content, encoding="utf-8")
    return ingest_file(source, tmp_path / "out.parquet", IngestOptions(**options))


def stored_types(tmp_path: Path) -> dict[str, str]:
    described = duckdb.sql(f"DESCRIBE SELECT * FROM '{tmp_path / 'out.parquet'}'").fetchall()
    return {str(row[0]): str(row[1]) for row in described}


def one(tmp_path: Path, sql: str) -> object:
    """The first value of ``sql`` over the written file, seen as table ``t``."""
    con = duckdb.connect()
    con.execute(f"CREATE VIEW t AS SELECT * FROM read_parquet('{tmp_path / 'out.parquet'}')")
    row = con.execute(sql).fetchone()
    assert row is not None
    return row[0]


def french(cents: int) -> str:
    """``1 234,56 €`` (a narrow no-break space groups thousands, as French exports do)."""
    units, rest = divmod(abs(cents), 100)
    groups = f"{units:,}".replace(",", "\u202f")
    return f"{'-' if cents < 0 else ''}{groups},{rest:02d} €"


def test_french_money_sums_to_the_exact_decimal_sum(tmp_path: Path) -> None:
    rng = random.Random(11)
    cents = [rng.choice([10, 20, 30, 70]) + 100 * rng.randint(0, 3000) for _ in range(5000)]
    lines = "".join(f"{i};{french(c)}\n" for i, c in enumerate(cents))

    result = ingest(tmp_path, f"id;montant\n{lines}")

    assert result.profile.columns[1].type == "decimal"
    assert result.profile.columns[1].currency is not None
    assert stored_types(tmp_path)["montant"] == "DECIMAL(18,2)"
    total = one(tmp_path, "SELECT sum(montant) FROM t")
    assert str(total) == str(Decimal(sum(cents)).scaleb(-2))  # to the cent, nothing more


def test_tenths_that_double_cannot_add_sum_exactly(tmp_path: Path) -> None:
    # 0.1 + 0.2 as DOUBLE is 0.30000000000000004; a thousand of them drift further.
    lines = "".join(f"{'0,1' if i % 2 else '0,2'}\n" for i in range(1000))

    ingest(tmp_path, f"montant\n{lines}", delimiter=";")

    assert one(tmp_path, "SELECT sum(montant) FROM t") == Decimal("150.0")


def test_dot_decimals_take_the_fast_reader_and_stay_exact(tmp_path: Path) -> None:
    lines = "".join(f"{i},{i * 7 % 1000}.{i % 100:02d}\n" for i in range(3000))

    result = ingest(tmp_path, f"id,amount\n{lines}")

    assert [c.type for c in result.profile.columns] == ["integer", "decimal"]
    assert stored_types(tmp_path)["amount"] == "DECIMAL(18,2)"
    expected = sum(Decimal(f"{i * 7 % 1000}.{i % 100:02d}") for i in range(3000))
    assert one(tmp_path, "SELECT sum(amount) FROM t") == expected


def test_thousands_dots_and_decimal_commas_are_exact(tmp_path: Path) -> None:
    ingest(tmp_path, "prix\n1.234,5\n12.345.678,9\n0,1\n", delimiter=";")

    assert stored_types(tmp_path)["prix"] == "DECIMAL(18,1)"
    assert one(tmp_path, "SELECT sum(prix) FROM t") == Decimal("12346913.5")


@pytest.mark.parametrize(
    ("values", "reason"),
    [
        (["0.123456", "1.5"], "five or more decimals"),
        (["1.5e3", "2.25"], "an exponent"),
        (["12,5 %", "3 %"], "a percentage"),
    ],
)
def test_values_that_are_not_money_like_stay_double(
    tmp_path: Path, values: list[str], reason: str
) -> None:
    ingest(tmp_path, "x\n" + "\n".join(values) + "\n", delimiter=";")

    assert stored_types(tmp_path)["x"] == "DOUBLE", reason


def test_a_later_value_with_more_decimals_widens_the_scale_and_is_kept(tmp_path: Path) -> None:
    lines = "".join(f"{i}.{i % 100:02d}\n" for i in range(2000))

    result = ingest(tmp_path, f"amount\n{lines}1.2345\n", sample_rows=100)

    assert result.profile.row_count == 2001 and result.bad_rows.count == 0
    assert stored_types(tmp_path)["amount"] == "DECIMAL(18,4)"
    assert one(tmp_path, "SELECT max(amount) FILTER (WHERE amount < 2) FROM t") == Decimal("1.2345")


def test_a_later_value_with_many_decimals_makes_the_column_double(tmp_path: Path) -> None:
    lines = "".join(f"{i},{i % 100:02d}\n" for i in range(2000))

    result = ingest(tmp_path, f"amount\n{lines}3,14159265\n", sample_rows=100, delimiter=";")

    assert result.profile.row_count == 2001
    assert stored_types(tmp_path)["amount"] == "DOUBLE"
    assert one(tmp_path, "SELECT count(*) FILTER (WHERE amount = 3.14159265) FROM t") == 1


@pytest.mark.parametrize(
    ("late", "stored", "value"),
    [
        ("12345678901234567,25", "DECIMAL(38,2)", Decimal("12345678901234567.25")),
        ("1" + "0" * 40 + ",5", "DOUBLE", 1e40),
    ],
)
def test_a_later_value_too_large_for_the_decimal_is_not_lost(
    tmp_path: Path, late: str, stored: str, value: object
) -> None:
    lines = "".join(f"{i};{i},{i % 100:02d}\n" for i in range(2000))

    result = ingest(tmp_path, f"id;amount\n{lines}2000;{late}\n", sample_rows=100)

    assert result.profile.row_count == 2001 and result.bad_rows.count == 0
    assert stored_types(tmp_path)["amount"] == stored
    assert one(tmp_path, "SELECT amount FROM t WHERE id = 2000") == value


def test_a_late_large_value_in_a_canonical_column_is_exact(tmp_path: Path) -> None:
    # The fast path reads through DOUBLE, exact up to 15 digits only: a longer value re-plans.
    lines = "".join(f"{i},{i}.{i % 100:02d}\n" for i in range(2000))

    ingest(tmp_path, f"id,amount\n{lines}2000,1234567890123456.78\n", sample_rows=100)

    assert stored_types(tmp_path)["amount"] == "DECIMAL(38,2)"
    assert one(tmp_path, "SELECT amount FROM t WHERE id = 2000") == Decimal("1234567890123456.78")


def test_a_first_row_with_more_decimals_is_data_not_a_header(tmp_path: Path) -> None:
    lines = "".join(f"{i};{i},{i % 100:02d}\n" for i in range(1, 50))

    result = ingest(tmp_path, f"0;0,125\n{lines}")

    assert result.detected.header is False
    assert result.profile.row_count == 50
    assert stored_types(tmp_path)["column_2"] == "DECIMAL(18,3)"


def test_an_excel_money_column_is_exact(tmp_path: Path) -> None:
    from openpyxl import Workbook  # type: ignore[import-untyped, unused-ignore]

    book = Workbook()
    sheet = book.active
    sheet.append(["label", "amount"])
    for i in range(300):
        sheet.append([f"line {i}", [0.1, 0.2, 19.99][i % 3]])
    book.save(tmp_path / "book.xlsx")

    result = ingest_file(tmp_path / "book.xlsx", tmp_path / "out.parquet")

    assert result.profile.columns[1].type == "decimal"
    assert one(tmp_path, "SELECT sum(amount) FROM t") == Decimal("2029.00")
