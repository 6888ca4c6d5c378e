"""Test data for role-playing joins: flights between airports (origin and destination), orders
with an order date and a ship date in a dates table, and employees with their manager.

Messy on purpose: a flight to an airport that does not exist, a flight without an origin, an
airport no flight uses, an order not shipped yet, and the top manager without a manager.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from pipelines.semantic import Column, ColumnPair, Join, SemanticModel, Table

ROLES_SQL = {
    "airports": """
        SELECT * FROM (VALUES
            ('AMS', 'Schiphol', 'Amsterdam', 6),
            ('CDG', 'Charles de Gaulle', 'Paris', 4),
            ('LHR', 'Heathrow', 'London', 2),
            ('JFK', 'Kennedy', 'New York', 4),
            ('ORY', 'Orly', 'Paris', 3)
        ) t(code, name, city, runways)
    """,
    "flights": """
        SELECT * FROM (VALUES
            (1, 'KL', 'AMS', 'CDG', 100),
            (2, 'KL', 'AMS', 'LHR', 150),
            (3, 'AF', 'CDG', 'AMS', 120),
            (4, 'BA', 'LHR', 'JFK', 200),
            (5, 'BA', 'LHR', 'AMS', 80),
            (6, 'KL', 'AMS', 'XXX', 50),
            (7, 'AF', NULL, 'CDG', 30),
            (8, 'AF', 'CDG', 'JFK', 90)
        ) t(flight_id, carrier, origin, dest, passengers)
    """,
    "dates": """
        SELECT d AS day, monthname(d) AS month_name, dayofweek(d) IN (0, 6) AS weekend
        FROM range(DATE '2024-01-25', DATE '2024-02-10', INTERVAL 1 DAY) r(d)
    """,
    "orders": """
        SELECT order_id, CAST(order_date AS DATE) AS order_date, CAST(ship_date AS DATE) AS ship_date,
               CAST(amount AS DOUBLE) AS amount
        FROM (VALUES
            (1, '2024-01-26', '2024-01-27', 10.0),
            (2, '2024-01-30', '2024-02-02', 20.0),
            (3, '2024-01-31', '2024-02-03', 40.0),
            (4, '2024-02-01', '2024-02-01', 80.0),
            (5, '2024-02-05', NULL, 160.0)
        ) t(order_id, order_date, ship_date, amount)
    """,
    "employees": """
        SELECT * FROM (VALUES
            (1, 'Grace', 'Board', NULL, 300),
            (2, 'Alan', 'Research', 1, 200),
            (3, 'Ada', 'Sales', 1, 180),
            (4, 'Linus', 'Research', 2, 120),
            (5, 'Barbara', 'Research', 2, 110),
            (6, 'Ken', 'Sales', 3, 100),
            (7, 'Edsger', 'Sales', 3, 90)
        ) t(employee_id, name, dept, manager_id, salary)
    """,
}


def write_roles(folder: Path) -> dict[str, Path]:
    """Write every table of :data:`ROLES_SQL` as Parquet into ``folder``."""
    con = duckdb.connect()
    paths = {}
    for name, sql in ROLES_SQL.items():
        path = folder / f"{name}.parquet"
        con.execute(f"COPY ({sql}) TO '{path}' (FORMAT parquet)")
        paths[name] = path
    con.close()
    return paths


def _join(
    id: str, left: str, right: str, pairs: list[tuple[str, str]], alias: str | None, label: str = ""
) -> Join:
    on = [ColumnPair(left=a, right=b) for a, b in pairs]
    return Join(id=id, left_table=left, right_table=right, on=on, alias=alias, label=label)


def roles_model(primary_keys: bool = True) -> SemanticModel:
    """Flights -> airports twice, orders -> dates twice, employees -> employees as manager."""

    def key(name: str) -> str | None:
        return name if primary_keys else None

    text, integer = "text", "integer"
    return SemanticModel(
        tables=[
            Table(
                name="airports",
                source_id="airports",
                label="Airports",
                primary_key=key("code"),
                columns=[
                    Column(name="code", type=text),
                    Column(name="name", type=text, label="Name"),
                    Column(name="city", type=text, label="City"),
                    Column(name="runways", type=integer, role="measure", aggregation="sum"),
                ],
            ),
            Table(
                name="flights",
                source_id="flights",
                primary_key=key("flight_id"),
                columns=[
                    Column(name="flight_id", type=integer),
                    Column(name="carrier", type=text),
                    Column(name="origin", type=text),
                    Column(name="dest", type=text),
                    Column(name="passengers", type=integer, role="measure", aggregation="sum"),
                ],
            ),
            Table(
                name="dates",
                source_id="dates",
                primary_key=key("day"),
                columns=[
                    Column(name="day", type="date"),
                    Column(name="month_name", type=text),
                    Column(name="weekend", type="boolean"),
                ],
            ),
            Table(
                name="orders",
                source_id="orders",
                primary_key=key("order_id"),
                columns=[
                    Column(name="order_id", type=integer),
                    Column(name="order_date", type="date"),
                    Column(name="ship_date", type="date"),
                    Column(name="amount", type="decimal", role="measure", aggregation="sum"),
                ],
            ),
            Table(
                name="employees",
                source_id="employees",
                primary_key=key("employee_id"),
                columns=[
                    Column(name="employee_id", type=integer),
                    Column(name="name", type=text),
                    Column(name="dept", type=text),
                    Column(name="manager_id", type=integer),
                    Column(name="salary", type=integer, role="measure", aggregation="sum"),
                ],
            ),
        ],
        joins=[
            _join("origin", "flights", "airports", [("origin", "code")], "origin_airport",
                  "Origin airport"),
            _join("dest", "flights", "airports", [("dest", "code")], "dest_airport",
                  "Destination airport"),
            _join("ordered", "orders", "dates", [("order_date", "day")], "order_day", "Order date"),
            _join("shipped", "orders", "dates", [("ship_date", "day")], "ship_day", "Ship date"),
            _join("manager", "employees", "employees", [("manager_id", "employee_id")], "manager",
                  "Manager"),
        ],
    )  # fmt: skip
