"""The semantic engine on tables of other backends (PostgreSQL, MySQL/MariaDB, Spark): SQL in the
backend's dialect, what a backend lacks refused by name, bound tables checked, and the engine
suite failing instead of skipping when an engine is required but unreachable."""

from __future__ import annotations

import datetime as dt
import socket
from pathlib import Path

import pytest
import sqlglot

from pipelines.semantic import Filter, SemanticEngine, SemanticError, SemanticQuery

from . import engines as engine_suite
from .data import shop_model
from .engines import Engines
from .hr_data import hr_model

DIALECTS = {"duckdb": "duckdb", "postgres": "postgres", "mysql": "mysql", "spark": "pyspark"}
MONTHLY = SemanticQuery(
    measures=["orders.total_amount", "order_items.quantity"],
    dimensions=["orders.order_date.month", "customers.segment"],
    filters=[Filter(field="products.category", op="eq", value="Kitchen")],
)


def test_sql_is_in_the_engines_dialect(
    shop: SemanticEngine, shop_paths: dict[str, Path], engine_name: str
) -> None:
    assert shop.dialect == DIALECTS[engine_name]
    sql = shop.sql(MONTHLY)
    quote = "`" if engine_name in ("mysql", "spark") else '"'
    assert f"{quote}orders.order_date.month{quote}" in sql
    sqlglot.parse_one(sql, read="spark" if engine_name == "spark" else DIALECTS[engine_name])
    # The same query gives the same rows as DuckDB over the Parquet files.
    expected = SemanticEngine(shop_model(), shop_paths).execute(MONTHLY).rows
    assert expected and shop.execute(MONTHLY).rows == expected


def test_over_time_runs_where_arrays_exist_and_mysql_refuses_it_by_name(
    hr: SemanticEngine, hr_paths: dict[str, Path], engine_name: str
) -> None:
    query = SemanticQuery(
        measures=["employees.count"],
        filters=[Filter(field="employees.hire_date", op="between", value=["2024-01-01", "2024-12-31"])],
        over_time={"start": "employees.hire_date", "end": "employees.exit_date", "grain": "year"},
    )  # fmt: skip
    if engine_name == "mysql":
        with pytest.raises(SemanticError) as caught:
            hr.execute(query)
        assert "MySQL/MariaDB cannot run over-time queries" in caught.value.message
        assert caught.value.field == "arrays"
        return
    expected = SemanticEngine(hr_model(), hr_paths).execute(query).rows
    assert expected and expected[0][0] == dt.date(2024, 1, 1)
    assert hr.execute(query).rows == expected


def test_a_bound_table_missing_from_the_backend_is_named(
    engines: Engines, engine_name: str
) -> None:
    if engine_name == "duckdb":
        pytest.skip("DuckDB reads Parquet files (a missing file: test_known_answers.py)")
    engine = SemanticEngine(shop_model(), con=engines.con(engine_name), tables={"orders": "nope"})
    with pytest.raises(SemanticError) as caught:
        engine.execute(SemanticQuery(measures=["order_count"]))
    assert caught.value.field == "orders"
    assert "bound to 'nope'" in caught.value.message
    with pytest.raises(SemanticError, match="no data bound"):
        engine.execute(SemanticQuery(measures=["order_items.quantity"]))


def test_tables_come_with_their_connection(shop_paths: dict[str, Path]) -> None:
    with pytest.raises(ValueError, match="connection"):
        SemanticEngine(shop_model(), tables={"orders": "orders"})
    with pytest.raises(ValueError, match="no paths"):
        SemanticEngine(shop_model(), shop_paths, con=None, tables={"orders": "orders"})


# -- required engines fail instead of skipping -----------------------------------------------------
def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_an_unreachable_engine_skips_unless_required(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(engine_suite, "MYSQL", {**engine_suite.MYSQL, "port": _closed_port()})
    monkeypatch.delenv("DATAPILOT_REQUIRE_ENGINES", raising=False)
    monkeypatch.delenv("DATAPILOT_REQUIRE_POSTGRES", raising=False)
    with pytest.raises(pytest.skip.Exception, match="mysql is not reachable"):
        Engines().con("mysql")
    monkeypatch.setenv("DATAPILOT_REQUIRE_ENGINES", "1")
    found = Engines()
    with pytest.raises(pytest.fail.Exception, match="mysql is not reachable"):
        found.con("mysql")
    with pytest.raises(pytest.fail.Exception):  # and again, without trying once more
        found.con("mysql")


def test_postgres_is_required_by_the_postgres_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DATAPILOT_REQUIRE_ENGINES", raising=False)
    monkeypatch.setenv("DATAPILOT_REQUIRE_POSTGRES", "1")
    assert engine_suite.required("postgres")
    assert not engine_suite.required("mysql")
    with pytest.raises(pytest.fail.Exception, match="postgres is not reachable"):
        engine_suite.unreachable("postgres", OSError("connection refused"))
