"""A model from nothing: an empty model is offered its sources as tables (with roles, keys and
the joins between them), and accepting them all gives a model that answers at once.

The data is generated here (customers, products, orders as CSV files, ingested to Parquet like
an upload); known answers come from plain DuckDB SQL over the same CSV files.
"""

from __future__ import annotations

import random
from pathlib import Path

import duckdb
import pytest

from pipelines.ingest import ingest_file
from pipelines.semantic import (
    SemanticError,
    SemanticModel,
    SourceSchema,
    Suggestion,
    UnknownSuggestion,
    accept,
    apply_suggestion,
    suggest,
    table_from_source,
    validate,
)

from .helpers import normalise

Sources = dict[str, SourceSchema]
SEGMENTS = ("Retail", "Wholesale", "Online")
CATEGORIES = ("Tools", "Garden", "Kitchen", "Toys")
ORDERS_JOIN_CUSTOMERS = "join:orders.customer_id->customers.customer_id"
ORDERS_JOIN_PRODUCTS = "join:orders.product_id->products.product_id"


def write_shop(folder: Path, seed: int = 7) -> dict[str, Path]:
    """customers.csv (40), products.csv (25), orders.csv (600 rows), seeded."""
    rng = random.Random(seed)
    files = {
        "customers": "customer_id,name,segment,credit_limit\n"
        + "".join(
            f"{i},Customer {i},{rng.choice(SEGMENTS)},{rng.randint(1, 50) * 100}\n"
            for i in range(1, 41)
        ),
        "products": "product_id,category,unit_price\n"
        + "".join(
            f"P{i:03d},{rng.choice(CATEGORIES)},{rng.randint(100, 9999) / 100:.2f}\n"
            for i in range(1, 26)
        ),
        "orders": "order_id,customer_id,product_id,quantity,amount,order_date\n"
        + "".join(
            f"{1000 + i},{rng.randint(1, 40)},P{rng.randint(1, 25):03d},{rng.randint(1, 9)},"
            f"{rng.randint(500, 50000) / 100:.2f},2024-{rng.randint(1, 12):02d}-"
            f"{rng.randint(1, 28):02d}\n"
            for i in range(600)
        ),
    }
    paths = {}
    for name, text in files.items():
        paths[name] = folder / f"{name}.csv"
        paths[name].write_text(text, encoding="utf-8")
    return paths


def ingest(csv: dict[str, Path], folder: Path) -> Sources:
    sources: Sources = {}
    for name, path in csv.items():
        result = ingest_file(path, folder / f"{name}.parquet")
        source_id = f"src-{name}"
        sources[source_id] = SourceSchema.from_profile(source_id, name, result.profile, result.path)
    return sources


@pytest.fixture(scope="module")
def csv(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return write_shop(tmp_path_factory.mktemp("shop_csv"))


@pytest.fixture(scope="module")
def shop(csv: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> Sources:
    return ingest(csv, tmp_path_factory.mktemp("shop_parquet"))


def ids(suggestions: list[Suggestion]) -> list[str]:
    return [s.id for s in suggestions]


def built(shop: Sources) -> SemanticModel:
    """The model "accept all" makes from an empty one, bound to the Parquet files."""
    result = accept(SemanticModel(), suggest(SemanticModel(), shop))
    model = result.model
    model.bind({t.name: shop[t.source_id].path for t in model.tables})  # type: ignore[misc]
    return model


# -- what an empty model is offered --------------------------------------------------------------
def test_an_empty_model_is_offered_each_source_as_a_table_first(shop: Sources) -> None:
    found = suggest(SemanticModel(), shop)

    tables = [s for s in found if s.kind == "table"]
    assert ids(tables) == ["table:src-customers", "table:src-orders", "table:src-products"]
    assert found[:3] == tables
    orders = tables[1].new_table
    assert orders is not None and orders.source_id == "src-orders"
    assert orders.primary_key == "order_id"
    roles = {c.name: (c.role, c.aggregation) for c in orders.columns}
    assert roles["amount"] == ("measure", "sum")
    assert roles["customer_id"] == ("dimension", None)
    assert "Add source “orders” as table orders" in tables[1].message


def test_joins_between_suggested_tables_name_the_tables_they_need(shop: Sources) -> None:
    joins = {s.id: s for s in suggest(SemanticModel(), shop) if s.kind == "join"}

    assert set(joins) == {ORDERS_JOIN_CUSTOMERS, ORDERS_JOIN_PRODUCTS}
    assert joins[ORDERS_JOIN_CUSTOMERS].requires == ("table:src-orders", "table:src-customers")
    join = joins[ORDERS_JOIN_CUSTOMERS].join
    assert join is not None and join.cardinality == "many_to_one"


def test_a_source_already_a_table_is_not_offered_again(shop: Sources) -> None:
    table = table_from_source(shop["src-customers"], set()).model_copy(update={"name": "orders"})
    model = SemanticModel(tables=[table])

    found = suggest(model, shop)

    tables = {s.id: s.table for s in found if s.kind == "table"}
    assert tables == {"table:src-orders": "orders_2", "table:src-products": "products"}
    # A join to a table already in the model needs only the new one.
    join = next(s for s in found if s.id == "join:orders_2.customer_id->orders.customer_id")
    assert join.requires == ("table:src-orders",)


def test_sources_not_given_are_not_offered(shop: Sources) -> None:
    ready = {k: v for k, v in shop.items() if k != "src-products"}
    assert "table:src-products" not in ids(suggest(SemanticModel(), ready))


# -- accepting -----------------------------------------------------------------------------------
def test_accepting_all_from_nothing_builds_tables_keys_and_joins(shop: Sources) -> None:
    result = accept(SemanticModel(), suggest(SemanticModel(), shop))

    model = result.model
    assert [(t.name, t.primary_key) for t in model.tables] == [
        ("customers", "customer_id"),
        ("orders", "order_id"),
        ("products", "product_id"),
    ]
    assert sorted((j.left_table, j.right_table) for j in model.joins) == [
        ("orders", "customers"),
        ("orders", "products"),
    ]
    assert result.skipped == ()
    assert validate(model, shop) == []
    assert suggest(model, shop) == []


def plain(csv: dict[str, Path], sql: str) -> list[tuple[object, ...]]:
    """Rows of ``sql`` in plain DuckDB over views of the CSV files themselves."""
    con = duckdb.connect()
    for name, path in csv.items():
        con.execute(f"CREATE VIEW {name} AS SELECT * FROM read_csv('{path}')")
    return con.execute(sql).fetchall()


def test_the_model_built_from_nothing_answers_a_join_query_like_plain_duckdb(
    shop: Sources, csv: dict[str, Path]
) -> None:
    result = built(shop).query(
        measures=["orders.amount", "orders.quantity"],
        dimensions=["customers.segment", "products.category"],
    )

    expected = plain(
        csv,
        "SELECT c.segment, p.category, sum(o.amount), sum(o.quantity) FROM orders o "
        "LEFT JOIN customers c USING (customer_id) LEFT JOIN products p USING (product_id) "
        "GROUP BY ALL",
    )
    assert len(expected) == len(SEGMENTS) * len(CATEGORIES)
    assert normalise(result.rows) == normalise(expected)


def test_the_built_model_does_not_repeat_a_customer_measure_over_its_orders(
    shop: Sources, csv: dict[str, Path]
) -> None:
    result = built(shop).query(
        measures=["orders.amount", "customers.credit_limit"], dimensions=["customers.segment"]
    )

    expected = plain(
        csv,
        "SELECT segment, a.amount, l.credit_limit FROM "
        "(SELECT c.segment, sum(o.amount) AS amount FROM orders o "
        " LEFT JOIN customers c USING (customer_id) GROUP BY 1) a "
        "JOIN (SELECT segment, sum(credit_limit) AS credit_limit FROM customers GROUP BY 1) l "
        "USING (segment)",
    )
    assert normalise(result.rows) == normalise(expected)


def test_ids_stay_the_same_after_accepting_some(shop: Sources) -> None:
    before = suggest(SemanticModel(), shop)
    model = accept(SemanticModel(), before, ["table:src-products"]).model

    after = suggest(model, shop)

    assert ids(after) == [i for i in ids(before) if i != "table:src-products"]
    join = next(s for s in after if s.id == ORDERS_JOIN_PRODUCTS)
    assert join.requires == ("table:src-orders",)


def test_a_join_accepted_alone_brings_its_tables(shop: Sources) -> None:
    result = accept(SemanticModel(), suggest(SemanticModel(), shop), [ORDERS_JOIN_CUSTOMERS])

    assert result.applied == ("table:src-orders", "table:src-customers", ORDERS_JOIN_CUSTOMERS)
    assert [t.name for t in result.model.tables] == ["orders", "customers"]
    assert [j.id for j in result.model.joins] == ["orders__customers"]


def test_an_unknown_id_is_refused_naming_it(shop: Sources) -> None:
    found = suggest(SemanticModel(), shop)
    with pytest.raises(UnknownSuggestion, match="'table:nope'") as caught:
        accept(SemanticModel(), found, ["table:src-orders", "table:nope"])
    assert caught.value.field == "ids"


def test_a_table_suggestion_accepted_twice_is_refused(shop: Sources) -> None:
    (orders,) = [s for s in suggest(SemanticModel(), shop) if s.id == "table:src-orders"]
    model = apply_suggestion(SemanticModel(), orders)
    with pytest.raises(SemanticError, match="already has a table named 'orders'"):
        apply_suggestion(model, orders)


def test_a_join_closing_a_cycle_is_skipped_with_its_reason(tmp_path: Path) -> None:
    folder = tmp_path / "csv"
    folder.mkdir()
    texts = {
        "regions": "region_id,name\n" + "".join(f"{i},R{i}\n" for i in range(1, 5)),
        "stores": "store_id,region_id\n" + "".join(f"{i},{i % 4 + 1}\n" for i in range(1, 9)),
        "sales": "sale_id,store_id,region_id,amount\n"
        + "".join(f"{i},{i % 8 + 1},{(i % 8 + 1) % 4 + 1},{i}.5\n" for i in range(1, 50)),
    }
    for name, text in texts.items():
        (folder / f"{name}.csv").write_text(text, encoding="utf-8")
    sources = ingest({n: folder / f"{n}.csv" for n in texts}, tmp_path)

    result = accept(SemanticModel(), suggest(SemanticModel(), sources))

    assert len(result.model.joins) == 2
    ((skipped, why),) = result.skipped
    assert skipped.startswith("join:")
    assert "already joined" in why
    assert [i.message for i in validate(result.model, sources) if i.level == "error"] == []
