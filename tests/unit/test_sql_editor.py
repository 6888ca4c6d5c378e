"""The SQL editor's completion catalogue, identifier quoting, error positions and messages."""

from __future__ import annotations

from typing import Any

import pytest

from components.sql.editor import (
    SCORE_COLUMN,
    SCORE_FUNCTION,
    SCORE_KEYWORD,
    SCORE_TABLE,
    SqlEditor,
    completion_catalog,
    offset_position,
    quote_identifier,
)
from components.sql.panels import QueryList, SchemaBrowser, schema_items

TABLES = {
    "orders": [("order_id", "integer"), ("customer_id", "integer"), ("amount", "decimal")],
    "customers": [("customer_id", "integer"), ("name", "text"), ("Sign-up date", "date")],
}


def by_caption(items: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {i["caption"]: i for i in items}


def test_catalog_offers_every_table_with_its_column_count() -> None:
    words = by_caption(completion_catalog(TABLES)["words"])
    assert words["orders"]["meta"] == "table · 3 columns"
    assert words["customers"]["score"] == SCORE_TABLE
    assert words["orders"]["value"] == "orders"


def test_a_column_in_two_tables_is_offered_once_naming_both() -> None:
    words = completion_catalog(TABLES)["words"]
    shared = [w for w in words if w["caption"] == "customer_id"]
    assert len(shared) == 1
    assert shared[0]["meta"] == "integer · customers, orders"
    assert shared[0]["score"] == SCORE_COLUMN


def test_columns_after_a_table_name_are_that_tables_only() -> None:
    columns = completion_catalog(TABLES)["columns"]
    assert [c["caption"] for c in columns["orders"]] == ["order_id", "customer_id", "amount"]
    assert {c["meta"] for c in columns["customers"]} == {"integer", "text", "date"}


def test_table_keys_for_qualified_completion_are_lower_case() -> None:
    columns = completion_catalog({"Sales": [("Region", "text")]})["columns"]
    assert list(columns) == ["sales"]
    assert columns["sales"][0]["value"] == "Region"


def test_names_that_need_quotes_are_inserted_quoted() -> None:
    columns = completion_catalog(TABLES)["columns"]["customers"]
    assert by_caption(columns)["Sign-up date"]["value"] == '"Sign-up date"'
    assert quote_identifier("order") == '"order"'
    assert quote_identifier("select") == '"select"'
    assert quote_identifier('say "hi"') == '"say ""hi"""'
    assert quote_identifier("2024_sales") == '"2024_sales"'
    assert quote_identifier("amount_eur") == "amount_eur"


def test_functions_are_offered_as_calls_and_operators_are_skipped() -> None:
    words = completion_catalog({}, functions=["sum", "date_trunc", "~~", "+", "SUM"])["words"]
    functions = [w for w in words if w["meta"] == "function"]
    assert [f["caption"] for f in functions] == ["date_trunc()", "sum()"]
    assert functions[1]["snippet"] == "sum(${1})"
    assert functions[1]["score"] == SCORE_FUNCTION


def test_keywords_are_upper_case_once_and_rank_last() -> None:
    words = completion_catalog({}, keywords=["select", "SELECT", "group by"])["words"]
    assert [(w["caption"], w["score"]) for w in words] == [
        ("SELECT", SCORE_KEYWORD),
        ("GROUP BY", SCORE_KEYWORD),
    ]


def test_columns_outrank_tables_which_outrank_functions_and_keywords() -> None:
    assert SCORE_COLUMN > SCORE_TABLE > SCORE_FUNCTION > SCORE_KEYWORD


def test_editor_defaults_to_the_guards_allowed_functions() -> None:
    from pipelines.query.guard import ALLOWED_FUNCTIONS

    editor = SqlEditor(tables=TABLES)
    offered = {w["value"] for w in editor.catalog["words"] if w["meta"] == "function"}
    assert offered
    assert offered <= {f.lower() for f in ALLOWED_FUNCTIONS}
    assert "read_csv" not in offered
    assert "sum" in offered


def test_editor_catalog_follows_its_tables() -> None:
    editor = SqlEditor(tables={"a": [("x", "integer")]}, functions=[])
    editor.tables = {"b": [("y", "text")]}
    assert set(editor.catalog["columns"]) == {"b"}
    assert "a" not in by_caption(editor.catalog["words"])


@pytest.mark.parametrize(
    ("offset", "expected"),
    [(0, (1, 1)), (7, (1, 8)), (13, (2, 1)), (18, (2, 6)), (99, (2, 12))],
)
def test_offsets_become_lines_and_columns(offset: int, expected: tuple[int, int]) -> None:
    assert offset_position("SELECT price\nFROM orders", offset) == expected


def test_show_error_by_offsets_marks_the_part_at_fault() -> None:
    editor = SqlEditor(value="SELECT 1\nFROM read_csv('x')")
    editor.show_error("read_csv is not allowed", start=14, end=22)
    assert editor.error == {
        "message": "read_csv is not allowed",
        "line": 2,
        "column": 6,
        "end_line": 2,
        "end_column": 14,
    }
    editor.clear_error()
    assert editor.error == {}


def test_show_error_by_line_and_column() -> None:
    editor = SqlEditor(value="SELECT x FROM t")
    editor.show_error("Unknown column x", line=1, column=8)
    assert editor.error == {"message": "Unknown column x", "line": 1, "column": 8}


def test_ctrl_enter_message_updates_the_text_and_fires_run() -> None:
    editor = SqlEditor(value="SELECT 1")
    seen: list[str] = []
    editor.param.watch(lambda _e: seen.append(editor.value), "run")
    editor._handle_msg({"type": "run", "sql": "SELECT 2"})
    assert seen == ["SELECT 2"]


def test_schema_browser_reports_quoted_names() -> None:
    picked: list[str] = []
    browser = SchemaBrowser(tables=schema_items(TABLES), on_pick=picked.append)
    browser._handle_msg({"type": "pick", "name": "Sign-up date"})
    browser._handle_msg({"type": "pick", "name": "orders"})
    assert picked == ['"Sign-up date"', "orders"]
    assert [t["name"] for t in browser.tables] == ["customers", "orders"]


def test_query_list_only_reports_the_actions_it_offers() -> None:
    seen: list[tuple[str, str]] = []
    listing = QueryList(actions=["run"], on_action=lambda a, i: seen.append((a, i)))
    listing._handle_msg({"type": "action", "action": "delete", "id": "1"})
    listing._handle_msg({"type": "action", "action": "run", "id": "2"})
    listing._handle_msg({"type": "action", "action": "load", "id": "3"})
    assert seen == [("run", "2"), ("load", "3")]
