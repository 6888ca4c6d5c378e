"""A new widget from a chart: its kind, chart settings, title and place on the grid."""

from __future__ import annotations

import pytest

from app.services.dashboards.adding import answer_draft
from app.services.errors import InvalidInput
from pipelines.charts import CHART_KINDS
from pipelines.dashboards import (
    WIDGET_KINDS,
    ChartSettings,
    DashboardDocument,
    Position,
    TooManyWidgets,
    Widget,
    WidgetDraft,
    WidgetQuery,
    append_widget,
    draft_from_chart,
    widget_kind,
)
from pipelines.dashboards.document import MAX_WIDGETS

SQL = WidgetQuery(source="sql", sql="SELECT 1 AS n")


@pytest.mark.parametrize(
    ("chart", "horizontal", "kind"),
    [
        ("kpi", False, "kpi"),
        ("line", False, "line"),
        ("area", False, "area"),
        ("bar", False, "bar"),
        ("bar", True, "hbar"),
        ("pie", False, "pie"),
        ("pie", True, "pie"),
        ("scatter", False, "scatter"),
        ("table", False, "table"),
        (None, False, "table"),
        ("sankey", False, "table"),
    ],
)
def test_widget_kind_of_each_chart_kind(chart: str | None, horizontal: bool, kind: str) -> None:
    assert widget_kind(chart, horizontal) == kind


def test_every_chart_kind_has_a_widget_kind() -> None:
    assert all(
        widget_kind(kind) in WIDGET_KINDS and widget_kind(kind) == kind for kind in CHART_KINDS
    )


def test_a_saved_chart_becomes_chart_settings() -> None:
    draft = draft_from_chart("Revenue", SQL, {"kind": "line", "x": "month", "y": ["a", "b"]})
    assert (draft.kind, draft.title) == ("line", "Revenue")
    assert draft.chart == ChartSettings(x="month", y=["a", "b"])


def test_a_suggested_chart_keeps_its_series_and_one_y_column() -> None:
    chart = {"kind": "line", "x": "day", "y": "amount", "series": "region", "reason": "time"}
    assert draft_from_chart("t", SQL, chart).chart == ChartSettings(
        x="day", y=["amount"], series="region"
    )


def test_no_chart_is_a_table_and_a_kpi_ignores_axes() -> None:
    assert draft_from_chart("t", SQL, None).kind == "table"
    kpi = draft_from_chart("t", SQL, {"kind": "kpi", "x": None, "y": ["n"]})
    assert (kpi.kind, kpi.chart) == ("kpi", ChartSettings())


def test_a_long_question_is_cut_to_a_title_on_one_line() -> None:
    title = draft_from_chart("What  is\nthe revenue " + "x" * 300, SQL, None).title
    assert len(title) == 200 and title.startswith("What is the revenue x") and title.endswith("…")


def _widget(widget_id: str, position: Position) -> Widget:
    return Widget(id=widget_id, kind="table", query=SQL, position=position)


def test_append_goes_below_every_tile_with_a_new_id() -> None:
    document = DashboardDocument(
        widgets=[
            _widget("a", Position(x=0, y=0, w=6, h=4)),
            _widget("b", Position(x=6, y=2, w=6, h=5)),
        ]
    )
    updated, widget = append_widget(document, WidgetDraft("bar", "Sales", SQL))
    assert widget.position == Position(x=0, y=7, w=6, h=5)
    assert widget.id not in {"a", "b"} and [w.id for w in updated.widgets] == ["a", "b", widget.id]
    assert [w.id for w in document.widgets] == ["a", "b"]  # the original is unchanged
    first, kpi = append_widget(DashboardDocument(), WidgetDraft("kpi", "Total", SQL))
    assert kpi.position == Position(x=0, y=0, w=3, h=3) and first.widgets == [kpi]


def test_a_full_dashboard_refuses_another_widget() -> None:
    full = DashboardDocument(
        widgets=[_widget(f"w{i}", Position(y=i * 4)) for i in range(MAX_WIDGETS)]
    )
    with pytest.raises(TooManyWidgets, match=f"holds {MAX_WIDGETS} widgets"):
        append_widget(full, WidgetDraft("bar", "One more", SQL))


def test_a_semantic_answer_drafts_a_semantic_widget() -> None:
    answer = {
        "kind": "semantic",
        "semantic_query": {"measures": ["orders.amount"], "dimensions": ["customers.country"]},
        "sql": "SELECT …compiled…",
        "chart_suggestion": {
            "kind": "bar",
            "x": "customers.country",
            "y": ["orders.amount"],
            "horizontal": True,
        },
    }
    draft = answer_draft(answer, "Revenue by country", "m1")
    assert (draft.kind, draft.title, draft.query.source, draft.query.answer_id) == (
        "hbar",
        "Revenue by country",
        "semantic",
        "m1",
    )
    assert draft.query.semantic is not None and draft.query.semantic.measures == ["orders.amount"]
    assert draft.query.sql is None


def test_an_sql_answer_drafts_an_sql_widget() -> None:
    draft = answer_draft(
        {"kind": "sql", "sql": "SELECT 2 AS n", "chart_suggestion": None}, "q", "m2"
    )
    assert (draft.kind, draft.query.source, draft.query.sql) == ("table", "sql", "SELECT 2 AS n")


@pytest.mark.parametrize(
    "answer",
    [
        {"kind": "clarify", "choices": ["a", "b"]},
        {"kind": "decline"},
        {"kind": "semantic", "semantic_query": None},
        {"kind": "sql", "sql": ""},
        {"kind": "semantic", "semantic_query": {"measures": "not a list", "bogus": 1}},
    ],
)
def test_an_answer_without_a_usable_query_is_refused(answer: dict[str, object]) -> None:
    with pytest.raises(InvalidInput) as refused:
        answer_draft(dict(answer), "q", "m3")
    assert refused.value.field == "answer_message_id"
