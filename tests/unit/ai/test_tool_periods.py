"""The run_semantic_query tool with the engine's compare and over_time: their JSON schema (enums
of the shown measures and dates), the checks of a model's arguments (each problem a line sent
back to the model) and the prompt's line on when to use each."""

from __future__ import annotations

from typing import Any

import pytest

from pipelines.ai.arguments import ToolArgumentError, semantic_query_from
from pipelines.ai.catalog import Catalog, build_catalog
from pipelines.ai.context import build_context
from pipelines.ai.tools import RUN_SEMANTIC_QUERY, answer_tools
from pipelines.semantic import Column, SemanticModel, SemanticQuery, Table
from pipelines.semantic.over_time_query import OverTime
from pipelines.semantic.query import Compare

MONTHLY = {"measures": ["orders.amount"], "dimensions": ["orders.order_date.month"]}


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    """Orders (an amount, a date, a channel) and staff (a start and an end date, a team)."""
    model = SemanticModel(
        tables=[
            Table(name="orders", source_id="o", columns=[
                Column(name="amount", type="decimal", role="measure", aggregation="sum"),
                Column(name="order_date", type="date"),
                Column(name="channel", type="text"),
            ]),
            Table(name="staff", source_id="s", columns=[
                Column(name="started_on", type="date"),
                Column(name="left_on", type="timestamp"),
                Column(name="team", type="text"),
            ]),
        ]
    )  # fmt: skip
    return build_catalog(model)


def query_tool(catalog: Catalog, enums: bool = True) -> dict[str, Any]:
    tools = answer_tools(catalog.fields, enums=enums)
    [tool] = [t for t in tools if t.name == RUN_SEMANTIC_QUERY]
    return tool.parameters


def test_the_schema_offers_compare_over_the_measures_and_over_time_over_the_dates(
    catalog: Catalog,
) -> None:
    properties = query_tool(catalog)["properties"]

    compare = properties["compare"]["items"]["properties"]
    assert compare["measure"]["enum"] == ["orders.count", "orders.amount", "staff.count"]
    assert compare["shift"]["enum"] == ["year", "period"]
    over_time = properties["over_time"]["properties"]
    dates = ["orders.order_date", "staff.started_on", "staff.left_on"]
    assert over_time["start"]["enum"] == dates and over_time["end"]["enum"] == dates
    assert over_time["grain"]["enum"] == ["month", "quarter", "year"]
    assert over_time["flows"]["items"]["enum"] == [
        "starts", "ends", "average", "turnover", "tenure",
    ]  # fmt: skip
    assert properties["over_time"]["required"] == ["start"]
    assert over_time["tenure_bands"]["items"]["type"] == "number"
    assert over_time["latest"]["type"] == "boolean"


def test_without_enums_the_schema_takes_plain_names(catalog: Catalog) -> None:
    properties = query_tool(catalog, enums=False)["properties"]

    assert "enum" not in properties["compare"]["items"]["properties"]["measure"]
    assert "enum" not in properties["over_time"]["properties"]["start"]


def test_compare_and_over_time_arguments_become_the_semantic_query(catalog: Catalog) -> None:
    compared, _ = semantic_query_from(
        {**MONTHLY, "compare": [{"measure": "orders.amount", "shift": "year"}],
         "sort": [{"field": "orders.amount__change_year", "descending": True}]},
        catalog,
    )  # fmt: skip
    counted, _ = semantic_query_from(
        {"measures": [], "dimensions": ["staff.team"],
         "over_time": {"start": "staff.started_on", "end": "staff.left_on", "grain": "quarter",
                       "flows": ["starts", "turnover"]},
         "sort": [{"field": "period"}, {"field": "turnover"}]},
        catalog,
    )  # fmt: skip

    assert compared.compare == [Compare(measure="orders.amount", shift="year")]
    assert compared.sort[0].field == "orders.amount__change_year"
    assert counted.over_time == OverTime(
        start="staff.started_on", end="staff.left_on", grain="quarter",
        flows=["starts", "turnover"],
    )  # fmt: skip
    assert counted.measures == [] and counted.dimensions == ["staff.team"]


@pytest.mark.parametrize(
    ("extra", "said"),
    [
        ({"compare": [{"measure": "orders.amont", "shift": "year"}]},
         "unknown compare measure 'orders.amont'; did you mean orders.amount"),
        ({"compare": [{"measure": "orders.amount", "shift": "month"}]},
         "compare 'orders.amount': unknown shift 'month'; use year"),
        ({"compare": {"measure": "orders.amount"}}, "compare must be a list of {measure, shift}"),
        ({"compare": ["orders.amount"]}, "compare 'orders.amount' needs a measure"),
        ({"over_time": {"start": "staff.started_on.month"}},
         "over_time start 'staff.started_on.month' is not a date field of the model (write "
         "table.column without a grain); did you mean staff.started_on"),
        ({"over_time": {"start": "staff.started_on", "end": "staff.team"}},
         "over_time end 'staff.team' is not a date field"),
        ({"over_time": {"start": "staff.started_on", "every": "month"}},
         "over_time: unknown keys every; use start, end, grain, at, flows, tenure_bands, "
         "latest"),
        ({"over_time": {"start": "staff.started_on", "grain": "week"}},
         "over_time.grain: Input should be 'month', 'quarter' or 'year'"),
        ({"over_time": {"start": "staff.started_on", "flows": ["hires"]}},
         "over_time.flows.0: Input should be 'starts', 'ends', 'average', 'turnover' or "
         "'tenure'"),
        ({"sort": [{"field": "orders.amount__change_period"}],
          "compare": [{"measure": "orders.amount", "shift": "year"}]},
         "sort field 'orders.amount__change_period' is not among the query's measures and "
         "dimensions (or its compare or over-time columns)"),
    ],
)  # fmt: skip
def test_bad_compare_or_over_time_arguments_say_what_to_fix(
    catalog: Catalog, extra: dict[str, Any], said: str
) -> None:
    with pytest.raises(ToolArgumentError) as caught:
        semantic_query_from({**MONTHLY, **extra}, catalog)

    assert said in str(caught.value)


def test_tenure_bands_and_latest_arguments_become_the_semantic_query(catalog: Catalog) -> None:
    banded, _ = semantic_query_from(
        {"measures": ["staff.count"], "dimensions": [],
         "over_time": {"start": "staff.started_on", "end": "staff.left_on",
                       "tenure_bands": [1, 5], "latest": True},
         "sort": [{"field": "tenure_band", "descending": True}]},
        catalog,
    )  # fmt: skip

    assert banded.over_time == OverTime(
        start="staff.started_on", end="staff.left_on", tenure_bands=[1, 5], latest=True
    )
    assert banded.sort[0].field == "tenure_band"
    with pytest.raises(ToolArgumentError, match="tenure_bands must be in ascending order"):
        semantic_query_from(
            {"measures": ["staff.count"], "dimensions": [],
             "over_time": {"start": "staff.started_on", "tenure_bands": [5, 1]}},
            catalog,
        )  # fmt: skip


def test_over_time_flows_alone_are_a_query(catalog: Catalog) -> None:
    query, _ = semantic_query_from(
        {"measures": [], "dimensions": [],
         "over_time": {"start": "staff.started_on", "end": "staff.left_on", "flows": ["ends"]}},
        catalog,
    )  # fmt: skip

    assert query == SemanticQuery(
        over_time=OverTime(start="staff.started_on", end="staff.left_on", flows=["ends"])
    )
    with pytest.raises(ToolArgumentError, match="give at least one measure or dimension"):
        semantic_query_from(
            {"measures": [], "dimensions": [], "over_time": {"start": "staff.started_on"}},
            catalog,
        )


def test_the_prompt_says_when_to_compare_and_when_to_count_over_time(catalog: Catalog) -> None:
    system = build_context("revenue vs last year", catalog).system

    assert "compare [{measure, shift: year|period}]" in system
    assert "over_time {start, end, grain, flows}" in system
