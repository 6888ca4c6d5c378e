"""Role-playing joins (a table joined more than once under aliases): known answers against
hand-written DuckDB SQL over the same Parquet files (data in ``roles_data.py``)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest

from pipelines.semantic import (
    ColumnPair,
    Filter,
    Join,
    SemanticEngine,
    SemanticError,
    SemanticQuery,
)

from .engines import Bind
from .helpers import connect, normalise, quoted, rows
from .roles_data import roles_model, write_roles


@pytest.fixture(scope="module")
def roles_paths(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return write_roles(tmp_path_factory.mktemp("roles"))


@pytest.fixture
def roles(roles_paths: dict[str, Path], bind: Bind) -> SemanticEngine:
    return bind(roles_model(), roles_paths)


@pytest.fixture
def roles_sql(roles_paths: dict[str, Path]) -> Iterator[duckdb.DuckDBPyConnection]:
    con = connect(roles_paths)
    yield con
    con.close()


def sql_rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[tuple[Any, ...]]:
    return con.execute(sql).fetchall()


# -- two aliases of one table --------------------------------------------------------------------
def test_origin_and_destination_names_in_one_query(
    roles: SemanticEngine, roles_sql: duckdb.DuckDBPyConnection
) -> None:
    result = roles.execute(
        SemanticQuery(
            measures=["flights.passengers"],
            dimensions=["origin_airport.name", "dest_airport.name"],
        )
    )
    expected = sql_rows(
        roles_sql,
        """
        SELECT o.name, d.name, sum(f.passengers)
        FROM flights f
        LEFT JOIN airports o ON f.origin = o.code
        LEFT JOIN airports d ON f.dest = d.code
        GROUP BY 1, 2
        """,
    )
    assert normalise(result.rows) == normalise(expected)
    assert ["Schiphol", "Heathrow", 150] in result.rows
    assert ["Heathrow", "Schiphol", 80] in result.rows  # the reverse route is another row
    assert result.sql.count(f"{quoted(roles, 'airports')} AS") == 2


def test_alias_fields_are_labelled_with_the_join_label(roles: SemanticEngine) -> None:
    result = roles.execute(
        SemanticQuery(
            measures=["flights.passengers"],
            dimensions=["origin_airport.name", "dest_airport.city"],
        )
    )
    assert result.labels["origin_airport.name"] == "Origin airport \u00b7 Name"
    assert result.labels["dest_airport.city"] == "Destination airport \u00b7 City"
    assert result.kinds["dest_airport.city"] == "dimension"


def test_alias_without_label_is_shown_by_its_alias(roles_paths: dict[str, Path]) -> None:
    model = roles_model()
    model.joins[0].label = ""
    result = SemanticEngine(model, roles_paths).execute(
        SemanticQuery(measures=["flights.passengers"], dimensions=["origin_airport.name"])
    )
    assert result.labels["origin_airport.name"] == "origin_airport \u00b7 Name"


def test_dimensions_of_two_aliases_listed_together(
    roles: SemanticEngine, roles_sql: duckdb.DuckDBPyConnection
) -> None:
    got = rows(roles, dimensions=["origin_airport.city", "dest_airport.city"])
    expected = sql_rows(
        roles_sql,
        """
        SELECT DISTINCT o.city, d.city
        FROM flights f
        LEFT JOIN airports o ON f.origin = o.code
        LEFT JOIN airports d ON f.dest = d.code
        """,
    )
    assert normalise(got) == normalise(expected)


def test_filter_on_one_alias_and_dimension_on_the_other(
    roles: SemanticEngine, roles_sql: duckdb.DuckDBPyConnection
) -> None:
    got = rows(
        roles,
        measures=["flights.passengers"],
        dimensions=["origin_airport.city"],
        filters=[Filter(field="dest_airport.city", op="eq", value="Paris")],
    )
    expected = sql_rows(
        roles_sql,
        """
        SELECT o.city, sum(f.passengers)
        FROM flights f
        LEFT JOIN airports o ON f.origin = o.code
        LEFT JOIN airports d ON f.dest = d.code
        WHERE d.city = 'Paris'
        GROUP BY 1
        """,
    )
    assert normalise(got) == normalise(expected) == [("Amsterdam", 100), (None, 30)]


def test_order_date_and_ship_date_play_two_roles_of_the_dates_table(
    roles: SemanticEngine, roles_sql: duckdb.DuckDBPyConnection
) -> None:
    got = rows(
        roles,
        measures=["orders.amount"],
        dimensions=["order_day.month_name", "ship_day.weekend", "ship_day.day.month"],
    )
    expected = sql_rows(
        roles_sql,
        """
        SELECT od.month_name, sd.weekend, CAST(date_trunc('month', sd.day) AS DATE),
               sum(o.amount)
        FROM orders o
        LEFT JOIN dates od ON o.order_date = od.day
        LEFT JOIN dates sd ON o.ship_date = sd.day
        GROUP BY 1, 2, 3
        """,
    )
    assert normalise(got) == normalise(expected)
    assert len(got) == 5


# -- a table joined to itself --------------------------------------------------------------------
def test_self_join_salary_of_reports_by_manager_name(
    roles: SemanticEngine, roles_sql: duckdb.DuckDBPyConnection
) -> None:
    got = rows(roles, measures=["employees.salary"], dimensions=["manager.name"])
    expected = sql_rows(
        roles_sql,
        """
        SELECT m.name, sum(e.salary)
        FROM employees e LEFT JOIN employees m ON e.manager_id = m.employee_id
        GROUP BY 1
        """,
    )
    assert normalise(got) == normalise(expected)
    assert ["Alan", 230] in got


def test_self_join_filter_on_the_manager(
    roles: SemanticEngine, roles_sql: duckdb.DuckDBPyConnection
) -> None:
    got = rows(
        roles,
        measures=["employees.salary"],
        dimensions=["employees.name"],
        filters=[Filter(field="manager.dept", op="eq", value="Sales")],
    )
    expected = sql_rows(
        roles_sql,
        """
        SELECT e.name, sum(e.salary)
        FROM employees e JOIN employees m ON e.manager_id = m.employee_id
        WHERE m.dept = 'Sales'
        GROUP BY 1
        """,
    )
    assert normalise(got) == normalise(expected) == [("Edsger", 90), ("Ken", 100)]


def test_join_from_an_alias_reaches_the_managers_manager(
    roles_paths: dict[str, Path], roles_sql: duckdb.DuckDBPyConnection
) -> None:
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
    got = rows(
        SemanticEngine(model, roles_paths),
        measures=["employees.salary"],
        dimensions=["grand_manager.name"],
    )
    expected = sql_rows(
        roles_sql,
        """
        SELECT g.name, sum(e.salary)
        FROM employees e
        LEFT JOIN employees m ON e.manager_id = m.employee_id
        LEFT JOIN employees g ON m.manager_id = g.employee_id
        GROUP BY 1
        """,
    )
    assert normalise(got) == normalise(expected) == [("Grace", 420), (None, 680)]


# -- fan-out through an alias ----------------------------------------------------------------------
def test_measure_through_an_alias_on_the_many_side_counts_each_manager_once(
    roles: SemanticEngine, roles_sql: duckdb.DuckDBPyConnection
) -> None:
    got = rows(roles, measures=["manager.salary"], dimensions=["employees.dept"])
    expected = sql_rows(
        roles_sql,
        """
        SELECT dept, sum(salary) FROM (
            SELECT DISTINCT e.dept, m.employee_id, m.salary
            FROM employees m LEFT JOIN employees e ON e.manager_id = m.employee_id
        ) GROUP BY 1
        """,
    )
    assert normalise(got) == normalise(expected)
    # Grace manages a researcher and a salesperson: counted once in each, not once per report.
    assert ["Research", 500] in got
    naive = sql_rows(
        roles_sql,
        "SELECT sum(m.salary) FROM employees e JOIN employees m ON e.manager_id = m.employee_id"
        " WHERE e.dept = 'Research'",
    )[0][0]
    assert naive == 700 != 500


def test_base_measure_through_an_alias_by_a_fact_dimension(
    roles: SemanticEngine, roles_sql: duckdb.DuckDBPyConnection
) -> None:
    got = rows(roles, measures=["origin_airport.runways"], dimensions=["flights.carrier"])
    expected = sql_rows(
        roles_sql,
        """
        SELECT carrier, sum(runways) FROM (
            SELECT DISTINCT f.carrier, a.code, a.runways
            FROM airports a LEFT JOIN flights f ON f.origin = a.code
        ) GROUP BY 1
        """,
    )
    assert normalise(got) == normalise(expected)
    assert ["KL", 6] in got  # Schiphol once, not once per KL flight from it


def test_filter_across_a_one_to_many_through_an_alias_is_a_semi_join(
    roles: SemanticEngine, roles_sql: duckdb.DuckDBPyConnection
) -> None:
    got = rows(
        roles,
        measures=["manager.salary"],
        filters=[Filter(field="employees.dept", op="eq", value="Sales")],
    )
    expected = sql_rows(
        roles_sql,
        "SELECT sum(salary) FROM employees m WHERE EXISTS (SELECT 1 FROM employees e "
        "WHERE e.manager_id = m.employee_id AND e.dept = 'Sales')",
    )
    assert got == [[480]] == [list(r) for r in expected]


def test_measure_through_an_alias_without_a_primary_key_is_refused(
    roles_paths: dict[str, Path],
) -> None:
    engine = SemanticEngine(roles_model(primary_keys=False), roles_paths)
    with pytest.raises(SemanticError, match="set a primary key on table 'employees'") as info:
        engine.execute(SemanticQuery(measures=["manager.salary"], dimensions=["employees.dept"]))
    assert info.value.field == "manager.salary"


# -- messages ----------------------------------------------------------------------------------
def test_base_table_measure_by_an_alias_dimension_says_to_use_the_alias(
    roles: SemanticEngine,
) -> None:
    with pytest.raises(SemanticError) as info:
        roles.execute(
            SemanticQuery(measures=["airports.runways"], dimensions=["origin_airport.city"])
        )
    message = info.value.message
    assert "alias 'origin_airport' (table 'airports' through join 'origin')" in message
    assert "query the measure through the alias (origin_airport.<measure>)" in message


def test_an_alias_that_no_longer_exists_names_the_aliases_left(roles: SemanticEngine) -> None:
    with pytest.raises(SemanticError) as info:
        roles.execute(SemanticQuery(measures=["flights.passengers"], dimensions=["origin.name"]))
    assert info.value.field == "origin.name"
    assert "unknown table 'origin'" in info.value.message
    assert "join aliases: origin_airport, dest_airport, order_day" in info.value.message


def test_unknown_column_of_an_alias_names_its_table(roles: SemanticEngine) -> None:
    with pytest.raises(SemanticError, match="'origin_airport' \\(table 'airports'\\) has no"):
        roles.execute(SemanticQuery(dimensions=["origin_airport.country"]))


def test_second_join_without_alias_is_ambiguous(roles_paths: dict[str, Path]) -> None:
    model = roles_model()
    model.joins[0].alias = model.joins[1].alias = None
    engine = SemanticEngine(model, roles_paths)
    with pytest.raises(SemanticError, match="give one of them an alias"):
        engine.execute(SemanticQuery(measures=["flights.passengers"], dimensions=["airports.name"]))
