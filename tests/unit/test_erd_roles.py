"""Role-playing joins in the ERD component: edges labelled by alias, drawing a second join or a
self-join, the join inspector's alias and label, and Try it's alias fields."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from components.model import edits as model_edits
from components.model import graph as erd_graph
from components.model.edits import EditError
from components.model.erd import ErdEditor
from components.model.inspector import Inspector
from components.model.try_it import TryIt, column_type, dimension_options, measure_options
from pipelines.semantic import ColumnPair, Join, SemanticModel, run_query, validate
from tests.unit.semantic.roles_data import roles_model, write_roles


def plain_flights() -> SemanticModel:
    """Flights and airports with no join yet."""
    model = roles_model()
    model.joins = []
    return model


def browser(editor: ErdEditor, **message: Any) -> None:
    editor.flow._handle_msg(message)


# -- edges -----------------------------------------------------------------------------------
def test_each_aliased_join_is_an_edge_labelled_with_its_alias() -> None:
    edges = {e["id"]: e for e in erd_graph.join_edges(roles_model())}
    assert edges["origin"]["label"] == "N:1 \u00b7 left \u00b7 Origin airport"
    assert edges["dest"]["label"] == "N:1 \u00b7 left \u00b7 Destination airport"
    assert {edges["origin"]["target"], edges["dest"]["target"]} <= {"flights", "airports"}
    manager = edges["manager"]
    assert manager["source"] == manager["target"] == "employees"  # a self-join loops
    assert (manager["sourceHandle"], manager["targetHandle"]) == (
        "employees.manager_id",
        "employees.employee_id",
    )


def test_an_alias_without_label_is_shown_by_its_alias() -> None:
    model = roles_model()
    model.joins[0].label = ""
    assert erd_graph.edge_label(model.joins[0]) == "N:1 \u00b7 left \u00b7 origin_airport"


def test_a_join_from_an_alias_is_drawn_from_its_table() -> None:
    model = roles_model()
    model.joins.append(
        Join(
            id="grand",
            left_table="manager",
            right_table="employees",
            on=[ColumnPair(left="manager_id", right="employee_id")],
            alias="grand_manager",
        )
    )
    edge = next(e for e in erd_graph.join_edges(model) if e["id"] == "grand")
    assert (edge["source"], edge["sourceHandle"]) == ("employees", "employees.manager_id")


# -- drawing ---------------------------------------------------------------------------------
def test_a_second_join_to_the_same_key_is_a_new_aliased_join() -> None:
    model, first = model_edits.connect(plain_flights(), "flights.origin", "airports.code")
    model, second = model_edits.connect(model, "flights.dest", "airports.code")
    assert first != second and len(model.joins) == 2
    join = model.join(second)
    assert join is not None
    assert (join.alias, join.label, join.cardinality) == ("dest", "Dest", "many_to_one")
    assert validate(model) == []


def test_a_drag_inside_a_table_is_a_self_join_under_an_alias() -> None:
    model = roles_model()
    model.joins = []
    # Dragged from the key to the foreign key: the join is still from the foreign key.
    model, join_id = model_edits.connect(model, "employees.employee_id", "employees.manager_id")
    join = model.join(join_id)
    assert join is not None
    assert (join.left_table, join.right_table, join.alias, join.label) == (
        "employees",
        "employees",
        "manager",
        "Manager",
    )
    assert join.on == [ColumnPair(left="manager_id", right="employee_id")]
    assert join.cardinality == "many_to_one"
    assert validate(model) == []


def test_a_suggested_alias_never_takes_a_table_name() -> None:
    model = plain_flights()
    model, _ = model_edits.connect(model, "flights.origin", "airports.code")
    model = model_edits.update_join(model, model.joins[0].id, alias="dest")
    model, join_id = model_edits.connect(model, "flights.dest", "airports.code")
    assert model.join(join_id).alias == "dest_airports"  # type: ignore[union-attr]


# -- editing the alias -------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("alias", "message"),
    [
        ("Origin Airport", "must start with a lowercase letter"),
        ("airports", "already a table name"),
        ("dest_airport", "Another join already has the alias 'dest_airport'"),
    ],
)
def test_a_bad_alias_is_refused_with_the_reason(alias: str, message: str) -> None:
    with pytest.raises(EditError, match=message):
        model_edits.update_join(roles_model(), "origin", alias=alias)


def test_renaming_an_alias_renames_the_joins_that_start_from_it() -> None:
    model = roles_model()
    model.joins.append(
        Join(
            id="grand",
            left_table="manager",
            right_table="employees",
            on=[ColumnPair(left="manager_id", right="employee_id")],
            alias="grand_manager",
        )
    )
    renamed = model_edits.update_join(model, "manager", alias="boss", label="Boss")
    assert renamed.join("grand").left_table == "boss"  # type: ignore[union-attr]
    assert validate(renamed) == []
    cleared = model_edits.update_join(model, "manager", alias="")
    assert cleared.join("manager").alias is None  # type: ignore[union-attr]
    assert {i.code for i in validate(cleared)} == {"join_self", "join_unknown_start"}


def test_removing_a_table_removes_joins_from_its_aliases() -> None:
    model = roles_model()
    model.joins.append(
        Join(
            id="grand",
            left_table="manager",
            right_table="employees",
            on=[ColumnPair(left="manager_id", right="employee_id")],
            alias="grand_manager",
        )
    )
    model.tables.append(model.table("dates").model_copy(update={"name": "holidays"}))  # type: ignore[union-attr]
    model.joins.append(
        Join(
            id="holiday",
            left_table="grand_manager",
            right_table="holidays",
            on=[ColumnPair(left="name", right="month_name")],
        )
    )
    left = model_edits.remove_table(model, "employees")
    assert [j.id for j in left.joins] == ["origin", "dest", "ordered", "shipped"]


def test_the_join_inspector_sets_alias_and_label() -> None:
    editor = ErdEditor(model=roles_model())
    inspector = Inspector(editor=editor)
    editor.select("join", join="origin")
    assert inspector._alias.value == "origin_airport"
    assert inspector._alias_label.value == "Origin airport"
    assert "as <code>origin_airport</code> (Origin airport)" in inspector._join_title.object

    inspector._alias.value = "departure"
    inspector._alias_label.value = "Departure airport"
    join = editor.model.join("origin")
    assert join is not None and (join.alias, join.label) == ("departure", "Departure airport")
    edge = next(e for e in editor.flow.edges if e["id"] == "origin")
    assert edge["label"] == "N:1 \u00b7 left \u00b7 Departure airport"

    inspector._alias.value = "flights"  # a table's name: refused, the field shows the alias
    assert "already a table name" in editor.message
    assert inspector._alias.value == "departure"
    assert editor.undo() and editor.model.join("origin").label == "Origin airport"  # type: ignore[union-attr]


def test_the_label_waits_for_an_alias() -> None:
    model = roles_model()
    model.joins[1].alias = None
    editor = ErdEditor(model=model)
    inspector = Inspector(editor=editor)
    editor.select("join", join="dest")
    assert inspector._alias.value == "" and inspector._alias_label.disabled
    inspector._alias.value = "dest_airport"
    assert not inspector._alias_label.disabled


def test_a_read_only_inspector_cannot_change_the_alias() -> None:
    editor = ErdEditor(model=roles_model(), editable=False)
    inspector = Inspector(editor=editor)
    editor.select("join", join="origin")
    assert inspector._alias.disabled and inspector._alias_label.disabled


# -- try it --------------------------------------------------------------------------------------
def test_try_it_lists_the_fields_of_each_alias() -> None:
    model = roles_model()
    dimensions = dimension_options(model)
    assert dimensions["Origin airport \u00b7 Name"] == "origin_airport.name"
    assert dimensions["Destination airport \u00b7 City"] == "dest_airport.city"
    assert dimensions["Manager \u00b7 name"] == "manager.name"
    assert dimensions["Airports \u00b7 Name"] == "airports.name"
    assert measure_options(model)["Manager \u00b7 salary (sum)"] == "manager.salary"
    assert column_type(model, "ship_day.day.month") == "date"


def test_try_it_runs_a_query_by_two_aliases(tmp_path: Path) -> None:
    model = roles_model()
    paths = write_roles(tmp_path)
    panel = TryIt(model=model, run=lambda query: run_query(model, query, paths))
    panel._measures.value = ["flights.passengers"]
    panel._dimensions.value = ["origin_airport.city", "dest_airport.city"]
    panel._filter_field.value = "dest_airport.city"
    panel._filter_op.value = "eq"
    panel._filter_value.value = "Paris"
    result = asyncio.run(panel.execute())
    assert result is not None
    assert result.rows == [["Amsterdam", "Paris", 100], [None, "Paris", 30]]
