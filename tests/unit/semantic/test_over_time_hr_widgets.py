"""The HR template's over-time widgets, as JSON, on the demo model the app builds.

The model is made the way the demo makes it (every source a table, every suggestion accepted),
from the HR sample ingested as the app ingests it; each widget's query is the JSON text the
template stores, and its answers are checked against plain DuckDB SQL.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from pipelines.ingest import ingest_file
from pipelines.query.guard import check_sql
from pipelines.semantic import SemanticEngine, SemanticModel, SemanticQuery, SourceSchema
from pipelines.semantic.suggest import apply_suggestion, suggest, table_from_source

from .data import DEMO
from .engines import Bind
from .helpers import connect, normalise

pytestmark = pytest.mark.requires("arrays", "cheap_over_time")  # spines unnest arrays

SPAN = '"start": "employees.hire_date", "end": "employees.exit_date"'
WIDGETS = {
    "headcount": '{"measures": ["employees.count"], "dimensions": ["departments.department_name"], '
    '"over_time": {' + SPAN + ', "grain": "month"}}',
    "hires_exits": '{"over_time": {' + SPAN + ', "grain": "month", "flows": ["starts", "ends"]}}',
    "turnover": '{"dimensions": ["departments.department_name"], "over_time": {'
    + SPAN
    + ', "grain": "year", "flows": ["ends", "average", "turnover"]}}',
    "tenure": '{"measures": ["employees.count"], "over_time": {' + SPAN + ', "flows": ["tenure"]}, '
    '"sort": [{"field": "period", "descending": true}], "limit": 1}',
    "tenure_bands": '{"measures": ["employees.count"], "dimensions": ["employees.hire_date.year"], '
    '"filters": [{"field": "employees.exit_date", "op": "is_null"}]}',
}


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[SemanticModel, dict[str, Path]]:
    folder = tmp_path_factory.mktemp("hr_demo")
    sources: dict[str, SourceSchema] = {}
    for name in ("departments", "employees", "movements"):
        result = ingest_file(DEMO / f"hr_{name}.csv", folder / f"{name}.parquet")
        sources[name] = SourceSchema.from_profile(name, name, result.profile, result.path)
    model = SemanticModel()
    for source in sorted(sources.values(), key=lambda s: s.name):
        model.tables.append(table_from_source(source, {t.name for t in model.tables}))
    while pending := suggest(model, sources):
        model = apply_suggestion(model, pending[0])
    return model, {name: folder / f"{name}.parquet" for name in sources}


@pytest.fixture
def engine(demo: tuple[SemanticModel, dict[str, Path]], bind: Bind) -> SemanticEngine:
    return bind(*demo)


@pytest.fixture
def sql(demo: tuple[SemanticModel, dict[str, Path]]) -> Iterator[duckdb.DuckDBPyConnection]:
    con = connect(demo[1])
    yield con
    con.close()


def run(engine: SemanticEngine, widget: str) -> list[list[object]]:
    return engine.execute(SemanticQuery.model_validate_json(WIDGETS[widget])).rows


def test_headcount_by_department_widget(
    engine: SemanticEngine, sql: duckdb.DuckDBPyConnection
) -> None:
    got = run(engine, "headcount")
    expected = sql.execute(
        """
        WITH months AS (
            SELECT CAST(m AS DATE) AS m, last_day(m) AS last FROM generate_series(
                DATE '2014-03-01', DATE '2024-12-01', INTERVAL 1 MONTH) g(m)
        )
        SELECT m, d.department_name, count(e.employee_id)
        FROM months CROSS JOIN departments d
        LEFT JOIN employees e ON e.department_id = d.department_id
            AND e.hire_date <= last AND (e.exit_date IS NULL OR e.exit_date >= last)
        GROUP BY 1, 2
        """
    ).fetchall()
    assert normalise(got) == normalise(expected)


def test_hires_and_exits_widget(engine: SemanticEngine, sql: duckdb.DuckDBPyConnection) -> None:
    got = run(engine, "hires_exits")
    expected = sql.execute(
        """
        WITH months AS (
            SELECT CAST(m AS DATE) AS m FROM generate_series(
                DATE '2014-03-01', DATE '2024-12-01', INTERVAL 1 MONTH) g(m)
        )
        SELECT m,
            (SELECT count(*) FROM employees WHERE date_trunc('month', hire_date) = m),
            (SELECT count(*) FROM employees WHERE date_trunc('month', exit_date) = m)
        FROM months ORDER BY m
        """
    ).fetchall()
    assert [tuple(r) for r in got] == expected


def test_turnover_widget(engine: SemanticEngine, sql: duckdb.DuckDBPyConnection) -> None:
    got = {(r[0], r[1]): r[2:] for r in run(engine, "turnover")}
    # Sales in 2021: exits over the average of the daily headcounts of the year.
    exits, average = sql.execute(
        """
        SELECT
            (SELECT count(*) FROM employees WHERE department_id = 1 AND year(exit_date) = 2021),
            (SELECT count(*) / 365 FROM generate_series(DATE '2021-01-01', DATE '2021-12-31',
                INTERVAL 1 DAY) g(d)
             JOIN employees e ON department_id = 1 AND hire_date <= d
                AND (exit_date IS NULL OR exit_date >= d))
        """
    ).fetchone()
    ends, avg, turnover = got[(dt.date(2021, 1, 1), "Sales")]
    assert (ends, round(avg, 9), round(turnover, 9)) == (
        exits,
        round(average, 9),
        round(exits / average, 9),
    )
    assert len(got) == 11 * 7


def test_tenure_widgets(engine: SemanticEngine, sql: duckdb.DuckDBPyConnection) -> None:
    [[period, headcount, tenure]] = run(engine, "tenure")
    expected = sql.execute(
        """
        SELECT count(*), avg(date_diff('day', hire_date, DATE '2024-12-31') / 365.25)
        FROM employees WHERE hire_date <= DATE '2024-12-31'
            AND (exit_date IS NULL OR exit_date >= DATE '2024-12-31')
        """
    ).fetchone()
    assert (period, headcount, round(tenure, 9)) == (
        dt.date(2024, 12, 1),
        expected[0],
        round(expected[1], 9),
    )
    bands = run(engine, "tenure_bands")
    current = sql.execute("SELECT count(*) FROM employees WHERE exit_date IS NULL").fetchone()
    assert sum(r[1] for r in bands) == current[0]


@pytest.mark.requires("duckdb_sql")
@pytest.mark.parametrize("widget", sorted(WIDGETS))
def test_every_widget_sql_passes_the_sql_guard(engine: SemanticEngine, widget: str) -> None:
    # Dashboards run a widget's SQL through the guard, which refuses range() and its kin.
    compiled = engine.compiled(SemanticQuery.model_validate_json(WIDGETS[widget]))

    checked = check_sql(compiled.sql, ["departments", "employees", "movements"])

    assert "employees" in checked.tables
