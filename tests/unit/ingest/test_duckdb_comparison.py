"""For the record: which corpus files DuckDB's own ``read_csv`` auto-detection gets wrong.

The corpus test proves DataPilot reads every file as intended; this one reads the same files
with plain ``read_csv(path)`` and prints where DuckDB alone fails or differs (run with ``-s``).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pytest

from .corpus import CASES, Case
from .test_corpus import same

DUCK_TYPES = {
    "VARCHAR": "text",
    "BIGINT": "integer",
    "INTEGER": "integer",
    "DOUBLE": "decimal",
    "FLOAT": "decimal",
    "DATE": "date",
    "TIMESTAMP": "timestamp",
    "TIMESTAMP WITH TIME ZONE": "timestamp",
    "BOOLEAN": "boolean",
}


def duckdb_reading_problem(case: Case, path: Path) -> str | None:
    """Why DuckDB's auto-detected table differs from the intended one (None if it does not)."""
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    try:
        relation = con.sql(f"SELECT * FROM read_csv('{path}')")
        rows = relation.fetchall()
        types = [str(t) for t in relation.types]
    except duckdb.Error as exc:
        return "error: " + str(exc).splitlines()[0][:90]
    if len(types) != len(case.columns):
        return f"{len(types)} columns instead of {len(case.columns)}"
    got = [DUCK_TYPES.get(t, "decimal" if t.startswith("DECIMAL") else t) for t in types]
    for (label, _, kind), actual in zip(case.columns, got, strict=True):
        if actual != kind:
            return f"column {label!r} read as {actual}, intended {kind}"
    if len(rows) != len(case.rows):
        return f"{len(rows)} rows instead of {len(case.rows)}"
    for number, (row, want) in enumerate(zip(rows, case.rows, strict=True), start=1):
        for (label, _, _), cell, expected in zip(case.columns, row, want, strict=True):
            if isinstance(cell, dt.datetime) and cell.tzinfo is not None:
                cell = cell.replace(tzinfo=None)
            if not same(cell, expected):
                return f"row {number} {label!r}: {cell!r} instead of {expected!r}"
    return None


@pytest.fixture(scope="module")
def duckdb_problems(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str | None]:
    folder = tmp_path_factory.mktemp("duckdb_alone")
    problems: dict[str, str | None] = {}
    for case in CASES:
        if not case.plain_csv or case.bad_lines:
            continue
        path = folder / case.filename
        case.write(path)
        problems[case.name] = duckdb_reading_problem(case, path)
    wrong = {k: v for k, v in problems.items() if v}
    print(f"\nDuckDB read_csv auto-detection gets {len(wrong)} of {len(problems)} files wrong:")
    for name, problem in wrong.items():
        print(f"  {name}: {problem}")
    return problems


def test_duckdb_alone_misreads_french_semicolon_latin1_exports(
    duckdb_problems: dict[str, str | None],
) -> None:
    assert duckdb_problems["semicolon_decimal_comma_latin1_preamble"] is not None
    assert duckdb_problems["windows1252_euro_currency"] is not None


def test_duckdb_alone_misreads_formatted_numbers(duckdb_problems: dict[str, str | None]) -> None:
    for name in (
        "percentages",
        "thousands_with_spaces_nbsp_and_narrow_nbsp",
        "thousands_dot_european",
        "currency_consistent_and_mixed",
    ):
        assert duckdb_problems[name] is not None, name


def test_duckdb_alone_gets_a_large_share_of_the_corpus_wrong(
    duckdb_problems: dict[str, str | None],
) -> None:
    wrong = [name for name, problem in duckdb_problems.items() if problem]
    assert len(wrong) >= len(duckdb_problems) // 3
