"""The ERD component's logic: model <-> React Flow nodes and edges, edits, undo, the panels.

Browser messages are fed to the real ReactFlow object the way Panel delivers them
(``flow._handle_msg``), so these tests exercise the editor's event handling without a browser;
tests/ui/test_model.py covers the same in Chromium.
"""

from __future__ import annotations

import asyncio
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import panel as pn
import pytest

from components.model import edits as model_edits
from components.model import graph as erd_graph
from components.model.edits import EditError
from components.model.erd import ErdEditor
from components.model.inspector import Inspector
from components.model.panels import IssuesPanel, MeasuresPanel, SuggestionsPanel
from components.model.try_it import TryIt, number_format, parse_value, with_grain
from pipelines.semantic import (
    CalculatedMeasure,
    Column,
    ColumnPair,
    Join,
    Position,
    SemanticModel,
    SemanticQuery,
    SourceColumn,
    SourceSchema,
    Table,
)


def customers() -> Table:
    return Table(
        name="customers",
        source_id="s-customers",
        label="Customers",
        primary_key="customer_id",
        columns=[
            Column(name="customer_id", type="integer"),
            Column(name="segment", type="text"),
        ],
    )


def orders(position: Position | None = None) -> Table:
    return Table(
        name="orders",
        source_id="s-orders",
        primary_key="order_id",
        position=position,
        columns=[
            Column(name="order_id", type="integer"),
            Column(name="customer_id", type="integer"),
            Column(name="amount", type="decimal", role="measure", aggregation="sum"),
            Column(name="order_date", type="date"),
        ],
    )


def sales(joined: bool = False) -> SemanticModel:
    joins = (
        [
            Join(
                id="orders__customers",
                left_table="orders",
                right_table="customers",
                on=[ColumnPair(left="customer_id", right="customer_id")],
            )
        ]
        if joined
        else []
    )
    return SemanticModel(tables=[orders(Position(x=400, y=40)), customers()], joins=joins)


def browser(editor: ErdEditor, **message: Any) -> None:
    """Deliver a message as the React Flow frontend sends it."""
    editor.flow._handle_msg(message)


# -- model -> React Flow ----------------------------------------------------------------------
def test_handles_are_table_dot_column_after_a_hidden_header_handle() -> None:
    spec = erd_graph.node_type_spec(orders())
    expected = ["orders:header", "orders.order_id", "orders.customer_id", "orders.amount"]
    assert spec["inputs"][:4] == expected
    assert spec["outputs"] == spec["inputs"]
    assert erd_graph.parse_handle("orders.customer_id") == ("orders", "customer_id")
    assert erd_graph.parse_handle("orders:header") is None
    assert erd_graph.parse_handle(None) is None


def test_each_handle_sits_on_the_middle_of_its_column_row() -> None:
    table = orders()
    height = erd_graph.node_height(table)
    handles = len(table.columns) + 1
    for k, _column in enumerate(table.columns, start=1):
        handle_y = (k + 1) * height / (handles + 1)  # React Flow's even spacing
        row_middle = erd_graph.HEADER_PX + (k - 1) * erd_graph.ROW_PX + erd_graph.ROW_PX / 2
        assert handle_y == pytest.approx(row_middle)


def test_nodes_keep_saved_positions_and_place_the_others_on_free_grid_spots() -> None:
    model = SemanticModel(tables=[customers(), orders(Position(x=0, y=0))])
    nodes = {n["id"]: n for n in erd_graph.table_nodes(model)}
    assert nodes["orders"]["position"] == {"x": 0.0, "y": 0.0}
    assert nodes["customers"]["position"] != {"x": 0.0, "y": 0.0}
    assert nodes["customers"]["label"] == "Customers"
    assert nodes["orders"]["type"] == "dp_table_orders"
    read_only = erd_graph.table_nodes(model, editable=False)
    assert not any(n["draggable"] or n["connectable"] for n in read_only)


def test_tables_without_positions_get_grid_spots_that_overlap_nothing() -> None:
    columns = [Column(name=f"c{i:02d}", type="integer") for i in range(50)]
    tables = [Table(name=f"t{n:02d}", source_id="s", columns=columns) for n in range(30)]
    tables[3].position = Position(x=300, y=200)  # dropped where the grid would go
    model = SemanticModel(tables=tables)
    spots = erd_graph.positions(model)
    height = erd_graph.node_height(tables[0])
    boxes = [(p["x"], p["y"]) for p in spots.values()]
    for i, (x1, y1) in enumerate(boxes):
        for x2, y2 in boxes[i + 1 :]:
            assert abs(x1 - x2) >= erd_graph.NODE_WIDTH or abs(y1 - y2) >= height
    assert 5 <= erd_graph.columns_per_row(model) <= 10  # wide enough for a landscape canvas


def test_a_join_is_an_edge_per_column_pair_labelled_with_cardinality_and_type() -> None:
    model = sales(joined=True)
    model.tables[1].position = Position(x=800, y=0)  # customers right of orders
    model.joins[0].on.append(ColumnPair(left="order_id", right="segment"))
    model.joins[0].type = "inner"
    first, second = erd_graph.join_edges(model)
    assert first["id"] == "orders__customers" and second["id"] == "orders__customers#1"
    assert (first["source"], first["target"]) == ("orders", "customers")
    assert first["sourceHandle"] == "orders.customer_id"
    assert first["targetHandle"] == "customers.customer_id"
    assert second["targetHandle"] == "customers.segment"
    assert first["label"] == "N:1 \u00b7 inner" and "label" not in second
    assert "markerEnd" in first  # the arrow points at the join's right table
    assert erd_graph.join_of_edge(second["id"]) == "orders__customers"


def test_an_edge_is_drawn_from_the_table_further_left() -> None:
    model = sales(joined=True)
    model.tables[1].position = Position(x=-800, y=0)  # customers left of orders
    (edge,) = erd_graph.join_edges(model)
    assert (edge["source"], edge["sourceHandle"]) == ("customers", "customers.customer_id")
    assert (edge["target"], edge["targetHandle"]) == ("orders", "orders.customer_id")
    assert "markerStart" in edge and "markerEnd" not in edge
    assert edge["label"] == "N:1 \u00b7 left"  # still read from the join's left table


@pytest.mark.parametrize(
    ("cardinality", "label"),
    [("many_to_one", "N:1"), ("one_to_one", "1:1"), ("one_to_many", "1:N")],
)
def test_edge_label(cardinality: str, label: str) -> None:
    join = Join(
        id="j", left_table="a", right_table="b", on=[ColumnPair(left="x", right="y")],
        cardinality=cardinality,  # type: ignore[arg-type]
    )  # fmt: skip
    assert erd_graph.edge_label(join) == f"{label} \u00b7 left"


# -- edits ---------------------------------------------------------------------------------------
def test_connecting_to_a_primary_key_makes_a_many_to_one_join() -> None:
    model = sales()
    new, join_id = model_edits.connect(model, "orders.customer_id", "customers.customer_id")
    join = new.join(join_id)
    assert join is not None
    assert (join.left_table, join.right_table, join.cardinality) == (
        "orders",
        "customers",
        "many_to_one",
    )
    assert model.joins == []  # the original is untouched


def test_connecting_from_a_primary_key_makes_a_one_to_many_join() -> None:
    new, join_id = model_edits.connect(sales(), "customers.customer_id", "orders.customer_id")
    assert new.join(join_id).cardinality == "one_to_many"  # type: ignore[union-attr]


def test_a_second_pair_between_joined_tables_extends_the_join() -> None:
    model, join_id = model_edits.connect(sales(), "orders.customer_id", "customers.customer_id")
    model, again = model_edits.connect(model, "customers.segment", "orders.order_id")
    assert again == join_id and len(model.joins) == 1
    assert model.joins[0].on[1] == ColumnPair(left="order_id", right="segment")
    with pytest.raises(EditError, match="already joined"):
        model_edits.connect(model, "orders.customer_id", "customers.customer_id")


@pytest.mark.parametrize(
    ("source", "target", "message"),
    [
        ("orders.order_id", "orders.order_id", "same column"),
        ("orders:header", "customers.customer_id", "Drag from a column"),
        ("orders.nope", "customers.customer_id", "no column 'nope'"),
        ("ghost.id", "customers.customer_id", "Table 'ghost'"),
    ],
)
def test_refused_connections_say_why(source: str, target: str, message: str) -> None:
    with pytest.raises(EditError, match=message):
        model_edits.connect(sales(), source, target)


def test_disconnecting_the_last_pair_removes_the_join() -> None:
    model = sales(joined=True)
    model.joins[0].on.append(ColumnPair(left="order_id", right="segment"))
    fewer = model_edits.disconnect(model, "orders__customers#1")
    assert len(fewer.joins[0].on) == 1
    assert model_edits.disconnect(fewer, "orders__customers").joins == []


def test_deleting_several_edges_of_one_join_at_once() -> None:
    model = sales(joined=True)
    model.joins[0].on += [
        ColumnPair(left="order_id", right="segment"),
        ColumnPair(left="amount", right="customer_id"),
    ]
    left = model_edits.disconnect_many(model, ["orders__customers#1", "orders__customers#2"])
    assert left.joins[0].on == [ColumnPair(left="customer_id", right="customer_id")]


def test_removing_a_table_removes_its_joins_and_measures() -> None:
    model = sales(joined=True)
    model.measures.append(
        CalculatedMeasure(name="revenue", table="orders", expression="sum(amount)")
    )
    left = model_edits.remove_table(model, "orders")
    assert [t.name for t in left.tables] == ["customers"]
    assert left.joins == [] and left.measures == []


def test_a_number_made_a_measure_gets_the_aggregation_its_name_suggests() -> None:
    table = orders()
    table.columns += [
        Column(name="dep_delay", type="integer"),
        Column(name="quantity", type="integer"),
        Column(name="year", type="integer"),
    ]
    model = SemanticModel(tables=[table])
    for name, expected in (("dep_delay", "avg"), ("quantity", "sum"), ("year", "count_distinct")):
        model = model_edits.update_column(model, "orders", name, role="measure")
        assert model.table("orders").column(name).aggregation == expected  # type: ignore[union-attr]


def test_a_measure_gets_a_default_aggregation_and_a_dimension_loses_it() -> None:
    model = model_edits.update_column(sales(), "orders", "order_id", role="measure")
    # A sum of identifiers means nothing: an id made a measure counts distinct values.
    assert model.table("orders").column("order_id").aggregation == "count_distinct"  # type: ignore[union-attr]
    model = model_edits.update_column(model, "customers", "segment", role="measure")
    segment = model.table("customers").column("segment")  # type: ignore[union-attr]
    assert (segment.role, segment.aggregation) == ("measure", "count_distinct")  # type: ignore[union-attr]
    model = model_edits.update_column(model, "customers", "segment", role="dimension")
    assert model.table("customers").column("segment").aggregation is None  # type: ignore[union-attr]
    with pytest.raises(EditError, match="type"):
        model_edits.update_column(model, "orders", "amount", type="text")


def test_a_primary_key_must_be_a_column_of_the_table() -> None:
    with pytest.raises(EditError, match="no column 'nope'"):
        model_edits.update_table(sales(), "orders", primary_key="nope")
    model = model_edits.update_table(sales(), "orders", primary_key=None, label="Sales orders")
    assert model.table("orders").primary_key is None  # type: ignore[union-attr]


def test_calculated_measures_are_added_replaced_and_names_stay_unique() -> None:
    revenue = CalculatedMeasure(name="revenue", table="orders", expression="sum(amount)")
    model = model_edits.upsert_measure(sales(), revenue)
    with pytest.raises(EditError, match="already exists"):
        model_edits.upsert_measure(model, revenue)
    doubled = revenue.model_copy(update={"expression": "sum(amount) * 2"})
    model = model_edits.upsert_measure(model, doubled, replacing="revenue")
    assert [m.expression for m in model.measures] == ["sum(amount) * 2"]
    assert model_edits.delete_measure(model, "revenue").measures == []


def test_unsaved_changes_ignore_the_version_and_suggestions_ignore_moves() -> None:
    model = sales()
    assert model_edits.content(model) == model_edits.content(
        model.model_copy(update={"version": 9})
    )
    moved = model_edits.move_tables(model, {"orders": {"x": 1, "y": 2}})
    assert model_edits.content(moved) != model_edits.content(model)
    assert model_edits.structure(moved) == model_edits.structure(model)
    assert all(t.position is not None for t in model_edits.place_all(model).tables)


# -- the editor ------------------------------------------------------------------------------------
def test_the_editor_shows_tables_columns_and_joins() -> None:
    editor = ErdEditor(model=sales(joined=True))
    assert [n["id"] for n in editor.flow.nodes] == ["orders", "customers"]
    assert editor.flow.edges[0]["label"] == "N:1 \u00b7 left"
    rows = editor.table_view("orders").columns  # type: ignore[union-attr]
    assert [(r["name"], r["role"]) for r in rows][:3] == [
        ("order_id", "dimension"),
        ("customer_id", "dimension"),
        ("amount", "measure"),
    ]
    assert rows[0]["key"] is True


def test_drawing_a_join_in_the_browser_adds_it_and_undo_removes_it() -> None:
    editor = ErdEditor(model=sales())
    browser(
        editor,
        type="edge_added",
        edge={
            "id": "orders->customers",
            "source": "orders",
            "target": "customers",
            "sourceHandle": "orders.customer_id",
            "targetHandle": "customers.customer_id",
        },
    )
    assert [j.id for j in editor.model.joins] == ["orders__customers"]
    assert [e["id"] for e in editor.flow.edges] == ["orders__customers"]
    assert editor.selection == {"kind": "join", "join": "orders__customers"}
    assert editor.can_undo
    assert editor.undo()
    assert editor.model.joins == [] and editor.flow.edges == []


def test_a_refused_connection_is_explained_and_leaves_no_edge() -> None:
    editor = ErdEditor(model=sales())
    browser(
        editor,
        type="edge_added",
        edge={"source": "orders", "target": "orders", "sourceHandle": "orders.order_id",
              "targetHandle": "orders.order_id"},
    )  # fmt: skip
    assert "same column" in editor.message
    assert editor.model.joins == [] and editor.flow.edges == []


def test_moves_deletes_and_clicks_from_the_browser() -> None:
    editor = ErdEditor(model=sales(joined=True))
    browser(editor, type="node_moved", node_id="customers", position={"x": 12.3, "y": 45.6})
    assert editor.model.table("customers").position == Position(x=12.3, y=45.6)  # type: ignore[union-attr]
    browser(editor, type="handle_clicked", node_id="orders", handle_id="orders.amount",
            direction="output", position={"x": 0, "y": 0})  # fmt: skip
    assert editor.selection == {"kind": "column", "table": "orders", "column": "amount"}
    assert editor.table_view("orders").selected == "amount"  # type: ignore[union-attr]
    editor.table_view("customers")._handle_msg({"column": "segment"})  # type: ignore[union-attr]
    assert editor.selection == {"kind": "column", "table": "customers", "column": "segment"}
    editor.table_view("customers")._handle_msg({"header": True})  # type: ignore[union-attr]
    assert editor.selection == {"kind": "table", "table": "customers"}
    browser(editor, type="edge_clicked", edge_id="orders__customers", position={"x": 0, "y": 0})
    assert editor.selection == {"kind": "join", "join": "orders__customers"}
    browser(editor, type="edge_deleted", edge_id="orders__customers")
    assert editor.model.joins == [] and editor.selection == {}
    browser(editor, type="node_deleted", node_id="orders")
    assert [t.name for t in editor.model.tables] == ["customers"]
    while editor.undo():
        pass
    assert editor.model == sales(joined=True)


def test_a_read_only_editor_ignores_edits_from_the_browser() -> None:
    editor = ErdEditor(model=sales(), editable=False)
    assert editor.flow.editable is False and editor.flow.enable_connect is False
    browser(
        editor,
        type="edge_added",
        edge={"source": "orders", "target": "customers", "sourceHandle": "orders.customer_id",
              "targetHandle": "customers.customer_id"},
    )  # fmt: skip
    browser(editor, type="node_moved", node_id="orders", position={"x": 1, "y": 1})
    assert editor.model == sales() and editor.flow.edges == []
    assert not editor.can_undo


def test_adding_sources_as_tables() -> None:
    source = SourceSchema(
        source_id="s-products",
        name="Products",
        row_count=3,
        columns=(
            SourceColumn(name="product_id", label="Product id", type="integer", distinct_approx=3),
            SourceColumn(name="price", label="Price", type="decimal", distinct_approx=3),
        ),
    )
    editor = ErdEditor(model=sales(), sources=[source])
    assert editor.add_all_sources()
    added = editor.model.table("products")
    assert added is not None and added.position is not None
    assert added.column("price").role == "measure"  # type: ignore[union-attr]
    assert not editor.add_all_sources()
    assert "already" in editor.message


def test_the_editor_renders_outside_a_server(document: Any) -> None:
    """What a notebook does: build the Bokeh models with no server session."""
    editor = ErdEditor(model=sales(joined=True))
    root = pn.panel(editor).get_root(document)
    flow_model, _parent = editor.flow._models[root.ref["id"]]
    data = flow_model.data
    assert [n["id"] for n in data.nodes] == ["orders", "customers"]
    assert len(data._views) == 2  # the column lists, one per node
    assert {data.edges[0]["sourceHandle"], data.edges[0]["targetHandle"]} == {
        "orders.customer_id",
        "customers.customer_id",
    }


@pytest.fixture
def document() -> Any:
    from bokeh.document import Document

    return Document()


# -- the panels -------------------------------------------------------------------------------------
def test_the_inspector_changes_the_selected_column() -> None:
    editor = ErdEditor(model=sales())
    inspector = Inspector(editor=editor)
    editor.select("column", table="customers", column="segment")
    inspector._role.value = "measure"
    inspector._aggregation.value = "count"
    segment = editor.model.table("customers").column("segment")  # type: ignore[union-attr]
    assert (segment.role, segment.aggregation) == ("measure", "count")  # type: ignore[union-attr]
    editor.select("join", join="nope")
    assert inspector._hint.visible


def test_the_measures_panel_checks_the_expression_before_adding() -> None:
    editor = ErdEditor(model=sales())
    panel = MeasuresPanel(editor=editor)
    panel._name.value, panel._table.value = "revenue", "orders"
    panel._expression.value = "sum(amount) / count(nope)"
    panel._submit()
    assert panel._error.visible and "nope" in panel._error.object
    assert editor.model.measures == []
    panel._expression.value = "sum(amount)"
    panel._submit()
    assert [m.name for m in editor.model.measures] == ["revenue"]


def test_issues_are_listed_errors_first() -> None:
    from pipelines.semantic.validate import validate

    model = model_edits.update_column(sales(), "customers", "segment", role="measure")
    model = model_edits.update_column(model, "customers", "segment", aggregation="sum")
    panel = IssuesPanel(issues=validate(model))
    assert "aggregation_needs_number" in panel._pane.object
    assert "customers.segment" in panel._pane.object
    assert "No problems" in IssuesPanel(issues=[])._pane.object


def test_applying_a_suggestion_goes_through_the_editor() -> None:
    from pipelines.semantic.suggest import Suggestion

    join = Join(
        id="orders__customers", left_table="orders", right_table="customers",
        on=[ColumnPair(left="customer_id", right="customer_id")],
    )  # fmt: skip
    editor = ErdEditor(model=sales())
    panel = SuggestionsPanel(
        editor=editor,
        suggestions=[Suggestion(id="join:x", kind="join", message="join them", join=join)],
    )
    panel._apply_many(list(panel.suggestions))
    assert [j.id for j in editor.model.joins] == ["orders__customers"]
    assert panel.suggestions == [] and editor.can_undo


# -- try it ----------------------------------------------------------------------------------------
def test_try_it_builds_the_query_from_the_pickers() -> None:
    model = sales(joined=True)
    assert with_grain(model, ["orders.order_date", "customers.segment"], "month") == [
        "orders.order_date.month",
        "customers.segment",
    ]
    assert parse_value("in", "1, 2,3", "integer") == [1, 2, 3]
    assert parse_value("between", "2024-01-01, 2024-02-01", "date") == [
        "2024-01-01",
        "2024-02-01",
    ]
    assert parse_value("is_null", "ignored", "text") is None


def test_try_it_runs_the_engine_and_names_the_field_at_fault(tmp_path: Path) -> None:
    from pipelines.semantic.engine import run_query

    paths = write_sales(tmp_path)
    model = sales(joined=True)
    ran: list[SemanticQuery] = []

    def run(query: SemanticQuery) -> Any:
        ran.append(query)
        return run_query(panel.model, query, paths)  # the model as it is now

    panel = TryIt(model=model, run=run)
    panel._measures.value = ["orders.amount"]
    panel._dimensions.value = ["customers.segment"]
    panel._filter_field.value = "customers.segment"
    panel._filter_op.value = "eq"
    panel._filter_value.value = "Retail"
    result = asyncio.run(panel.execute())
    assert result is not None and result.rows == [["Retail", pytest.approx(40.0)]]
    assert "JOIN" in result.sql.upper() and panel._sql.visible
    assert ran[0].filters[0].value == "Retail"

    panel._measures.value = []
    panel._dimensions.value = []
    assert asyncio.run(panel.execute()) is None
    assert "Pick at least one" in panel.error

    panel.model = model_edits.update_column(model, "orders", "amount", role="dimension")
    assert panel._measures.value == []  # no longer offered
    panel._dimensions.value = ["orders.amount"]
    panel._filter_field.value = "orders.order_date"
    panel._filter_op.value = "gt"
    panel._filter_value.value = "not a date"
    assert asyncio.run(panel.execute()) is None
    assert "order_date" in panel.error


def test_try_it_offers_row_counts_and_measure_columns_as_dimensions(tmp_path: Path) -> None:
    from pipelines.semantic.engine import run_query

    paths = write_sales(tmp_path)
    panel = TryIt(model=sales(joined=True), run=lambda q: run_query(panel.model, q, paths))
    measures = panel._measures.options
    assert measures["Number of orders"] == "orders.count"
    assert measures["Number of customers"] == "customers.count"
    assert panel._dimensions.options["orders \u00b7 amount"] == "orders.amount"
    assert "orders.amount" in panel._filter_field.options.values()
    panel._measures.value = ["orders.count", "orders.amount"]
    panel._dimensions.value = ["customers.segment"]
    panel._filter_field.value = "orders.amount"
    panel._filter_op.value = "gte"
    panel._filter_value.value = "20"
    result = asyncio.run(panel.execute())
    assert result is not None
    assert result.rows == [["Retail", 1, pytest.approx(30.0)], ["Wholesale", 1, 20.0]]
    assert result.labels["orders.count"] == "Number of orders"
    assert number_format(panel.model, "orders.count") == {
        "type": "money", "precision": 0, "thousand": ",", "decimal": ".",
    }  # fmt: skip


def test_try_it_sends_an_exact_decimal_sum_to_the_browser_as_a_number(tmp_path: Path) -> None:
    from bokeh.document import Document

    from pipelines.semantic.engine import run_query

    paths = write_sales(tmp_path)  # amount is a DECIMAL column, as ingest stores money
    panel = TryIt(model=sales(joined=True), run=lambda q: run_query(panel.model, q, paths))
    panel._measures.value = ["orders.amount"]
    panel._dimensions.value = ["customers.segment"]
    result = asyncio.run(panel.execute())
    assert result is not None and result.rows[0][1] == Decimal("40.0")

    table = panel._table_slot.objects[0]
    document = Document()
    document.add_root(table.get_root())
    document.to_json()  # what Panel sends; a Decimal cannot be serialised
    assert list(table.value["c1"]) == [40.0, 20.0]


def write_sales(folder: Path) -> dict[str, Path]:
    paths = {"orders": folder / "orders.parquet", "customers": folder / "customers.parquet"}
    con = duckdb.connect()
    con.execute(
        "COPY (SELECT * FROM (VALUES (1, 1, 10.0, DATE '2024-01-05'), (2, 2, 20.0, "
        "DATE '2024-02-05'), (3, 1, 30.0, DATE '2024-02-06')) t(order_id, customer_id, amount, "
        f"order_date)) TO '{paths['orders']}' (FORMAT parquet)"
    )
    con.execute(
        "COPY (SELECT * FROM (VALUES (1, 'Retail'), (2, 'Wholesale')) t(customer_id, segment)) "
        f"TO '{paths['customers']}' (FORMAT parquet)"
    )
    con.close()
    return paths
