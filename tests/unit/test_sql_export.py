"""CSV downloads neutralise formulas (OWASP CSV injection) in text cells, never in numbers."""

from __future__ import annotations

import csv
import io

import pyarrow as pa
import pytest

from app.services.sql.export import export

HOSTILE = ['=HYPERLINK("http://evil","x")', "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)", "\tx", "\ry"]


def read_back(batches: list[pa.RecordBatch], **options: bool) -> list[list[str]]:
    data = b"".join(export(iter(batches), "csv", **options)).decode()
    return list(csv.reader(io.StringIO(data, newline="")))


def test_text_cells_that_start_like_a_formula_get_a_leading_quote() -> None:
    batch = pa.RecordBatch.from_pydict({"t": [*HOSTILE, "plain", "a=b"]})
    rows = read_back([batch])
    assert rows[0] == ["t"]
    assert [row[0] for row in rows[1:]] == [*("'" + text for text in HOSTILE), "plain", "a=b"]


def test_negative_numbers_stay_numbers() -> None:
    batch = pa.RecordBatch.from_pydict(
        {"n": pa.array([-5, 3]), "x": pa.array([-1.5, 2.0]), "t": ["-5", "ok"]}
    )
    rows = read_back([batch])
    assert rows[1] == ["-5", "-1.5", "'-5"]


def test_dictionary_text_is_neutralised_too() -> None:
    column = pa.array(["=1+1", "fine"]).dictionary_encode()
    rows = read_back([pa.RecordBatch.from_arrays([column], names=["d"])])
    assert [row[0] for row in rows[1:]] == ["'=1+1", "fine"]


def test_machine_consumers_can_turn_it_off() -> None:
    batch = pa.RecordBatch.from_pydict({"t": HOSTILE})
    rows = read_back([batch], neutralise_formulas=False)
    assert [row[0] for row in rows[1:]] == HOSTILE


@pytest.mark.parametrize("value", [None, ""])
def test_empty_and_null_cells_are_left_alone(value: str | None) -> None:
    rows = read_back([pa.RecordBatch.from_pydict({"t": [value, "=x"], "n": [1, 2]})])
    assert rows[1:] == [["", "1"], ["'=x", "2"]]
