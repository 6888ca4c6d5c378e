"""Which engine a semantic query runs on when model tables live in files and databases."""

from __future__ import annotations

import pytest

from app.services.model_homes import choose_home, elsewhere_problems, homes, query_tables
from pipelines.semantic import SemanticError, SemanticModel, SemanticQuery


def mixed_model() -> SemanticModel:
    live = {"connection_id": "c1", "schema_name": "public", "table": "orders"}
    other = {"connection_id": "c2", "schema_name": "public", "table": "stock"}
    return SemanticModel.from_dict(
        {
            "tables": [
                {"name": "orders", "connection": live, "columns": [
                    {"name": "amount", "type": "decimal", "role": "measure", "aggregation": "sum"},
                    {"name": "customer_id", "type": "integer"},
                ]},
                {"name": "customers", "source_id": "s1", "columns": [
                    {"name": "id", "type": "integer"}, {"name": "city", "type": "text"},
                ]},
                {"name": "stock", "connection": other, "columns": [
                    {"name": "units", "type": "integer", "role": "measure", "aggregation": "sum"},
                ]},
            ],
            "joins": [{"id": "j", "left_table": "orders", "right_table": "customers",
                       "on": [{"left": "customer_id", "right": "id"}], "alias": "buyer"}],
            "measures": [{"name": "revenue", "table": "orders", "expression": "sum(amount)"}],
        }
    )  # fmt: skip


NAMES = {"c1": "warehouse", "c2": "inventory"}


def test_the_tables_a_query_names_include_calculated_measures_and_aliases() -> None:
    query = SemanticQuery(measures=["revenue"], dimensions=["buyer.city"])
    assert query_tables(mixed_model(), query) == ["orders", "customers"]


def test_a_query_of_one_databases_tables_runs_there() -> None:
    model = mixed_model()
    anchor, home = choose_home(model, SemanticQuery(measures=["revenue"]), homes(model, NAMES))
    assert (anchor, home.key, home.is_files) == ("orders", "c1", False)


def test_a_query_mixing_a_database_and_a_file_is_refused_naming_both() -> None:
    model = mixed_model()
    query = SemanticQuery(measures=["orders.amount"], dimensions=["customers.city"])
    with pytest.raises(SemanticError) as refused:
        choose_home(model, query, homes(model, NAMES))
    assert str(refused.value) == (
        "orders is in the database “warehouse” and customers is an uploaded file: a query reads "
        "one engine; import a snapshot of orders as a source of the workspace to join them, or "
        "query them separately."
    )
    assert refused.value.field == "customers"


def test_a_query_of_two_databases_is_refused() -> None:
    model = mixed_model()
    query = SemanticQuery(measures=["stock.units", "orders.amount"])
    with pytest.raises(
        SemanticError, match="stock is in the database “inventory” and orders is in"
    ):
        choose_home(model, query, homes(model, NAMES))


def test_tables_elsewhere_carry_the_reason_for_the_engine_to_give() -> None:
    model = mixed_model()
    table_homes = homes(model, NAMES)
    anchor, home = choose_home(model, SemanticQuery(measures=["customers.id"]), table_homes)
    problems = elsewhere_problems(anchor, home, table_homes)
    assert set(problems) == {"orders", "stock"}
    assert problems["orders"].startswith("customers is an uploaded file and orders is in")
