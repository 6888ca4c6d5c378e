"""The widget builder's "Count rows active over time" section (components/dashboards/
builder_over_time.py) on the small HR dataset of the template tests, run by the real engine:
switching it on and off, editing a loaded widget's grain, a flows-only widget, the engine's
validation messages, and query parts the form does not show kept on save."""

from __future__ import annotations

import asyncio
import calendar
import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from components.dashboards import WidgetBuilder
from pipelines.ai.evaluation import Workspace
from pipelines.dashboards.document import ChartSettings, Widget, WidgetQuery
from pipelines.semantic.engine import run_query
from pipelines.semantic.over_time_query import OverTime
from pipelines.semantic.query import Filter, SemanticQuery, Sort
from tests.unit.templates.data import employees, hr_workspace

COUNT, START, END, TEAM = "staff.count", "staff.start_date", "staff.leaving_date", "staff.team"
SPAN = {"start": START, "end": END}


@pytest.fixture(scope="module")
def hr(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    return hr_workspace(tmp_path_factory.mktemp("hr"), "en")


def builder_on(hr: Workspace, **params: Any) -> WidgetBuilder:
    def run(query: SemanticQuery) -> Any:
        return run_query(hr.model, query, hr.paths)

    return WidgetBuilder(model=hr.model, run=run, auto_preview=False, **params)


def spans(team: str | None = None) -> list[tuple[dt.date, dt.date | None]]:
    """(hired, last day or None) of the employees of data.employees, read by hand."""
    return [
        (dt.date.fromisoformat(hired), dt.date.fromisoformat(left) if left else None)
        for _, hired, left, in_team, *_ in employees("en")
        if team is None or in_team == team
    ]


def active(first: dt.date, last: dt.date, team: str | None = None) -> int:
    """Employees active on some day between ``first`` and ``last`` (both included)."""
    return sum(1 for h, e in spans(team) if h <= last and (e is None or e >= first))


def test_switching_over_time_on_takes_the_date_dimension_and_counts_by_quarter(
    hr: Workspace,
) -> None:
    builder = builder_on(hr)
    builder._measures.value = [COUNT]
    builder._dimensions.value = [START]
    builder._grain.value = "quarter"
    assert not builder._over_time._section.visible
    builder._over_time.enabled.value = True
    assert builder._over_time._section.visible and builder._dimensions.value == []
    assert not builder._grain.visible  # the period is the time axis now
    assert builder.query() == SemanticQuery(
        measures=[COUNT], over_time=OverTime(**SPAN, grain="quarter")
    )
    result = asyncio.run(builder.preview())
    assert result is not None and result.columns == ["period", COUNT]
    for period, count in result.rows:
        end_month = period.month + 2
        last = dt.date(period.year, end_month, calendar.monthrange(period.year, end_month)[1])
        assert count == active(last, last), period  # active on the quarter's last day
    widget = builder.save()
    assert widget is not None and widget.title == "Number of staff by quarter"
    builder._dimensions.value = [START]  # a date dimension while on: a breakdown, said so
    assert builder._grain.visible and "breakdown" in builder._grain.name
    builder._over_time.enabled.value = False
    assert builder.query().over_time is None and builder._grain.name == "Time grain"
    assert "period" not in builder._sort.options.values()


def test_editing_the_grain_keeps_every_other_part_of_the_loaded_query(hr: Workspace) -> None:
    query = SemanticQuery(
        measures=[COUNT], over_time=OverTime(**SPAN, grain="month", at="any"),
        filters=[Filter(field=TEAM, op="eq", value="Sales")], limit=12,
        sort=[Sort(field="period", descending=True), Sort(field=COUNT)],
    )  # fmt: skip
    existing = Widget(
        id="heads", kind="line", title="Sales headcount", query=WidgetQuery(semantic=query),
        chart=ChartSettings(x="period", y=[COUNT]),
    )  # fmt: skip
    builder = builder_on(hr, widget=existing)
    assert builder.query() == query
    builder._over_time._grain.value = "year"
    year = query.over_time.model_copy(update={"grain": "year"})  # type: ignore[union-attr]
    assert builder.query() == query.model_copy(update={"over_time": year})
    widget = builder.build()
    assert widget.chart.x == "period" and widget.chart.y == [COUNT]
    result = asyncio.run(builder.preview())
    assert result is not None
    got = {period.year: count for period, count in result.rows}
    expected = {y: active(dt.date(y, 1, 1), dt.date(y, 12, 31), "Sales") for y in got}
    assert got == expected and sorted(got, reverse=True) == list(got)
    assert set(got) == {2023, 2024}  # the Sales team: hired from 2023 to 2024, no exit later


def test_a_flows_only_widget_hires_and_exits_needs_no_measure(hr: Workspace) -> None:
    saved: list[Widget] = []
    builder = builder_on(hr, on_save=saved.append)
    builder._over_time.enabled.value = True
    builder._over_time._flows.value = ["starts", "ends"]
    assert builder.query() == SemanticQuery(over_time=OverTime(**SPAN, flows=["starts", "ends"]))
    widget = builder.save()
    assert widget is not None and saved == [widget] and widget.title == "Hires, Exits by month"
    result = asyncio.run(builder.preview())
    assert result is not None and result.columns == ["period", "starts", "ends"]
    assert sum(r[1] for r in result.rows) == len(spans()) == 40
    assert sum(r[2] for r in result.rows) == sum(1 for _, e in spans() if e is not None) == 6
    assert builder._preview.status == "ok"


def test_the_engines_over_time_errors_show_in_the_builder(hr: Workspace) -> None:
    builder = builder_on(hr)
    builder._over_time.enabled.value = True  # no measure and no flow
    assert asyncio.run(builder.preview()) is None
    assert "choose at least one measure" in builder.error and builder.busy is False
    assert builder._preview.status == "error"
    assert "choose at least one measure" in builder._preview.message
    builder._over_time._end.value = ""
    builder._over_time._flows.value = ["turnover"]
    assert asyncio.run(builder.preview()) is None
    assert "need an end column" in builder.error


def test_parts_the_form_does_not_know_are_kept_when_others_are_edited(
    hr: Workspace, tmp_path: Path
) -> None:
    class Newer(SemanticQuery):  # a query part added after this builder was written
        first_seen: str | None = None

    query = Newer(measures=[COUNT], over_time=OverTime(**SPAN), first_seen=START)
    existing = Widget(id="n", kind="line", title="New", query=WidgetQuery(semantic=query))
    builder = builder_on(hr, widget=existing)
    builder._limit.value = 5
    assert builder.query() == query.model_copy(update={"limit": 5})
    assert builder.query().model_dump()["first_seen"] == START
