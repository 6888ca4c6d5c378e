"""Joins found from the data when names do not look like keys: role-playing joins to airports,
an org chart's manager, orders shipped to customers; no joins between unrelated numbers; and
the cost in DuckDB queries does not grow with the number of columns."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipelines.semantic import ColumnPair, SemanticError, Suggestion, apply_suggestion, suggest
from pipelines.semantic.join_names import name_evidence, role_alias, role_label
from pipelines.semantic.probes import DataProbe

from .joins_data import Sources, flights, model_of, org_chart, shop, wide


def joins(suggestions: list[Suggestion]) -> dict[str, Suggestion]:
    return {s.id: s for s in suggestions if s.kind == "join"}


@pytest.fixture(scope="module")
def flight_sources(tmp_path_factory: pytest.TempPathFactory) -> Sources:
    return flights(tmp_path_factory.mktemp("flights"))


@pytest.fixture(scope="module")
def org_sources(tmp_path_factory: pytest.TempPathFactory) -> Sources:
    return org_chart(tmp_path_factory.mktemp("org"))


@pytest.fixture(scope="module")
def shop_sources(tmp_path_factory: pytest.TempPathFactory) -> Sources:
    return shop(tmp_path_factory.mktemp("shop"))


# -- flights ---------------------------------------------------------------------------------------
def test_flights_get_their_four_joins_and_no_other(flight_sources: Sources) -> None:
    found = joins(suggest(model_of(flight_sources), flight_sources))
    assert set(found) == {
        "join:flights.origin->airports.faa",
        "join:flights.dest->airports.faa",
        "join:flights.carrier->airlines.carrier",
        "join:flights.tailnum->planes.tailnum",
    }


def test_origin_and_destination_are_role_playing_joins_to_airports(
    flight_sources: Sources,
) -> None:
    found = joins(suggest(model_of(flight_sources), flight_sources))
    origin = found["join:flights.origin->airports.faa"].join
    dest = found["join:flights.dest->airports.faa"].join
    assert origin is not None and dest is not None
    assert (origin.alias, origin.label) == ("origin_airport", "Origin airport")
    assert (dest.alias, dest.label) == ("dest_airport", "Dest airport")
    for join, column in ((origin, "origin"), (dest, "dest")):
        assert (join.left_table, join.right_table) == ("flights", "airports")
        assert [(p.left, p.right) for p in join.on] == [(column, "faa")]
        assert (join.type, join.cardinality) == ("left", "many_to_one")
    assert origin.id != dest.id


def test_a_single_join_to_a_table_has_no_alias(flight_sources: Sources) -> None:
    found = joins(suggest(model_of(flight_sources), flight_sources))
    carrier = found["join:flights.carrier->airlines.carrier"].join
    assert carrier is not None and (carrier.alias, carrier.label) == (None, "")


def test_the_message_says_how_much_is_found_and_why(flight_sources: Sources) -> None:
    found = joins(suggest(model_of(flight_sources), flight_sources))
    dest = found["join:flights.dest->airports.faa"]
    assert dest.message.startswith(
        "flights.dest looks like a key to airports, as Dest airport (9"
    ), dest.message
    assert "% of its values are in airports.faa, a unique code; the names do not match)" in (
        dest.message
    )
    percent = float(dest.message.split("(")[1].split("%")[0])
    assert 96 <= percent < 100  # about 2% of the destinations are unknown codes
    origin = found["join:flights.origin->airports.faa"]
    assert "(100% of its values are in airports.faa, a unique code;" in origin.message


def test_name_matched_joins_rank_above_joins_found_on_the_data(flight_sources: Sources) -> None:
    ranked = [s.id for s in suggest(model_of(flight_sources), flight_sources) if s.kind == "join"]
    assert set(ranked[:2]) == {
        "join:flights.carrier->airlines.carrier",
        "join:flights.tailnum->planes.tailnum",
    }
    found = joins(suggest(model_of(flight_sources), flight_sources))
    assert found["join:flights.dest->airports.faa"].score < 0.5


def test_both_airport_joins_can_be_accepted(flight_sources: Sources) -> None:
    model = model_of(flight_sources)
    found = joins(suggest(model, flight_sources))
    model = apply_suggestion(model, found["join:flights.origin->airports.faa"])
    after = joins(suggest(model, flight_sources))
    assert "join:flights.origin->airports.faa" not in after
    dest = after["join:flights.dest->airports.faa"]
    assert dest.join is not None and dest.join.alias == "dest_airport"
    model = apply_suggestion(model, dest)
    assert sorted(j.alias or "" for j in model.joins) == ["dest_airport", "origin_airport"]
    assert not any(
        s.join and s.join.right_table == "airports" for s in suggest(model, flight_sources)
    )


# -- employees and their manager -------------------------------------------------------------------
def test_manager_is_a_self_join_named_manager(org_sources: Sources) -> None:
    found = joins(suggest(model_of(org_sources), org_sources))
    assert set(found) == {"join:employees.manager->employees.employee_id"}
    s = found["join:employees.manager->employees.employee_id"]
    assert s.join is not None
    assert (s.join.left_table, s.join.right_table) == ("employees", "employees")
    assert (s.join.alias, s.join.label, s.join.cardinality) == ("manager", "Manager", "many_to_one")
    assert s.message == (
        "employees.manager looks like a key to employees, as Manager (100% of its values are in "
        "employees.employee_id, its primary key; 'manager' often names an employee)"
    )


def test_accepting_the_manager_join_keeps_the_table_and_adds_the_alias(
    org_sources: Sources,
) -> None:
    model = model_of(org_sources)
    s = joins(suggest(model, org_sources))["join:employees.manager->employees.employee_id"]
    model = apply_suggestion(model, s)
    assert [(j.left_table, j.right_table, j.alias) for j in model.joins] == [
        ("employees", "employees", "manager")
    ]
    assert joins(suggest(model, org_sources)) == {}


# -- orders shipped to customers -------------------------------------------------------------------
def test_ship_to_and_customer_id_are_two_roles_of_customers(shop_sources: Sources) -> None:
    found = joins(suggest(model_of(shop_sources), shop_sources))
    ship_to = found["join:orders.ship_to->customers.id"]
    customer = found["join:orders.customer_id->customers.id"]
    assert ship_to.join is not None and customer.join is not None
    assert (ship_to.join.alias, ship_to.join.label) == ("ship_to_customer", "Ship to customer")
    # the column named like the key keeps the plain join: customers.segment reads as before
    assert (customer.join.alias, customer.join.label) == (None, "")
    assert "'ship_to' often names a customer" in ship_to.message
    assert customer.score > ship_to.score


def test_small_numbers_do_not_join_a_small_id_table_without_a_name(shop_sources: Sources) -> None:
    found = joins(suggest(model_of(shop_sources), shop_sources))
    assert "join:orders.size_id->sizes.id" in found  # the name says so: proposed
    assert not [k for k in found if ".quantity->" in k or ".points->" in k]
    assert set(found) == {
        "join:orders.customer_id->customers.id",
        "join:orders.ship_to->customers.id",
        "join:orders.size_id->sizes.id",
    }


# -- names -----------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("column", "table", "key", "kind"),
    [
        ("customer_id", "customers", "customer_id", "same"),
        ("customer_id", "customers", "id", "same"),
        ("manager_employee_id", "employees", "employee_id", "shared"),
        ("manager", "employees", "employee_id", "role"),
        ("ship_to", "customers", "id", "role"),
        ("ref_article", "products", "product_id", "key_like"),
        ("origin", "airports", "faa", "none"),
        ("quantity", "sizes", "id", "none"),
    ],
)
def test_name_evidence(column: str, table: str, key: str, kind: str) -> None:
    assert name_evidence(column, table, key).kind == kind


def test_role_aliases_and_labels() -> None:
    assert role_alias("origin", "airports", self_join=False) == "origin_airport"
    assert role_alias("ship_to_id", "customers", self_join=False) == "ship_to_customer"
    assert role_alias("manager_id", "employees", self_join=True) == "manager"
    assert role_alias("customer_id", "customers", self_join=False) == "customer"
    assert role_label("ship_to_customer") == "Ship to customer"


# -- cost ------------------------------------------------------------------------------------------
def queries_for(folder: Path, columns: int) -> tuple[int, set[str]]:
    sources = wide(folder, tables=4, columns=columns, rows=300)
    model = model_of(sources)
    with DataProbe() as probe:
        found = suggest(model, sources, probe=probe)
        return probe.queries, {s.id for s in found if s.kind == "join"}


def test_queries_do_not_grow_with_the_number_of_columns(tmp_path: Path) -> None:
    narrow, narrow_joins = queries_for(tmp_path / "narrow", columns=10)
    wide_, wide_joins = queries_for(tmp_path / "wide", columns=40)
    assert narrow_joins and len(wide_joins) > len(narrow_joins)
    # one pass per table, then a fixed few (value table, stats, containment, clean-up)
    assert narrow == wide_ <= 4 + 4


def test_wide_tables_join_only_through_their_true_keys(tmp_path: Path) -> None:
    _, found = queries_for(tmp_path, columns=24)
    targets = {f.split("->")[0].split(".")[1]: f.split("->")[1] for f in found}
    for column, target in targets.items():
        assert column.startswith("t") and "_id_" in column, found
        assert target == f"{column.split('_id_')[0]}.{column.split('_id_')[0]}_id"


def test_an_accepted_role_playing_join_is_refused_the_second_time(org_sources: Sources) -> None:
    model = model_of(org_sources)
    s = joins(suggest(model, org_sources))["join:employees.manager->employees.employee_id"]
    model = apply_suggestion(model, s)
    with pytest.raises(
        SemanticError, match="already has the join from employees to employees on manager"
    ):
        apply_suggestion(model, s)


def test_a_taken_alias_is_renamed_when_accepted(org_sources: Sources) -> None:
    model = model_of(org_sources)
    s = joins(suggest(model, org_sources))["join:employees.manager->employees.employee_id"]
    assert s.join is not None
    other = s.join.model_copy(update={"id": "other", "on": [ColumnPair(left="x", right="y")]})
    model.joins = [other]  # someone gave the alias "manager" to another join meanwhile
    accepted = apply_suggestion(model, s).joins[-1]
    assert (accepted.alias, accepted.label) == ("manager_2", "Manager 2")


def test_a_join_key_summed_as_a_measure_is_suggested_as_a_dimension(
    org_sources: Sources,
) -> None:
    model = model_of(org_sources)
    table = model.table("employees")
    assert table is not None
    manager = table.column("manager")
    assert manager is not None and (manager.role, manager.aggregation) == ("measure", "sum")
    assert "role:employees.manager" not in {s.id for s in suggest(model, org_sources)}
    s = joins(suggest(model, org_sources))["join:employees.manager->employees.employee_id"]
    model = apply_suggestion(model, s)
    role = {x.id: x for x in suggest(model, org_sources)}["role:employees.manager"]
    assert role.message == (
        "employees.manager is a key to employees, not an amount: make it a dimension"
    )
    assert (role.role, role.aggregation) == ("dimension", None)
