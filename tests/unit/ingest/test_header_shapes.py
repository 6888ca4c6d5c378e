"""The header-finding rules on their own: preamble lines, group lines, stray quotes."""

from __future__ import annotations

import pytest

from pipelines.ingest.headers import is_group_line, literal_names, merged_names, quote_problem
from pipelines.ingest.preamble import header_start, looks_typed, separator_hint

DATA = [["1", "Ana", "2.5"], ["2", "Bo", "3"]]


@pytest.mark.parametrize(
    ("rows", "start"),
    [
        ([["Report by Acme", " Inc."], ["id", "name", "amount"], *DATA], 1),
        ([["Account", "1234"], ["Period", "2024-01"], [""], ["id", "name", "amount"], *DATA], 3),
        ([["Title"], [""], ["id", "name", "amount"], *DATA], 2),
        # A header naming fewer columns than the rows carry is still the header.
        ([["a", "b"], ["1", "2", "3"], ["4", "5", "6"]], 0),
        # Text rows under a narrow header: nothing says the second line is a header.
        ([["name", "city"], ["Alice", "Paris", "x"], ["Bob", "Rome", "y"]], 0),
    ],
)
def test_header_start_skips_narrow_preamble_lines_only(rows: list[list[str]], start: int) -> None:
    assert header_start(rows, 3) == start


def test_separator_hint_is_only_an_excel_first_line() -> None:
    assert separator_hint("sep=;\r\nid;name\n") == ";"
    assert separator_hint("sep=|\n") == "|"
    assert separator_hint("separator,value\nsep=;\n") is None


@pytest.mark.parametrize("value", ["12", "-3,5", "1 234,50 €", "$1,234.56", "12 %", "2024-01-05"])
def test_values_look_typed(value: str) -> None:
    assert looks_typed(value)


@pytest.mark.parametrize("value", ["Revenue", "Q1", "id", "Total %", "2024 sales", ""])
def test_names_do_not_look_typed(value: str) -> None:
    assert not looks_typed(value)


def test_group_line_needs_merged_cells_over_a_header_of_typed_columns() -> None:
    names = ["Revenue", "Cost", "Revenue", "Cost"]
    rows = [["10", "5", "12", "6"]]
    assert is_group_line(["Q1", "", "Q2", ""], names, rows)
    assert not is_group_line(["Q1", "Q2", "Q3", "Q4"], names, rows)  # no merged cell
    assert not is_group_line(["Sales report"], names, rows)  # a title
    assert not is_group_line(["Q1", "", "Q2", ""], names, [["a", "b", "c", "d"]])  # text rows
    assert not is_group_line(["id", "", "name"], ["x", "y", "z"], [["1", "2", "3"]])


def test_merged_names_carry_the_group_over_its_blank_cells() -> None:
    assert merged_names(["", "Q1", "", "Q2"], ["region", "Rev", "Cost", "Rev", "Cost"]) == (
        "region",
        "Q1 Rev",
        "Q1 Cost",
        "Q2 Rev",
        "Q2 Cost",
    )


@pytest.mark.parametrize(
    ("line", "offset"),
    [
        ('id,"URL"Comments,x\n1,a,b\n', 7),
        ('id,"URL,x\n1,a,b\n', 3),
        ('id,"URL,x\n1,"a",b\n', 3),
    ],
)
def test_quote_problem_names_the_character(line: str, offset: int) -> None:
    problem = quote_problem(line, ",", '"', '"')
    assert problem is not None and problem.offset == offset


@pytest.mark.parametrize(
    "line", ['id,"a, b",c\n', 'id,"long\nname",x\n', 'id,Comm"ents,x\n', 'a,"He said ""hi""",b']
)
def test_well_formed_quotes_are_no_problem(line: str) -> None:
    assert quote_problem(line, ",", '"', '"') is None


def test_literal_names_keep_stray_quotes_and_unquote_good_ones() -> None:
    assert literal_names('id,"URL"Comments,"a, b",x\r\n', ",", '"') == (
        "id",
        '"URL"Comments',
        "a, b",
        "x",
    )
