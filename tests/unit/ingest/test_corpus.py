"""Every corpus file ends as the intended table, checked cell by cell in the Parquet output."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import duckdb
import pytest

from pipelines.ingest import ingest_file

from .corpus import CASES, Case
from .corpus_shape import SHAPE_CASES

ALL_CASES = [*CASES, *SHAPE_CASES]

PARQUET_TYPES = {
    "VARCHAR": "text",
    "BIGINT": "integer",
    "DOUBLE": "decimal",
    "DATE": "date",
    "TIMESTAMP": "timestamp",
    "BOOLEAN": "boolean",
}


def logical(duck_type: str) -> str:
    return "decimal" if duck_type.startswith("DECIMAL") else PARQUET_TYPES[duck_type]


def same(actual: Any, expected: Any) -> bool:
    if isinstance(expected, float) and actual is not None:
        return math.isclose(float(actual), expected, rel_tol=0, abs_tol=0) or float(
            actual
        ) == pytest.approx(expected, rel=1e-12)
    return (actual == expected and type(actual) is type(expected)) or (
        actual == expected and not isinstance(expected, bool | str)
    )


def read_back(path: Path) -> tuple[list[tuple[str, str]], list[tuple[Any, ...]]]:
    con = duckdb.connect()
    relation = con.sql(f"SELECT * FROM read_parquet('{path}')")
    schema = list(zip(relation.columns, [str(t) for t in relation.types], strict=True))
    return schema, relation.fetchall()


def test_corpus_has_at_least_thirty_files() -> None:
    assert len(CASES) >= 30


@pytest.mark.parametrize("case", ALL_CASES, ids=[c.name for c in ALL_CASES])
def test_corpus_file_becomes_the_intended_table(case: Case, tmp_path: Path) -> None:
    source = tmp_path / "in" / case.filename
    source.parent.mkdir()
    case.write(source)
    destination = tmp_path / "out" / "table.parquet"

    result = ingest_file(source, destination, case.options)

    schema, rows = read_back(destination)
    assert [name for name, _ in schema] == [c[1] for c in case.columns]
    assert [logical(t) for _, t in schema] == [c[2] for c in case.columns]
    assert [(c.label, c.identifier, c.type) for c in result.profile.columns] == case.columns
    assert len(rows) == len(case.rows) == result.profile.row_count
    for number, (got, want) in enumerate(zip(rows, case.rows, strict=True), start=1):
        for (name, _), cell, expected in zip(schema, got, want, strict=True):
            assert same(cell, expected), f"row {number}, column {name}: {cell!r} != {expected!r}"
    for key, value in case.detected.items():
        assert getattr(result.detected, key) == value, key
    assert [b.line for b in result.bad_rows.examples] == case.bad_lines
    assert result.bad_rows.count == len(case.bad_lines)
    assert sorted(p.name for p in destination.parent.iterdir()) == ["table.parquet"]
