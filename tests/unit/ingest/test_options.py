"""Overrides, progress, profile and the detected report, as a caller of ``ingest_file`` sees them."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import duckdb
import pytest

from pipelines.ingest import (
    ColumnOverride,
    IngestError,
    IngestOptions,
    Stage,
    ingest_file,
    list_sheets,
)


def write(path: Path, content: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(content.encode(encoding))
    return path


def column(path: Path, name: str) -> list[object]:
    return [r[0] for r in duckdb.sql(f"SELECT {name} FROM read_parquet('{path}')").fetchall()]


def test_override_reads_text_column_as_date_with_a_format(tmp_path: Path) -> None:
    source = write(tmp_path / "a.csv", "id,when\n1,2024|03|05\n2,2023|12|31\n")
    out = tmp_path / "out.parquet"
    assert ingest_file(source, out).profile.columns[1].type == "text"

    result = ingest_file(
        source,
        out,
        IngestOptions(overrides={"when": ColumnOverride("date", format="%Y|%m|%d")}),
    )

    assert result.profile.columns[1].type == "date"
    assert column(out, "when_") == [dt.date(2024, 3, 5), dt.date(2023, 12, 31)]
    assert result.detected.columns[1].forced


def test_override_reads_numbers_with_decimal_comma_by_label(tmp_path: Path) -> None:
    source = write(tmp_path / "a.csv", 'name,Prix unitaire\nx,"1,5"\ny,"2,25"\n')
    out = tmp_path / "out.parquet"

    ingest_file(
        source,
        out,
        IngestOptions(
            overrides={"Prix unitaire": ColumnOverride("decimal", decimal_separator=",")}
        ),
    )

    assert column(out, "prix_unitaire") == [1.5, 2.25]


def test_override_keeps_numeric_codes_as_text(tmp_path: Path) -> None:
    source = write(tmp_path / "a.csv", "code,n\n12,1\n7,2\n")
    out = tmp_path / "out.parquet"

    ingest_file(source, out, IngestOptions(overrides={"code": ColumnOverride("text")}))

    assert column(out, "code") == ["12", "7"]


def test_override_that_does_not_fit_fails_naming_column_and_value(tmp_path: Path) -> None:
    source = write(tmp_path / "a.csv", "id,amount\n1,12\n2,douze\n")

    with pytest.raises(IngestError) as caught:
        ingest_file(
            source,
            tmp_path / "out" / "t.parquet",
            IngestOptions(overrides={"amount": ColumnOverride("integer")}),
        )

    assert str(caught.value) == (
        "Column 'amount' cannot be read as integer: the value 'douze' does not fit. "
        "Choose another type or format."
    )
    assert list((tmp_path / "out").iterdir()) == []


def test_override_of_unknown_column_lists_the_columns(tmp_path: Path) -> None:
    source = write(tmp_path / "a.csv", "id,amount\n1,12\n")

    with pytest.raises(IngestError) as caught:
        ingest_file(
            source,
            tmp_path / "t.parquet",
            IngestOptions(overrides={"price": ColumnOverride("decimal")}),
        )

    assert str(caught.value) == "There is no column 'price' to override; columns are: id, amount."


def test_progress_reports_stages_in_order_with_fractions(tmp_path: Path) -> None:
    source = write(tmp_path / "a.csv", "id;libellé;prix\n1;thé;1,5\n2;café;2,5\n", "cp1252")
    seen: list[tuple[Stage, float | None]] = []

    ingest_file(source, tmp_path / "t.parquet", progress=lambda s, f: seen.append((s, f)))

    stages = [s for s, _ in seen]
    order = ["reading", "detecting", "converting", "profiling"]
    assert [s for i, s in enumerate(stages) if i == 0 or stages[i - 1] != s] == order
    assert all(f is None or 0.0 <= f <= 1.0 for _, f in seen)
    assert seen[-1] == ("profiling", 1.0)


def test_profile_has_counts_min_max_and_json_safe_sample(tmp_path: Path) -> None:
    source = write(
        tmp_path / "a.csv",
        "city,visits,first_seen,score\nParis,3,2024-01-02,0.5\nLyon,,2023-05-06,\nParis,7,,1.25\n",
    )

    result = ingest_file(source, tmp_path / "t.parquet")

    profile = result.profile
    assert profile.row_count == 3
    as_rows = [
        (c.identifier, c.type, c.null_count, c.distinct_approx, c.min, c.max)
        for c in profile.columns
    ]
    assert as_rows == [
        ("city", "text", 0, 2, "Lyon", "Paris"),
        ("visits", "integer", 1, 2, 3, 7),
        ("first_seen", "date", 1, 2, "2023-05-06", "2024-01-02"),
        ("score", "decimal", 1, 2, 0.5, 1.25),
    ]
    assert profile.sample_rows[0] == {
        "city": "Paris",
        "visits": 3,
        "first_seen": "2024-01-02",
        "score": 0.5,
    }
    json.dumps(result.to_dict())


def test_sample_is_first_hundred_rows(tmp_path: Path) -> None:
    source = write(tmp_path / "a.csv", "n\n" + "".join(f"{i}\n" for i in range(250)))

    result = ingest_file(source, tmp_path / "t.parquet")

    assert [r["n"] for r in result.profile.sample_rows] == list(range(100))


def test_distinct_is_estimated_from_slices_for_large_tables(tmp_path: Path) -> None:
    lines = ["id,category"] + [f"{i},c{i % 40}" for i in range(200_000)]
    source = write(tmp_path / "a.csv", "\n".join(lines) + "\n")

    result = ingest_file(source, tmp_path / "t.parquet", IngestOptions(exact_distinct_rows=50_000))

    assert result.profile.distinct_estimated
    unique, category = (c.distinct_approx for c in result.profile.columns)
    assert 0.8 * 200_000 <= unique <= 200_000
    assert 36 <= category <= 44


def test_detected_reports_preamble_encoding_and_notes(tmp_path: Path) -> None:
    source = write(
        tmp_path / "a.csv",
        "Export généré le 01/02/2024\n\ndate;montant\n03/04/2024;1,5\n05/06/2024;2,5\n",
        "cp1252",
    )

    detected = ingest_file(source, tmp_path / "t.parquet").detected

    assert detected.preamble == ("Export généré le 01/02/2024",)
    assert detected.skipped_lines == 2
    assert detected.encoding == "windows-1252"
    assert detected.ambiguous_dates == ("date",)
    assert detected.notes == (
        "2 lines before the header skipped (the first one: 'Export généré le 01/02/2024')",
        "date: every value fits both day/month orders; read with the day first",
    )


def test_list_sheets_and_pick_one_by_name(tmp_path: Path) -> None:
    import openpyxl

    book = openpyxl.Workbook()
    assert book.active is not None
    book.active.title = "2023"
    book.active.append(["a"])
    book.active.append([1])
    second = book.create_sheet("2024")
    second.append(["b"])
    second.append(["x"])
    source = tmp_path / "book.xlsx"
    book.save(source)

    assert list_sheets(source) == ["2023", "2024"]
    result = ingest_file(source, tmp_path / "t.parquet", IngestOptions(sheet="2024"))
    assert result.profile.sample_rows == ({"b": "x"},)


def test_late_time_in_a_date_column_makes_it_a_timestamp(tmp_path: Path) -> None:
    lines = ["id,at"] + [f"{i},2024-01-{1 + i % 28:02d}" for i in range(300)]
    lines.append("300,2024-02-01 10:30:00")
    source = write(tmp_path / "a.csv", "\n".join(lines) + "\n")
    out = tmp_path / "t.parquet"

    result = ingest_file(source, out, IngestOptions(sample_rows=50))

    assert result.profile.columns[1].type == "timestamp"
    assert column(out, "at_")[-1] == dt.datetime(2024, 2, 1, 10, 30)
    assert result.detected.full_scan


def test_late_offset_in_a_timestamp_column_is_not_ignored(tmp_path: Path) -> None:
    lines = ["at"] + [f"2024-01-{1 + i % 28:02d} 08:00:00" for i in range(300)]
    lines.append("2024-02-01 10:30:00+02:00")
    source = write(tmp_path / "a.csv", "\n".join(lines) + "\n")
    out = tmp_path / "t.parquet"

    result = ingest_file(source, out, IngestOptions(sample_rows=50))

    assert result.profile.columns[0].type == "text"
    assert column(out, "at_")[-1] == "2024-02-01 10:30:00+02:00"


def test_quoted_empty_strings_in_a_number_column_are_nulls(tmp_path: Path) -> None:
    lines = ["id,n"] + [f"{i},{i * 2}" for i in range(300)] + ['300,""']
    source = write(tmp_path / "a.csv", "\n".join(lines) + "\n")
    out = tmp_path / "t.parquet"

    result = ingest_file(source, out, IngestOptions(sample_rows=50))

    assert result.profile.columns[1].type == "integer"
    assert column(out, "n")[-1] is None


def test_late_text_in_a_decimal_column_keeps_the_column_and_every_row(tmp_path: Path) -> None:
    lines = ["id,price"] + [f"{i},{i}.5" for i in range(300)] + ["300,free"]
    source = write(tmp_path / "a.csv", "\n".join(lines) + "\n")
    out = tmp_path / "t.parquet"

    result = ingest_file(source, out, IngestOptions(sample_rows=50))

    assert result.profile.row_count == 301
    assert result.profile.columns[1].type == "text"
    assert column(out, "price")[-1] == "free"
    assert result.bad_rows.count == 0


def test_unreadable_rows_and_late_values_are_both_handled_exactly(tmp_path: Path) -> None:
    lines = ["id,day,amount"] + [f"{i},2024-01-{1 + i % 28:02d},{i}.25" for i in range(400)]
    lines[101] = "100,2024-01-03,1.5,oops"
    lines[302] = "301,2024-01-04,2,3,4"
    lines.append("400,2024-02-30,1")
    source = write(tmp_path / "a.csv", "\n".join(lines) + "\n")
    out = tmp_path / "t.parquet"

    result = ingest_file(source, out, IngestOptions(sample_rows=50))

    assert [b.line for b in result.bad_rows.examples] == [102, 303]
    assert result.bad_rows.count == 2
    assert result.profile.row_count == 400 - 2 + 1
    assert result.profile.columns[1].type == "text"
    assert column(out, "day")[-1] == "2024-02-30"


def test_utf8_file_with_one_invalid_row_reports_that_row(tmp_path: Path) -> None:
    head = "".join(f"{i},Paris\n" for i in range(1, 450_001)).encode("ascii")
    body = b"id,city\n" + head + "450001,Orl\xc3\xa9ans\n".encode("latin-1") + b"450002,N\xeemes\n"
    source = tmp_path / "mixed.csv"
    source.write_bytes(body)
    out = tmp_path / "t.parquet"

    result = ingest_file(source, out)

    assert result.detected.encoding == "utf-8"
    assert result.bad_rows.count == 1
    assert result.bad_rows.examples[0].line == 450_003
    assert result.bad_rows.examples[0].reason == "contains bytes that are not valid UTF-8"
    assert column(out, "city")[-1] == "Orléans"
