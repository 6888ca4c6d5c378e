"""New vs returning (``first_seen``) refused with a message naming the part at fault, before
any data is read."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from pipelines.dashboards.reach import FilterReach
from pipelines.semantic import SemanticEngine, SemanticError, SemanticQuery
from pipelines.semantic.model import CalculatedMeasure, Column

from .engines import Bind
from .first_seen_data import orders_model, write_orders

MONTH = "orders.order_date.month"


@pytest.fixture(scope="module")
def paths(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return write_orders(tmp_path_factory.mktemp("first_seen_errors"))


@pytest.fixture
def engine(paths: dict[str, Path], bind: Bind) -> Iterator[SemanticEngine]:
    model = orders_model()
    customers = model.table("customers")
    assert customers is not None
    customers.columns.append(Column(name="signup_date", type="date"))
    model.measures.append(
        CalculatedMeasure(name="new_or_returning", table="orders", expression="count(*)")
    )
    engine = bind(model, paths)
    yield engine
    engine.close()


def refused(engine: SemanticEngine, **parts: Any) -> SemanticError:
    parts.setdefault("measures", ["orders.amount"])
    parts.setdefault("dimensions", [MONTH])
    parts.setdefault("first_seen", {"entity": "orders.customer_id"})
    with pytest.raises(SemanticError) as caught:
        engine.compiled(SemanticQuery(**parts))
    return caught.value


@pytest.mark.parametrize(
    ("parts", "field", "words"),
    [
        ({"dimensions": ["orders.channel"]}, "first_seen", "needs a time dimension with a grain"),
        ({"dimensions": ["orders.order_date"]}, "first_seen", "'table.date_column.month'"),
        (
            {"dimensions": [MONTH, "customers.signup_date.year"]},
            "customers.signup_date.year",
            "several time dimensions",
        ),
        (
            {"first_seen": {"entity": "orders.customer_id", "date": "customers.signup_date"}},
            "customers.signup_date",
            "is not the column of the query's time dimension 'orders.order_date.month'",
        ),
        (
            {"first_seen": {"entity": "orders.customer_id", "date": "orders.channel"}},
            "orders.channel",
            "is text, not a date or timestamp",
        ),
        (
            {"first_seen": {"entity": "orders.customer_id.month"}},
            "orders.customer_id.month",
            "write it as table.column",
        ),
        (
            {"first_seen": {"entity": "orders.client"}},
            "orders.client",
            "has no column 'client'",
        ),
        (
            {
                "dimensions": ["customers.signup_date.month"],
                "measures": ["customers.count"],
            },
            "orders.customer_id",
            "matches many rows of",
        ),
        ({"measures": ["new_or_returning"]}, "new_or_returning", "rename the measure"),
        (
            {"over_time": {"start": "orders.order_date"}, "dimensions": []},
            "first_seen",
            "not available on an over-time query",
        ),
        (
            {"sort": [{"field": "entities"}]},
            "entities",
            "Sort field 'entities' is not in the query",
        ),
    ],
)
def test_refused_naming_the_field(
    engine: SemanticEngine, parts: dict[str, Any], field: str, words: str
) -> None:
    error = refused(engine, **parts)
    assert error.field == field
    assert words in error.message


def test_the_part_is_plain_data_with_known_keys() -> None:
    with pytest.raises(ValidationError, match="extra"):
        SemanticQuery(measures=["orders.amount"], first_seen={"entity": "o.c", "grain": "month"})
    query = SemanticQuery(
        measures=["orders.amount"], dimensions=[MONTH],
        first_seen={"entity": "orders.customer_id", "count": True},
    )  # fmt: skip
    assert SemanticQuery.model_validate_json(query.model_dump_json()) == query


def test_dashboard_checks_accept_sorting_by_the_added_columns() -> None:
    reach = FilterReach(orders_model())
    query = SemanticQuery(
        dimensions=[MONTH], first_seen={"entity": "customers.customer_id", "count": True},
        sort=[{"field": "new_or_returning"}, {"field": "entities", "descending": True}],
    )  # fmt: skip
    reach.check_query(query)
    assert reach.roots(query) == ["orders"]
    assert reach.why_not(query, "customers") is None
    with pytest.raises(SemanticError, match="Sort field 'new_or_returning'"):
        reach.check_query(query.model_copy(update={"first_seen": None}))
