"""The widget builder (components/dashboards/builder.py): the form makes the Widget and its
SemanticQuery, the preview runs the real engine off the event loop and shows its errors."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path
from typing import Any

import duckdb
import pytest

from components.dashboards import WidgetBuilder
from pipelines.dashboards.document import ChartSettings, Widget, WidgetQuery
from pipelines.semantic.engine import run_query
from pipelines.semantic.query import Compare, Filter, SemanticError, SemanticQuery, Sort

from .widget_data import AMOUNT, DAY, REGION, model


@pytest.fixture(scope="module")
def paths(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("orders")
    path = folder / "orders.parquet"
    duckdb.connect().execute(
        "COPY (SELECT * FROM (VALUES ('North', 'Retail', DATE '2024-01-05', 10.0), "
        "('South', 'Retail', DATE '2024-02-05', 20.0), ('North', 'Wholesale', "
        "DATE '2024-02-06', 30.0), ('East', 'Retail', DATE '2024-03-01', 5.0)) "
        f"t(region, segment, day, amount)) TO '{path}' (FORMAT parquet)"
    )
    return {"orders": path}


def builder_on(paths: dict[str, Path], **params: Any) -> tuple[WidgetBuilder, list[Any]]:
    ran: list[Any] = []
    semantic = model()

    def run(query: SemanticQuery) -> Any:
        ran.append((query, threading.current_thread() is threading.main_thread()))
        return run_query(semantic, query, paths)

    params.setdefault("auto_preview", False)
    return WidgetBuilder(model=semantic, run=run, **params), ran


def test_the_form_makes_the_widget_and_its_semantic_query(paths: dict[str, Path]) -> None:
    saved: list[Widget] = []
    builder, _ = builder_on(paths, on_save=saved.append)
    builder._measures.value = [AMOUNT]
    builder._dimensions.value = [DAY]
    assert builder._grain.visible  # a date dimension takes a grain
    builder._grain.value = "month"
    builder._filters.add()
    field, op, value = builder._filters.rows[0]
    field.value, op.value, value.value = REGION, "in", "North, South"
    builder._sort.value = AMOUNT
    builder._descending.value = True
    builder._limit.value = 5
    builder._kind.value = "line"
    assert builder.query() == SemanticQuery(
        measures=[AMOUNT],
        dimensions=[f"{DAY}.month"],
        filters=[Filter(field=REGION, op="in", value=["North", "South"])],
        sort=[Sort(field=AMOUNT, descending=True)],
        limit=5,
    )
    widget = builder.save()
    assert widget is not None and saved == [widget]
    assert widget.kind == "line" and widget.title == "Amount by day (month)"
    assert widget.query == WidgetQuery(source="semantic", semantic=builder.query())
    assert widget.id.startswith("w_")


def test_editing_a_widget_fills_the_form_and_keeps_its_id_and_place(
    paths: dict[str, Path],
) -> None:
    query = SemanticQuery(
        measures=[AMOUNT], dimensions=[f"{DAY}.quarter"], sort=[Sort(field=AMOUNT)], limit=3,
        filters=[Filter(field=REGION, op="eq", value="North")],
    )  # fmt: skip
    existing = Widget(
        id="sales", kind="bar", title="Quarterly", query=WidgetQuery(semantic=query),
        chart=ChartSettings(stacked=True, page_size=25),
    )  # fmt: skip
    builder, _ = builder_on(paths, widget=existing)
    assert builder._measures.value == [AMOUNT] and builder._dimensions.value == [DAY]
    assert builder._grain.value == "quarter" and builder._limit.value == 3
    assert builder._sort.value == AMOUNT and builder._descending.value is False
    assert builder._title.value == "Quarterly" and builder._stacked.value
    assert builder._save.name == "Save"
    assert builder.query() == query
    builder._title.value = "By quarter"
    widget = builder.build()
    assert widget.model_dump() == existing.model_copy(update={"title": "By quarter"}).model_dump()


def test_the_preview_runs_off_the_event_loop_and_suggests_a_kind_with_its_reason(
    paths: dict[str, Path],
) -> None:
    builder, ran = builder_on(paths)
    builder._measures.value = [AMOUNT]
    builder._dimensions.value = [REGION]
    result = asyncio.run(builder.preview())
    assert result is not None and ran[-1][1] is False  # ran in a worker thread
    assert builder.suggestion is not None and builder.suggestion.kind == "pie"
    assert builder._kind.value == "pie"
    assert "Parts of a whole" in builder._reason.object
    assert builder._preview.status == "ok" and builder._preview.widget.kind == "pie"
    builder._kind.value = "table"  # the user's choice now stands
    builder._dimensions.value = [REGION, "orders.segment"]
    asyncio.run(builder.preview())
    assert builder._kind.value == "table" and builder._preview.widget.kind == "table"


def test_a_failing_preview_shows_the_error_in_the_preview(paths: dict[str, Path]) -> None:
    def run(_query: SemanticQuery) -> Any:
        raise SemanticError("Unknown column 'orders.nope'", field="orders.nope")

    builder = WidgetBuilder(model=model(), run=run, auto_preview=False)
    builder._measures.value = [AMOUNT]
    assert asyncio.run(builder.preview()) is None
    assert builder.error == "Unknown column 'orders.nope'"
    assert builder._preview.status == "error" and "orders.nope" in builder._preview.message
    assert builder.busy is False


def test_changes_preview_automatically_and_the_executor_hook_is_used(
    paths: dict[str, Path],
) -> None:
    used: list[str] = []

    async def executor(fn: Any) -> Any:
        used.append("executor")
        return await asyncio.to_thread(fn)

    builder, ran = builder_on(paths, executor=executor, auto_preview=True)
    builder._measures.value = [AMOUNT]  # no loop running: Panel runs the preview to the end
    assert used == ["executor"] and ran and builder.result is not None
    assert builder._kind.value == "kpi" and builder._preview.status == "ok"


def test_nothing_picked_cannot_be_added_and_says_why(paths: dict[str, Path]) -> None:
    saved: list[Widget] = []
    builder, _ = builder_on(paths, on_save=saved.append)
    assert builder.save() is None and saved == []
    assert builder.error == "Pick at least one measure or dimension."
    builder._kind.value = "text"
    builder._text.value = "# Notes"
    widget = builder.save()
    assert widget is not None and widget.kind == "text" and widget.query is None
    assert widget.text == "# Notes"


def test_cancel_calls_the_page() -> None:
    cancelled: list[bool] = []
    builder = WidgetBuilder(model=model(), on_cancel=lambda: cancelled.append(True))
    builder._cancel.clicks += 1
    assert cancelled == [True]


def test_only_the_newest_preview_is_shown(paths: dict[str, Path]) -> None:
    release = asyncio.Event()
    calls: list[int] = []

    async def executor(fn: Any) -> Any:
        calls.append(len(calls))
        if len(calls) == 1:
            await release.wait()  # the first preview is slow
        return await asyncio.to_thread(fn)

    builder, _ = builder_on(paths, executor=executor)

    async def scenario() -> tuple[Any, Any]:
        builder._measures.value = [AMOUNT]
        slow = asyncio.ensure_future(builder.preview())
        while not calls:
            await asyncio.sleep(0)
        builder._dimensions.value = [REGION]
        fast = await builder.preview()
        release.set()
        return await slow, fast

    slow, fast = asyncio.run(scenario())
    assert slow is None and fast is not None
    assert builder.result is fast and len(fast.rows) == 3


def test_reset_empties_the_form_for_a_new_widget(paths: dict[str, Path]) -> None:
    existing = Widget(
        id="sales", kind="kpi", title="Total",
        query=WidgetQuery(semantic=SemanticQuery(measures=[AMOUNT])),
    )  # fmt: skip
    builder, _ = builder_on(paths, widget=existing)
    builder.reset()
    assert builder.widget is None and builder._measures.value == []
    assert builder._title.value == "" and builder._save.name == "Add"


def test_an_sql_widget_keeps_its_query_and_axes_only_title_and_kind_change(
    paths: dict[str, Path],
) -> None:
    existing = Widget(
        id="top", kind="bar", title="Top",
        query=WidgetQuery(source="sql", sql="SELECT region, sum(amount) AS total FROM orders"),
        chart=ChartSettings(x="region", y=["total"]),
    )  # fmt: skip
    builder, _ = builder_on(paths, widget=existing)
    assert not builder._query_box.visible
    builder._kind.value = "hbar"
    builder._title.value = "Top regions"
    widget = builder.save()
    assert widget is not None and widget.query == existing.query
    assert (widget.kind, widget.title, widget.chart.x, widget.chart.y) == (
        "hbar", "Top regions", "region", ["total"],
    )  # fmt: skip


def test_editing_keeps_a_comparison_while_its_measure_and_a_grain_remain(
    paths: dict[str, Path],
) -> None:
    query = SemanticQuery(
        measures=[AMOUNT], dimensions=[f"{DAY}.month"], compare=[Compare(measure=AMOUNT)]
    )
    existing = Widget(id="yoy", kind="line", title="YoY", query=WidgetQuery(semantic=query))
    builder, _ = builder_on(paths, widget=existing)
    assert builder.query().compare == [Compare(measure=AMOUNT)]
    builder._grain.value = "quarter"
    assert builder.query().compare == [Compare(measure=AMOUNT)]
    builder._dimensions.value = [REGION]  # no time grain left: nothing to compare with
    assert builder.query().compare == []
