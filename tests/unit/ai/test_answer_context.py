"""The prompt's content and the explanation of an executed query, without a provider."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from pipelines.ai.answer_types import Example, Turn
from pipelines.ai.catalog import build_catalog
from pipelines.ai.context import build_context
from pipelines.ai.explain import describe_query, left_out
from pipelines.semantic import Filter, SemanticEngine, SemanticQuery, Sort

from .answer_data import raw, shop_model, write_shop


@pytest.fixture(scope="module")
def paths(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return write_shop(tmp_path_factory.mktemp("shop"))


def test_a_small_model_is_shown_whole_with_values_ranges_and_examples(
    paths: dict[str, Path],
) -> None:
    catalog = build_catalog(shop_model(), paths)
    examples = [
        Example("Revenue per country", {"measures": ["orders.amount"], "dimensions": ["customers.country"]}),
        Example("Stale", {"measures": ["orders.profit"]}),
    ]  # fmt: skip
    context = build_context(
        "How many orders?", catalog, examples=examples, today=dt.date(2025, 3, 1)
    )
    lines = {
        entry.get("field"): entry
        for entry in map(json.loads, context.system.split("<model>\n")[1].split("</model>")[0].splitlines())
    }  # fmt: skip
    assert lines["customers.country"]["values"] == ["DE", "FR"]
    assert lines["orders.order_date"]["range"] == ["2024-01-02", "2024-10-27"]
    assert lines["orders.amount"]["synonyms"] == ["revenue"]
    assert "Today is 2025-03-01." in context.system
    assert "Revenue per country" in context.system and "Stale" not in context.system
    assert context.tables == ("orders", "customers") and not context.omitted


def test_the_conversations_tables_come_first(paths: dict[str, Path]) -> None:
    catalog = build_catalog(shop_model(), paths)
    history = [Turn("By country", semantic_query={"dimensions": ["customers.country"]})]
    assert build_context("now only 2024", catalog, history=history).tables[0] == "customers"
    assert build_context("now only 2024", catalog).tables[0] == "orders"


def test_the_explanation_reads_the_executed_query(paths: dict[str, Path]) -> None:
    catalog = build_catalog(shop_model(), paths)
    query = SemanticQuery(
        measures=["orders.amount", "orders.count"],
        dimensions=["orders.order_date.month"],
        filters=[
            Filter(field="customers.country", op="in", value=["FR", "DE"]),
            Filter(field="orders.order_date", op="between", value=["2024-01-01", "2024-06-30"]),
        ],
        sort=[Sort(field="orders.amount", descending=True)],
        limit=5,
    )
    assert describe_query(query, catalog) == (
        "Sum of Amount and Number of orders by Month of Order date, for Country in FR, DE; "
        "Order date between 2024-01-01 and 2024-06-30; sorted by Sum of Amount (highest first); "
        "top 5."
    )


def test_rows_an_inner_join_drops_are_counted(paths: dict[str, Path]) -> None:
    model = shop_model()
    model.joins[0].type = "inner"
    catalog = build_catalog(model, paths)
    engine = SemanticEngine(model, paths)
    query = SemanticQuery(measures=["orders.amount"], dimensions=["customers.country"])
    notes = left_out(
        query, engine.execute(query), catalog=catalog, model=model, run_semantic=engine.execute
    )
    missing = raw(
        paths,
        "SELECT count(*) FROM orders WHERE customer_id NOT IN (SELECT customer_id FROM customers)",
    )[0][0]
    assert missing == 30
    assert notes == ["30 orders have no matching Country and are left out."]
