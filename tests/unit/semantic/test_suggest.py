"""Suggestions from source profiles: roles, primary keys and joins, on the demo samples and on
small generated Parquet files; accepting them keeps the model valid."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from app.demo import DEMO_WORKSPACES
from pipelines.ingest import ingest_file
from pipelines.semantic import (
    Column,
    SemanticError,
    SemanticModel,
    SourceColumn,
    SourceSchema,
    Suggestion,
    Table,
    apply_suggestion,
    suggest,
    table_from_source,
    validate,
)
from pipelines.semantic.roles import column_defaults

Sources = dict[str, SourceSchema]


def ingest_workspace(name: str, folder: Path) -> Sources:
    """Ingest a demo workspace's CSV files to Parquet; sources keyed by source id."""
    workspace = next(w for w in DEMO_WORKSPACES if w.name == name)
    sources: Sources = {}
    for demo in workspace.sources:
        result = ingest_file(demo.path, folder / f"{demo.name}.parquet")
        source_id = f"src-{demo.name}"
        sources[source_id] = SourceSchema.from_profile(
            source_id, demo.name, result.profile, result.path
        )
    return sources


@pytest.fixture(scope="module")
def sales(tmp_path_factory: pytest.TempPathFactory) -> Sources:
    return ingest_workspace("Sales", tmp_path_factory.mktemp("sales"))


@pytest.fixture(scope="module")
def hr(tmp_path_factory: pytest.TempPathFactory) -> Sources:
    return ingest_workspace("HR", tmp_path_factory.mktemp("hr"))


def model_of(sources: Sources) -> SemanticModel:
    taken: set[str] = set()
    tables = []
    for source in sources.values():
        table = table_from_source(source, taken)
        taken.add(table.name)
        tables.append(table)
    return SemanticModel(tables=tables)


def without_paths(sources: Sources) -> Sources:
    return {
        k: SourceSchema(s.source_id, s.name, s.row_count, s.columns) for k, s in sources.items()
    }


def by_id(suggestions: list[Suggestion]) -> dict[str, Suggestion]:
    return {s.id: s for s in suggestions}


def table(model: SemanticModel, name: str) -> Table:
    found = model.table(name)
    assert found is not None
    return found


def column(model: SemanticModel, table_name: str, name: str) -> Column:
    found = table(model, table_name).column(name)
    assert found is not None
    return found


# -- tables from sources -------------------------------------------------------------------------
def test_tables_from_the_sales_sample_get_their_primary_keys(sales: Sources) -> None:
    model = model_of(sales)
    keys = {t.name: t.primary_key for t in model.tables}
    assert keys == {
        "customers": "customer_id",
        "products": "product_id",
        "orders": "order_id",
        "order_items": "n_ligne",
    }


def test_amount_becomes_a_summed_currency_measure(sales: Sources) -> None:
    total = column(model_of(sales), "orders", "total_amount")
    assert (total.role, total.aggregation) == ("measure", "sum")
    assert total.format is not None and total.format.kind == "currency"


def test_keys_text_and_dates_become_dimensions(sales: Sources) -> None:
    model = model_of(sales)
    for table_name, name in [
        ("orders", "customer_id"),
        ("orders", "order_id"),
        ("orders", "status"),
        ("order_items", "n_commande"),
        ("order_items", "ref_article"),
    ]:
        col = column(model, table_name, name)
        assert (col.role, col.aggregation) == ("dimension", None), name
    order_date = column(model, "orders", "order_date")
    assert order_date.role == "dimension"
    assert order_date.grains == ["day", "week", "month", "quarter", "year"]


def test_prices_are_averaged_and_quantities_summed(sales: Sources) -> None:
    model = model_of(sales)
    price = column(model, "order_items", "prix_unitaire")
    quantity = column(model, "order_items", "quantite")
    assert (price.role, price.aggregation) == ("measure", "avg")
    assert (quantity.role, quantity.aggregation) == ("measure", "sum")
    assert quantity.format is not None and quantity.format.kind == "number"
    assert column(model, "order_items", "prix_unitaire").label == "Prix unitaire"


def test_table_names_are_safe_and_unique() -> None:
    source = SourceSchema("s1", "Order lines 2024 (FR)", 0, ())
    assert table_from_source(source, set()).name == "order_lines_2024_fr"
    assert table_from_source(source, {"order_lines_2024_fr"}).name == "order_lines_2024_fr_2"
    named = table_from_source(source, set())
    assert (named.label, named.source_id) == ("Order lines 2024 (FR)", "s1")
    assert table_from_source(SourceSchema("s2", "order", 0, ()), set()).name == "order_"
    assert table_from_source(SourceSchema("s3", "日本", 0, ()), set()).name == "table"


def test_tables_from_the_sample_are_valid(sales: Sources) -> None:
    assert validate(model_of(sales), sales) == []


# -- role defaults ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "type_", "high", "role", "aggregation", "kind"),
    [
        ("total_amount", "decimal", 99.0, "measure", "sum", "currency"),
        ("unit_price", "decimal", 9.9, "measure", "avg", "currency"),
        ("discount_rate", "decimal", 0.3, "measure", "avg", "percent"),
        ("remise_pct", "integer", 40, "measure", "avg", "number"),
        ("quantity", "integer", 30, "measure", "sum", "number"),
        ("total_quantity", "integer", 30, "measure", "sum", "number"),
        ("customer_age", "integer", 90, "measure", "avg", "number"),
        ("customer_id", "integer", 420, "dimension", None, None),
        ("n_commande", "integer", 102000, "dimension", None, None),
        ("zip_code", "integer", 99999, "dimension", None, None),
        ("year", "integer", 2024, "dimension", None, None),
        ("phone_number", "integer", 9, "dimension", None, None),
        ("separate", "decimal", 9, "measure", "sum", "number"),
        ("country", "text", None, "dimension", None, None),
        ("is_active", "boolean", None, "dimension", None, None),
    ],
)
def test_column_defaults_from_name_and_type(
    name: str, type_: str, high: object, role: str, aggregation: str | None, kind: str | None
) -> None:
    defaults = column_defaults(name, type_, high=high)
    assert (defaults.role, defaults.aggregation) == (role, aggregation)
    assert (defaults.format.kind if defaults.format else None) == kind


# -- join suggestions ------------------------------------------------------------------------------
def test_orders_customer_id_is_suggested_as_a_join_to_customers(sales: Sources) -> None:
    found = by_id(suggest(model_of(sales), sales))
    s = found["join:orders.customer_id->customers.customer_id"]
    assert s.kind == "join" and s.join is not None
    assert (s.join.left_table, s.join.right_table) == ("orders", "customers")
    assert (s.join.on[0].left, s.join.on[0].right) == ("customer_id", "customer_id")
    assert (s.join.type, s.join.cardinality) == ("left", "many_to_one")
    assert s.message == (
        "orders.customer_id looks like a key to customers "
        "(100% of its values are in customers.customer_id)"
    )


def test_french_order_lines_join_orders_by_value_overlap(sales: Sources) -> None:
    found = by_id(suggest(model_of(sales), sales))
    s = found["join:order_items.n_commande->orders.order_id"]
    assert s.join is not None and s.join.cardinality == "many_to_one"
    assert "100% of its values are in orders.order_id" in s.message
    assert "join:order_items.ref_article->products.product_id" in found


def test_sales_sample_gets_exactly_the_three_true_joins(sales: Sources) -> None:
    joins = {s.id for s in suggest(model_of(sales), sales) if s.kind == "join"}
    assert joins == {
        "join:orders.customer_id->customers.customer_id",
        "join:order_items.n_commande->orders.order_id",
        "join:order_items.ref_article->products.product_id",
    }


def test_name_matched_joins_rank_before_value_overlap_joins(sales: Sources) -> None:
    joins = [s.id for s in suggest(model_of(sales), sales) if s.kind == "join"]
    assert joins[0] == "join:orders.customer_id->customers.customer_id"


def test_hr_employees_join_departments(hr: Sources) -> None:
    found = by_id(suggest(model_of(hr), hr))
    s = found["join:employees.department_id->departments.department_id"]
    assert s.join is not None and s.join.cardinality == "many_to_one"
    assert "join:movements.employee_id->employees.employee_id" in found


def test_without_files_joins_come_from_names_only(sales: Sources) -> None:
    plain = without_paths(sales)
    found = by_id(suggest(model_of(plain), plain))
    s = found["join:orders.customer_id->customers.customer_id"]
    assert "has the name of customers's key customers.customer_id" in s.message
    assert "join:order_items.n_commande->orders.order_id" not in found


def test_joins_already_in_the_model_are_not_suggested_again(sales: Sources) -> None:
    model = model_of(sales)
    first = by_id(suggest(model, sales))["join:orders.customer_id->customers.customer_id"]
    model = apply_suggestion(model, first)
    assert first.id not in by_id(suggest(model, sales))


def test_no_join_suggestion_would_make_a_cycle(hr: Sources) -> None:
    model = model_of(hr)
    found = by_id(suggest(model, hr))
    for key in (
        "join:employees.department_id->departments.department_id",
        "join:movements.employee_id->employees.employee_id",
    ):
        model = apply_suggestion(model, found[key])
    # movements -> departments would be a second path movements -> employees -> departments
    assert [s for s in suggest(model, hr) if s.kind == "join"] == []
    assert validate(model, hr) == []


def test_accepting_every_suggestion_keeps_the_model_valid(sales: Sources) -> None:
    model = model_of(sales)
    for _ in range(10):
        suggestions = suggest(model, sales)
        if not suggestions:
            break
        model = apply_suggestion(model, suggestions[0])
        assert [i for i in validate(model, sales) if i.level == "error"] == []
    assert suggest(model, sales) == []
    assert len(model.joins) == 3


def test_low_overlap_drops_a_name_matched_join(tmp_path: Path) -> None:
    con = duckdb.connect()
    a, b = tmp_path / "visits.parquet", tmp_path / "customers.parquet"
    con.execute(
        f"COPY (SELECT i AS visit_id, i + 1000 AS customer_id FROM range(100) t(i)) TO '{a}'"
    )
    con.execute(f"COPY (SELECT i AS customer_id FROM range(1030) t(i)) TO '{b}'")
    sources = {
        "v": SourceSchema(
            "v",
            "visits",
            100,
            (
                SourceColumn("visit_id", "visit_id", "integer", 0, 100),
                SourceColumn("customer_id", "customer_id", "integer", 0, 100),
            ),
            a,
        ),
        "c": SourceSchema(
            "c",
            "customers",
            1030,
            (SourceColumn("customer_id", "customer_id", "integer", 0, 1030),),
            b,
        ),
    }
    assert [s for s in suggest(model_of(sources), sources) if s.kind == "join"] == []
    plain = without_paths(sources)
    assert [s.id for s in suggest(model_of(plain), plain) if s.kind == "join"] == [
        "join:visits.customer_id->customers.customer_id"
    ]


def test_tables_sharing_a_key_get_one_one_to_one_join(tmp_path: Path) -> None:
    con = duckdb.connect()
    sources: Sources = {}
    for name, extra in (("customers", "i % 3 AS segment"), ("customer_details", "i * 2 AS score")):
        path = tmp_path / f"{name}.parquet"
        con.execute(f"COPY (SELECT i AS customer_id, {extra} FROM range(40) t(i)) TO '{path}'")
        columns = (
            SourceColumn("customer_id", "customer_id", "integer", 0, 40),
            SourceColumn(extra.split()[-1], extra.split()[-1], "integer", 0, 10),
        )
        sources[name] = SourceSchema(name, name, 40, columns, path)
    joins = [s for s in suggest(model_of(sources), sources) if s.kind == "join"]
    assert len(joins) == 1
    assert joins[0].join is not None and joins[0].join.cardinality == "one_to_one"


# -- primary keys ----------------------------------------------------------------------------------
def test_primary_key_is_suggested_for_a_table_without_one(sales: Sources) -> None:
    model = model_of(sales)
    table(model, "orders").primary_key = None
    s = by_id(suggest(model, sales))["primary_key:orders.order_id"]
    assert (
        s.message == "orders.order_id looks like the primary key of orders (every value is unique)"
    )
    assert table(apply_suggestion(model, s), "orders").primary_key == "order_id"
    assert table(model, "orders").primary_key is None  # apply returns a copy


def test_primary_key_guess_is_checked_on_the_data(tmp_path: Path) -> None:
    path = tmp_path / "events.parquet"
    duckdb.connect().execute(
        f"COPY (SELECT CASE WHEN i = 7 THEN 3 ELSE i END AS event_id, i * 10 AS code_id "
        f"FROM range(50) t(i)) TO '{path}'"
    )
    columns = (  # the profile's estimate says both look unique
        SourceColumn("event_id", "event_id", "integer", 0, 50),
        SourceColumn("code_id", "code_id", "integer", 0, 50),
    )
    assert table_from_source(SourceSchema("e", "events", 50, columns), set()).primary_key == (
        "event_id"
    )
    checked = SourceSchema("e", "events", 50, columns, path)
    assert table_from_source(checked, set()).primary_key == "code_id"


# -- role suggestions ------------------------------------------------------------------------------
def test_roles_are_suggested_for_a_hand_built_table(sales: Sources) -> None:
    orders = sales["src-orders"]
    model = SemanticModel(
        tables=[
            Table(
                name="orders",
                source_id=orders.source_id,
                primary_key="order_id",
                columns=[Column(name=c.name, type=c.type) for c in orders.columns],  # type: ignore[arg-type]
            )
        ]
    )
    found = by_id(suggest(model, sales))
    assert {s.id for s in found.values() if s.kind == "role"} == {"role:orders.total_amount"}
    s = found["role:orders.total_amount"]
    assert (s.role, s.aggregation) == ("measure", "sum")
    assert "make it a measure (sum, shown as currency)" in s.message
    applied = column(apply_suggestion(model, s), "orders", "total_amount")
    assert (applied.role, applied.aggregation) == ("measure", "sum")
    assert applied.format is not None and applied.format.kind == "currency"


def test_summing_a_key_suggests_a_dimension(sales: Sources) -> None:
    model = model_of(sales)
    customer = column(model, "orders", "customer_id")
    customer.role, customer.aggregation = "measure", "sum"
    s = by_id(suggest(model, sales))["role:orders.customer_id"]
    assert (s.role, s.aggregation) == ("dimension", None)
    assert s.message == "orders.customer_id is a key, not an amount: make it a dimension"
    applied = column(apply_suggestion(model, s), "orders", "customer_id")
    assert (applied.role, applied.aggregation) == ("dimension", None)


def test_a_measure_without_aggregation_gets_one(sales: Sources) -> None:
    model = model_of(sales)
    column(model, "orders", "total_amount").aggregation = None
    s = by_id(suggest(model, sales))["role:orders.total_amount"]
    assert s.message == "orders.total_amount is a measure without an aggregation: use sum"
    fixed = apply_suggestion(model, s)
    assert column(fixed, "orders", "total_amount").aggregation == "sum"
    assert validate(fixed, sales) == []


def test_count_distinct_of_a_key_is_left_alone(sales: Sources) -> None:
    model = model_of(sales)
    customer = column(model, "orders", "customer_id")
    customer.role, customer.aggregation = "measure", "count_distinct"
    assert "role:orders.customer_id" not in by_id(suggest(model, sales))


# -- accepting -------------------------------------------------------------------------------------
def test_a_stale_join_suggestion_is_refused(sales: Sources) -> None:
    model = model_of(sales)
    s = by_id(suggest(model, sales))["join:orders.customer_id->customers.customer_id"]
    model = apply_suggestion(model, s)
    with pytest.raises(SemanticError, match="'orders' and 'customers' are already joined"):
        apply_suggestion(model, s)
    model.tables = [t for t in model.tables if t.name != "customers"]
    with pytest.raises(SemanticError, match="table 'customers' is not in the model"):
        apply_suggestion(model, s)


def test_suggestions_as_json_are_json_safe(sales: Sources) -> None:
    model = model_of(sales)
    table(model, "orders").primary_key = None
    data = json.loads(json.dumps([s.as_json() for s in suggest(model, sales)]))
    join = next(d for d in data if d["id"] == "join:orders.customer_id->customers.customer_id")
    assert join["join"]["on"] == [{"left": "customer_id", "right": "customer_id"}]
    assert {d["kind"] for d in data} == {"join", "primary_key"}


# -- sources ---------------------------------------------------------------------------------------
def test_source_schema_from_profile_json(sales: Sources) -> None:
    profile = {
        "row_count": 3,
        "columns": [
            {
                "label": "N° commande",
                "identifier": "n_commande",
                "type": "integer",
                "null_count": 0,
                "distinct_approx": 3,
                "min": 1,
                "max": 3,
            }
        ],
    }
    schema = SourceSchema.from_profile("s", "lines", profile, "/data/lines.parquet")
    assert schema.row_count == 3 and schema.path == Path("/data/lines.parquet")
    assert schema.columns == (SourceColumn("n_commande", "N° commande", "integer", 0, 3, 1, 3),)
    assert sales["src-orders"].column("total_amount") is not None
