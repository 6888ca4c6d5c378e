"""Known answers of over-time queries (headcount by month) on the HR sample.

The oracle is plain Python over the employees' rows read with DuckDB: for each month of the
range, the employees whose hire date is on or before the month's last day and whose exit date
is empty or on or after it. The sample has a few edge rows added (see ``hr_data``).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pytest

from pipelines.semantic import Filter, SemanticEngine, SemanticQuery

from .helpers import normalise
from .hr_data import hr_model

pytestmark = pytest.mark.requires("arrays", "cheap_over_time")  # spines unnest arrays

HEADCOUNT = {"start": "employees.hire_date", "end": "employees.exit_date"}


@dataclass(frozen=True)
class Person:
    employee_id: int
    department: str | None
    location: str | None
    hire: dt.date | None
    exit: dt.date | None
    fte: float

    def active_on(self, day: dt.date) -> bool:
        return (
            self.hire is not None and self.hire <= day and (self.exit is None or self.exit >= day)
        )

    def active_during(self, first: dt.date, last: dt.date) -> bool:
        """Active on at least one day of [first, last]."""
        if self.hire is None or (self.exit is not None and self.exit < self.hire):
            return False
        return self.hire <= last and (self.exit is None or self.exit >= first)


@pytest.fixture
def people(hr_sql: duckdb.DuckDBPyConnection) -> list[Person]:
    rows = hr_sql.execute(
        """
        SELECT e.employee_id, d.department_name, e.location, e.hire_date, e.exit_date, e.fte
        FROM employees e LEFT JOIN departments d ON e.department_id = d.department_id
        """
    ).fetchall()
    return [Person(*row) for row in rows]


def months(first: dt.date, last: dt.date, step: int = 1) -> list[tuple[dt.date, dt.date]]:
    """(first day, last day) of each period of ``step`` months from ``first``'s to ``last``'s."""
    index = first.year * 12 + first.month - 1
    index -= index % step
    end = last.year * 12 + last.month - 1
    periods = []
    while index <= end:
        start = dt.date(index // 12, index % 12 + 1, 1)
        index += step
        periods.append((start, dt.date(index // 12, index % 12 + 1, 1) - dt.timedelta(days=1)))
    return periods


def data_range(people: list[Person]) -> tuple[dt.date, dt.date]:
    hires = [p.hire for p in people if p.hire is not None]
    exits = [p.exit for p in people if p.exit is not None]
    return min(hires), max(hires + exits)


def run(engine: SemanticEngine, **parts: Any) -> list[list[Any]]:
    return engine.execute(SemanticQuery(**parts)).rows


def test_month_end_headcount_every_month(hr: SemanticEngine, people: list[Person]) -> None:
    got = run(hr, measures=["employees.count"], over_time=HEADCOUNT)
    periods = months(*data_range(people))
    expected = [[first, sum(p.active_on(last) for p in people)] for first, last in periods]
    assert got == expected
    assert got[0] == [dt.date(2014, 3, 1), 13]  # the company's first month
    assert got[-1][0] == dt.date(2024, 12, 1)
    assert len(got) == 130


def test_month_end_headcount_by_department_fills_zeros(
    hr: SemanticEngine, people: list[Person]
) -> None:
    got = run(
        hr,
        measures=["employees.count", "employees.fte"],
        dimensions=["departments.department_name"],
        over_time=HEADCOUNT,
    )
    periods = months(*data_range(people))
    departments = {p.department for p in people if any(p.active_on(e) for _, e in periods)}
    expected = []
    for first, last in periods:
        for name in departments:
            active = [p for p in people if p.department == name and p.active_on(last)]
            fte = sum(p.fte for p in active) if active else None
            expected.append((first, name, len(active), fte))
    assert normalise(got) == normalise(expected)
    assert None in departments  # employee 9005 has no department
    march_2014 = {row[1]: row[2:] for row in got if row[0] == dt.date(2014, 3, 1)}
    assert march_2014[None] == [0, None]  # 9005 comes in 2016: a count of 0, an empty sum
    # Every month appears for every department, in period then department order.
    assert len(got) == len(periods) * len(departments)
    assert [row[0] for row in got] == sorted(row[0] for row in got)


def test_date_filter_on_hire_date_sets_the_window_not_the_rows(
    hr: SemanticEngine, people: list[Person]
) -> None:
    got = run(
        hr,
        measures=["employees.count"],
        filters=[
            Filter(field="employees.hire_date", op="between", value=["2020-01-15", "2021-06-30"]),
            Filter(field="employees.location", op="eq", value="Paris"),
        ],
        over_time=HEADCOUNT,
    )
    paris = [p for p in people if p.location == "Paris"]
    periods = months(dt.date(2020, 1, 1), dt.date(2021, 6, 30))
    expected = [[first, sum(p.active_on(last) for p in paris)] for first, last in periods]
    assert got == expected
    # Those hired before the window count too: January 2020 is not just its hires.
    in_window = [p for p in paris if p.hire and p.hire >= dt.date(2020, 1, 15)]
    assert got[0][1] > sum(p.active_on(dt.date(2020, 1, 31)) for p in in_window)


def test_open_window_on_exit_date_and_a_year_grain_filter(
    hr: SemanticEngine, people: list[Person]
) -> None:
    got = run(
        hr,
        measures=["employees.count"],
        filters=[
            Filter(field="employees.exit_date", op="gte", value="2023-03-10"),
            Filter(field="employees.hire_date.year", op="lt", value="2024-01-01"),
        ],
        over_time=HEADCOUNT | {"grain": "quarter"},
    )
    periods = months(dt.date(2023, 1, 1), dt.date(2023, 12, 31), 3)
    expected = [[first, sum(p.active_on(last) for p in people)] for first, last in periods]
    assert got == expected


def test_current_employees_only(hr: SemanticEngine, people: list[Person]) -> None:
    got = run(
        hr,
        measures=["employees.count"],
        filters=[Filter(field="employees.exit_date", op="is_null")],
        over_time=HEADCOUNT,
    )
    current = [p for p in people if p.exit is None]
    periods = months(*data_range(current))
    expected = [[first, sum(p.active_on(last) for p in current)] for first, last in periods]
    assert got == expected
    # With no exit, the count only grows, to every current employee with a hire date.
    counts = [row[1] for row in got]
    assert counts == sorted(counts)
    assert counts[-1] == sum(1 for p in current if p.hire is not None)


def test_edge_rows_at_month_end_and_during_the_month(hr: SemanticEngine) -> None:
    ids = [9001, 9002, 9003, 9006]
    window = Filter(field="employees.hire_date", op="between", value=["2017-12-01", "2019-06-30"])
    only = Filter(field="employees.employee_id", op="in", value=ids)
    at_end = run(hr, measures=["people"], filters=[window, only], over_time=HEADCOUNT)
    during = run(
        hr, measures=["people"], filters=[window, only], over_time=HEADCOUNT | {"at": "any"}
    )
    counted_end = {row[0]: row[1] for row in at_end if row[1]}
    counted_any = {row[0]: row[1] for row in during if row[1]}
    # 9006 worked only on 2017-12-31, a month's last day; 9002 was hired on 2019-05-31.
    assert counted_end == {dt.date(2017, 12, 1): 1, dt.date(2019, 5, 1): 1}
    # 9001 (May 6 to May 20) is in May at some time; 9002 in May and June; 9003 never.
    assert counted_any == {dt.date(2017, 12, 1): 1, dt.date(2019, 5, 1): 2, dt.date(2019, 6, 1): 1}
    assert len(at_end) == len(during) == 19


@pytest.mark.parametrize(("grain", "step"), [("quarter", 3), ("year", 12)])
def test_headcount_during_quarters_and_years(
    hr: SemanticEngine, people: list[Person], grain: str, step: int
) -> None:
    got = run(
        hr,
        measures=["employees.count"],
        dimensions=["departments.department_name"],
        filters=[Filter(field="departments.department_name", op="in", value=["Sales", "Finance"])],
        over_time=HEADCOUNT | {"grain": grain, "at": "any"},
    )
    chosen = [p for p in people if p.department in ("Sales", "Finance")]
    expected = [
        (first, name, sum(p.active_during(first, last) for p in chosen if p.department == name))
        for first, last in months(*data_range(chosen), step)
        for name in ("Sales", "Finance")
    ]
    assert normalise(got) == normalise(expected)


def test_hires_and_exits_by_month_are_plain_queries(
    hr: SemanticEngine, hr_sql: duckdb.DuckDBPyConnection
) -> None:
    hires = run(hr, measures=["employees.count"], dimensions=["employees.hire_date.month"])
    exits = run(
        hr,
        measures=["employees.count"],
        dimensions=["employees.exit_date.month"],
        filters=[Filter(field="employees.exit_date", op="not_null")],
    )
    expected_hires = hr_sql.execute(
        "SELECT CAST(date_trunc('month', hire_date) AS DATE) m, count(*) FROM employees "
        "GROUP BY m ORDER BY m NULLS LAST"
    ).fetchall()
    expected_exits = hr_sql.execute(
        "SELECT CAST(date_trunc('month', exit_date) AS DATE) m, count(*) FROM employees "
        "WHERE exit_date IS NOT NULL GROUP BY m ORDER BY m"
    ).fetchall()
    assert [tuple(r) for r in hires] == expected_hires
    assert [tuple(r) for r in exits] == expected_exits


def test_flows_starts_ends_match_hires_and_exits(hr: SemanticEngine, people: list[Person]) -> None:
    got = run(hr, over_time=HEADCOUNT | {"flows": ["starts", "ends"]})
    starts: dict[dt.date, int] = defaultdict(int)
    ends: dict[dt.date, int] = defaultdict(int)
    for p in people:
        if p.hire is None or (p.exit is not None and p.exit < p.hire):
            continue  # never active
        starts[p.hire.replace(day=1)] += 1
        if p.exit is not None:
            ends[p.exit.replace(day=1)] += 1
    expected = [[first, starts[first], ends[first]] for first, _ in months(*data_range(people))]
    assert got == expected
    # 9003 left before being hired: never active, neither a start nor an end.
    assert sum(r[1] for r in got) == sum(1 for p in people if p.hire is not None) - 1


def test_turnover_by_year_and_department(
    hr: SemanticEngine, hr_sql: duckdb.DuckDBPyConnection
) -> None:
    got = run(
        hr,
        dimensions=["departments.department_name"],
        over_time=HEADCOUNT | {"grain": "year", "flows": ["ends", "average", "turnover"]},
    )
    # Average headcount: the number of employees active on each day of the year, averaged.
    expected = hr_sql.execute(
        """
        WITH days AS (
            SELECT CAST(d AS DATE) AS d
            FROM generate_series(DATE '2014-01-01', DATE '2024-12-31', INTERVAL 1 DAY) g(d)
        ), e AS (
            SELECT e.*, dp.department_name FROM employees e
            LEFT JOIN departments dp ON e.department_id = dp.department_id
        ), daily AS (
            SELECT year(d) AS y, department_name,
                   count(*) / max(dayofyear(make_date(year(d), 12, 31))) AS average
            FROM days JOIN e ON hire_date <= d AND (exit_date IS NULL OR exit_date >= d)
            GROUP BY 1, 2
        ), exits AS (
            SELECT year(exit_date) AS y, department_name, count(*) AS n FROM e
            WHERE exit_date >= hire_date GROUP BY 1, 2
        ), grid AS (
            SELECT y, department_name FROM range(2014, 2025) r(y)
            CROSS JOIN (SELECT DISTINCT department_name FROM daily)
        )
        SELECT make_date(grid.y, 1, 1), grid.department_name, coalesce(n, 0),
               coalesce(average, 0), coalesce(n, 0) / nullif(coalesce(average, 0), 0)
        FROM grid
        LEFT JOIN daily ON grid.y = daily.y
            AND grid.department_name IS NOT DISTINCT FROM daily.department_name
        LEFT JOIN exits ON grid.y = exits.y
            AND grid.department_name IS NOT DISTINCT FROM exits.department_name
        """
    ).fetchall()
    assert normalise(got) == normalise(expected)
    sales_2021 = next(r for r in got if r[0] == dt.date(2021, 1, 1) and r[1] == "Sales")
    assert 0.1 < sales_2021[4] < 1


def test_average_tenure_at_month_end(hr: SemanticEngine, people: list[Person]) -> None:
    got = run(
        hr,
        measures=["employees.count"],
        filters=[Filter(field="employees.hire_date", op="gte", value="2022-01-01")],
        over_time=HEADCOUNT | {"flows": ["tenure"]},
    )
    expected = []
    for first, last in months(dt.date(2022, 1, 1), data_range(people)[1]):
        hires = [p.hire for p in people if p.hire is not None and p.active_on(last)]
        tenure = sum((last - hire).days / 365.25 for hire in hires) / len(hires)
        expected.append((first, len(hires), tenure))
    assert normalise(got) == normalise(expected)


def test_query_with_over_time_round_trips_json() -> None:
    text = (
        '{"measures": ["employees.count"], "dimensions": ["departments.department_name"], '
        '"over_time": {"start": "employees.hire_date", "end": "employees.exit_date", '
        '"grain": "quarter", "at": "any", "flows": ["starts", "turnover"]}}'
    )
    query = SemanticQuery.model_validate_json(text)
    assert query.over_time is not None and query.over_time.grain == "quarter"
    assert SemanticQuery.model_validate_json(query.model_dump_json()) == query
    plain = SemanticQuery(measures=["employees.count"])
    assert SemanticQuery.model_validate_json(plain.model_dump_json()).over_time is None


def test_timestamp_start_and_end_count_by_their_day(
    hr: SemanticEngine, hr_paths: dict[str, Path], tmp_path: Path
) -> None:
    path = tmp_path / "employees.parquet"
    duckdb.execute(
        f"COPY (SELECT * REPLACE (CAST(hire_date AS TIMESTAMP) + INTERVAL 9 HOUR AS hire_date, "
        f"CAST(exit_date AS TIMESTAMP) + INTERVAL 18 HOUR AS exit_date) "
        f"FROM read_parquet('{hr_paths['employees']}')) TO '{path}' (FORMAT parquet)"
    )
    model = hr_model()
    employees = model.table("employees")
    assert employees is not None
    for column in employees.columns:
        if column.name in ("hire_date", "exit_date"):
            column.type = "timestamp"
    stamped = SemanticEngine(model, {**hr_paths, "employees": path})
    parts: dict[str, Any] = {
        "measures": ["employees.count"],
        "dimensions": ["departments.department_name"],
        "over_time": HEADCOUNT | {"flows": ["starts", "ends", "average"]},
    }
    end = "2019-06-30T23:59:59.999999"
    got = run(stamped, filters=[Filter(field="employees.exit_date", op="lte", value=end)], **parts)
    day = Filter(field="employees.exit_date", op="lte", value="2019-06-30")
    assert got == run(hr, filters=[day], **parts)
    assert got[-1][0] == dt.date(2019, 6, 1)
