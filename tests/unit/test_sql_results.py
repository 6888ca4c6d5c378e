"""The result view of the SQL page: pages over the held rows, notes, chart choice, downloads."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from components.data_table import number_formatters
from components.downloads import StreamDownload
from components.sql.results import ResultView, page_of
from pipelines.charts import ResultColumn, suggest_chart
from pipelines.query import SqlResult
from pipelines.semantic.model import NumberFormat

ROWS = [
    ["b.c", Decimal("2.50"), dt.date(2024, 1, 2)],
    ["a", Decimal("10.00"), dt.date(2024, 1, 1)],
    ["c", None, dt.date(2024, 1, 3)],
]


def result(rows: list[list[object]] = ROWS, truncated: bool = False) -> SqlResult:
    return SqlResult(
        columns=["name", "amount", "day"],
        types=["text", "decimal", "date"],
        rows=rows,
        truncated=truncated,
        elapsed_ms=12.4,
    )


def columns() -> list[ResultColumn]:
    return [
        ResultColumn(name="name", type="text"),
        ResultColumn(name="amount", type="decimal"),
        ResultColumn(name="day", type="date"),
    ]


def test_a_page_uses_positional_fields_and_sorts_by_the_real_column() -> None:
    page = page_of(result(), 1, 2, [("c1", "desc")])
    assert [c["identifier"] for c in page["columns"]] == ["c0", "c1", "c2"]
    assert [c["label"] for c in page["columns"]] == ["name", "amount", "day"]
    assert page["columns"][1]["type"] == "decimal"
    assert [r[0] for r in page["rows"]] == ["a", "b.c"]
    assert (page["total_rows"], page["total_pages"], page["page"]) == (3, 2, 1)
    last = page_of(result(), 2, 2, [("c1", "desc")])
    assert [r[0] for r in last["rows"]] == ["c"]  # empty values sort last


def test_an_unknown_sort_field_is_ignored() -> None:
    page = page_of(result(), 1, 10, [("nope", "asc")])
    assert [r[0] for r in page["rows"]] == ["b.c", "a", "c"]


def test_show_summarises_and_notes_truncation() -> None:
    view = ResultView()
    shown = result(truncated=True)
    view.show(shown, suggest_chart(columns(), shown.rows), columns())
    assert "<b>3</b> rows" in view._summary.object
    assert "12 ms" in view._summary.object
    assert view._note.visible
    assert "Truncated: showing the first 3 rows" in view._note.object
    assert view._table.total_rows == 3


def test_an_empty_result_says_so_and_offers_no_chart() -> None:
    view = ResultView()
    view.show(result(rows=[]), None, columns())
    assert view._body.objects == [view._empty]
    assert "returned no rows" in view._empty.object
    assert not view._toggle.visible


def test_the_chart_starts_as_suggested_and_follows_the_picker() -> None:
    view = ResultView()
    suggestion = suggest_chart(columns(), ROWS)
    view.show(result(), suggestion, columns())
    assert view.kind == suggestion.kind
    view.view = "Chart"
    assert view._chart is not None
    assert view._chart.kind == suggestion.kind
    assert view.chart_spec() == {
        "kind": suggestion.kind,
        "x": suggestion.x,
        "y": list(suggestion.y),
    }
    view._kind.value = "table"
    assert view._chart.kind == "table"
    assert view.chart_spec() == {"kind": "table", "x": None, "y": []}


def test_downloads_fetch_the_shown_sql_from_the_download_url() -> None:
    view = ResultView(download_url="/api/v1/workspaces/w1/sql/download", csrf="token")
    view.sql = "SELECT name FROM t"
    view.show(result(), None, columns())
    buttons = view._downloads
    assert buttons.visible
    assert (buttons.url, buttons.csrf) == ("/api/v1/workspaces/w1/sql/download", "token")
    assert buttons.payload == {"sql": "SELECT name FROM t"}
    assert list(buttons.formats) == ["csv", "parquet"]
    view.sql = "SELECT 2"
    assert buttons.payload == {"sql": "SELECT 2"}


def test_without_a_download_url_there_are_no_downloads() -> None:
    view = ResultView()
    view.show(result(), None, columns())
    assert not view._downloads.visible


def test_the_browsers_download_outcome_reaches_python() -> None:
    buttons = StreamDownload(url="/x")
    buttons._handle_msg({"type": "saved", "format": "csv", "filename": "q.csv", "bytes": 12})
    buttons._handle_msg(
        {"type": "failed", "format": "parquet", "status": 422, "problem": {"detail": "No t"}}
    )
    assert buttons.saved == {"format": "csv", "filename": "q.csv", "bytes": 12}
    assert buttons.failed == {"format": "parquet", "status": 422, "problem": {"detail": "No t"}}


def test_a_failed_download_is_shown_across_the_result_until_the_next_one_starts() -> None:
    view = ResultView(download_url="/d")
    view.show(result(), None, columns())
    problem = {"detail": "Table 'orders' does not exist <here>"}
    failure = {"type": "failed", "format": "parquet", "status": 422, "problem": problem}
    view._downloads._handle_msg(failure)
    error = view._download_error
    assert error.visible
    assert "The Parquet download failed." in error.object
    assert "does not exist &lt;here&gt;" in error.object  # escaped
    view._downloads.busy = True
    assert not error.visible
    view._downloads.busy = False
    view._downloads._handle_msg(failure)  # the same failure again is shown again
    assert error.visible
    view.show(result(), None, columns())
    assert not error.visible


def test_a_page_carries_the_columns_roles_and_formats() -> None:
    euro = NumberFormat(kind="currency", currency="EUR")
    typed = [
        ResultColumn(name="name", type="text"),
        ResultColumn(name="amount", type="decimal", role="measure", format=euro),
        ResultColumn(name="day", type="date"),
    ]
    page = page_of(result(), 1, 10, [], typed)
    assert page["columns"][1]["format"] == euro
    assert page["columns"][1]["role"] == "measure"
    assert "format" not in page_of(result(), 1, 10, [])["columns"][1]


def test_numbers_get_separators_decimals_and_the_columns_currency() -> None:
    euro = NumberFormat(kind="currency", currency="EUR", decimals=2)
    formatters = number_formatters(
        [
            {"identifier": "c0", "label": "client", "type": "text"},
            {"identifier": "c1", "label": "total", "type": "decimal"},
            {"identifier": "c2", "label": "units", "type": "integer"},
            {"identifier": "c3", "label": "vente_id", "type": "integer"},
            {"identifier": "c4", "label": "ttc", "type": "decimal", "format": euro},
        ]
    )
    assert "c0" not in formatters
    assert formatters["c1"].format == "0,0.00"
    assert formatters["c1"].null_format == "—"
    assert formatters["c2"].format == "0,0"
    assert formatters["c3"].format == "0.[00]"  # an id: no thousands separator
    assert formatters["c4"]["type"] == "money" and formatters["c4"]["symbol"] == "€"


def test_a_failed_run_marks_the_shown_result_as_the_previous_runs() -> None:
    view = ResultView()
    view.mark_stale()  # nothing shown: nothing to mark
    assert not view.stale
    view.show(result(), None, columns())
    view.mark_stale()
    assert view.stale
    assert "From the previous run" in view._stale_note.object
    assert "dp-result-stale" in view._body.css_classes
    view.show(result(), None, columns())
    assert not view.stale
    assert "dp-result-stale" not in view._body.css_classes
