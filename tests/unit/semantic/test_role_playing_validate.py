"""Validation of role-playing joins: aliases tell joins between the same tables apart, and an
alias must be a name of its own."""

from __future__ import annotations

from pipelines.semantic import CalculatedMeasure, ColumnPair, Join, SemanticModel, validate
from pipelines.semantic.validate import Issue

from .roles_data import roles_model


def one(issues: list[Issue], code: str) -> Issue:
    found = [i for i in issues if i.code == code]
    assert len(found) == 1, issues
    return found[0]


def grand_manager(left: str = "manager") -> Join:
    return Join(
        id="grand",
        left_table=left,
        right_table="employees",
        on=[ColumnPair(left="manager_id", right="employee_id")],
        alias="grand_manager",
    )


def test_aliased_joins_between_the_same_tables_are_valid() -> None:
    model = roles_model()
    model.joins.append(grand_manager())
    assert validate(model) == []


def test_one_aliased_and_one_plain_join_between_the_same_tables_are_valid() -> None:
    model = roles_model()
    model.joins[1].alias = None  # flights -> airports (dest) and -> origin_airport
    assert validate(model) == []


def test_two_joins_without_aliases_ask_for_an_alias() -> None:
    model = roles_model()
    model.joins[0].alias = model.joins[1].alias = None
    issue = one(validate(model), "join_twice")
    assert issue.join_id == "dest"
    assert "'flights' and 'airports' are joined twice (joins 'origin', 'dest')" in issue.message
    assert "give one of them an alias" in issue.message


def test_self_join_without_alias_asks_for_one() -> None:
    model = roles_model()
    model.joins[4].alias = None
    issue = one(validate(model), "join_self")
    assert (issue.join_id, issue.table) == ("manager", "employees")
    assert "joins table 'employees' to itself without an alias; give it an alias" in issue.message


def test_alias_named_like_a_table_is_refused() -> None:
    model = roles_model()
    model.joins[0].alias = "flights"
    issue = one(validate(model), "alias_is_table")
    assert issue.join_id == "origin"
    assert "the alias 'flights', which is also the name of a table" in issue.message
    assert [i.code for i in validate(model)] == ["alias_is_table"]


def test_the_same_alias_on_two_joins_is_reported_once() -> None:
    model = roles_model()
    model.joins[1].alias = "origin_airport"
    issues = validate(model)
    issue = one(issues, "duplicate_alias")
    assert issue.join_id == "dest"
    assert "Joins 'origin', 'dest' all have the alias 'origin_airport'" in issue.message
    assert [i.code for i in issues] == ["duplicate_alias"]


def test_join_from_an_alias_that_no_longer_exists_is_reported() -> None:
    model = roles_model()
    model.joins.append(grand_manager())
    model.joins[4].alias = "boss"  # the alias was renamed; the join from it was not
    issue = one(validate(model), "join_unknown_start")
    assert (issue.join_id, issue.table) == ("grand", "manager")
    assert "starts from 'manager', which is neither a table of the model nor the alias" in (
        issue.message
    )


def test_join_from_an_alias_checks_the_alias_base_columns() -> None:
    model = roles_model()
    join = grand_manager()
    join.on[0].left = "boss_id"
    model.joins.append(join)
    issue = one(validate(model), "join_unknown_column")
    assert (issue.table, issue.column) == ("employees", "boss_id")


def test_join_from_an_alias_back_to_its_own_left_table_closes_a_cycle() -> None:
    model = roles_model()
    model.joins.append(
        Join(
            id="back",
            left_table="origin_airport",
            right_table="flights",
            on=[ColumnPair(left="code", right="origin")],
        )
    )
    issue = one(validate(model), "join_twice")
    assert issue.join_id == "back"


def test_measure_defined_on_an_alias_says_where_to_define_it() -> None:
    model = roles_model()
    model.measures.append(CalculatedMeasure(name="pay", table="manager", expression="sum(salary)"))
    issue = one(validate(model), "measure_on_alias")
    assert issue.measure == "pay"
    assert "define it on table 'employees' and query it through the alias as 'manager.pay'" in (
        issue.message
    )


def test_alias_and_label_round_trip_through_json() -> None:
    model = roles_model()
    again = SemanticModel.from_json(model.to_json())
    assert [(j.alias, j.label) for j in again.joins][:2] == [
        ("origin_airport", "Origin airport"),
        ("dest_airport", "Destination airport"),
    ]
