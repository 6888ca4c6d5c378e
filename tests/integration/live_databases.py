"""Live PostgreSQL and MariaDB databases for the connection tests, created and dropped per module.

Each holds small nycflights-like tables of our own generating (airlines, airports, flights,
seeded) and two accounts besides the administrator: ``reader`` (SELECT only) and ``writer``
(may also INSERT into flights). PostgreSQL runs on 127.0.0.1:5432 (postgres, trust: any
password is accepted, so a wrong password cannot be tested there), MariaDB on 127.0.0.1:3306
(root, empty password). ``DATAPILOT_REQUIRE_MYSQL=1`` turns an unreachable MariaDB into a
failure instead of a skip, as ``DATAPILOT_REQUIRE_POSTGRES=1`` does for PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import sqlalchemy as sa

from pipelines.connections import ConnectionSpec

PG_ADMIN = os.environ.get(
    "DATAPILOT_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
MYSQL_ADMIN = os.environ.get("DATAPILOT_TEST_MYSQL_URL", "mysql+mysqldb://root@127.0.0.1:3306/")

AIRLINES = [("AA", "American Airlines"), ("DL", "Delta Air Lines"), ("UA", "United Air Lines")]
AIRPORTS = [
    ("JFK", "John F Kennedy Intl", 40.6398, -73.7789),
    ("LGA", "La Guardia", 40.7772, -73.8726),
    ("EWR", "Newark Liberty Intl", 40.6925, -74.1687),
    ("ORD", "Chicago Ohare Intl", 41.9786, -87.9048),
    ("ATL", "Hartsfield Jackson Atlanta Intl", 33.6367, -84.4281),
]
FLIGHT_ROWS = 600


def flights() -> list[dict[str, Any]]:
    """The seeded flights: every 7th has no departure delay (cancelled)."""
    rng = random.Random(16)
    rows = []
    start = dt.datetime(2013, 1, 1, 5, 0)
    for i in range(1, FLIGHT_ROWS + 1):
        origin = rng.choice(AIRPORTS[:3])[0]
        dest = rng.choice(AIRPORTS[3:])[0]
        cancelled = i % 7 == 0
        sched = start + dt.timedelta(hours=7 * i + rng.randint(0, 6))
        rows.append(
            {
                "id": i,
                "flight_date": sched.date(),
                "sched_dep": sched,
                "carrier": AIRLINES[i % 3][0],
                "origin": origin,
                "dest": dest,
                "dep_delay": None if cancelled else round(rng.uniform(-10, 120), 2),
                "distance": rng.randint(700, 1000),
                "cancelled": cancelled,
            }
        )
    return rows


def _tables(metadata: sa.MetaData) -> tuple[sa.Table, sa.Table, sa.Table]:
    airlines = sa.Table(
        "airlines",
        metadata,
        sa.Column("carrier", sa.String(2), primary_key=True),
        sa.Column("name", sa.String(100), nullable=False),
    )
    airports = sa.Table(
        "airports",
        metadata,
        sa.Column("faa", sa.String(3), primary_key=True),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("lat", sa.Float),
        sa.Column("lon", sa.Float),
    )
    flights_ = sa.Table(
        "flights",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("flight_date", sa.Date, nullable=False),
        sa.Column("sched_dep", sa.DateTime, nullable=False),
        sa.Column("carrier", sa.String(2), nullable=False),
        sa.Column("origin", sa.String(3), nullable=False),
        sa.Column("dest", sa.String(3), nullable=False),
        sa.Column("dep_delay", sa.Numeric(8, 2)),
        sa.Column("distance", sa.Integer, nullable=False),
        sa.Column("cancelled", sa.Boolean, nullable=False),
    )
    return airlines, airports, flights_


def load(engine: sa.Engine) -> None:
    """Create and fill airlines, airports and flights."""
    metadata = sa.MetaData()
    airlines, airports, flights_ = _tables(metadata)
    metadata.create_all(engine)
    with engine.begin() as conn:
        conn.execute(sa.insert(airlines), [{"carrier": c, "name": n} for c, n in AIRLINES])
        conn.execute(
            sa.insert(airports),
            [{"faa": f, "name": n, "lat": a, "lon": o} for f, n, a, o in AIRPORTS],
        )
        conn.execute(sa.insert(flights_), flights())


@dataclass
class LiveDatabase:
    """A database made for one test module, with its reader and writer accounts."""

    kind: str
    host: str
    port: int
    database: str
    reader: str
    writer: str
    password: str
    admin_url: str

    def spec(self, who: str = "reader", **changes: Any) -> ConnectionSpec:
        user = {"reader": self.reader, "writer": self.writer}.get(who, who)
        values: dict[str, Any] = {
            "kind": self.kind,
            "host": self.host,
            "port": self.port,
            "database": self.database,
            "user": user,
            "password": self.password,
            "tls": "disable" if self.kind == "postgres" else "prefer",
            "connect_timeout": 3,
            **changes,
        }
        return ConnectionSpec(**values)

    def admin(self) -> sa.Engine:
        """An administrator's engine on this database (for grants and checks)."""
        return sa.create_engine(
            sa.make_url(self.admin_url).set(database=self.database), poolclass=sa.pool.NullPool
        )


def _names() -> tuple[str, str, str, str]:
    tag = uuid.uuid4().hex[:8]
    return f"dp_conn_{tag}", f"dp_reader_{tag}", f"dp_writer_{tag}", f"pw-{uuid.uuid4().hex}"


def postgres_database() -> Iterator[LiveDatabase]:
    name, reader, writer, password = _names()
    admin = sa.create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    except Exception as exc:
        if os.environ.get("DATAPILOT_REQUIRE_POSTGRES") == "1":
            pytest.fail(f"PostgreSQL at {PG_ADMIN} is not reachable: {exc}")
        pytest.skip(f"PostgreSQL is not reachable: {exc}")
    url = sa.make_url(PG_ADMIN)
    live = LiveDatabase(
        "postgres", url.host or "127.0.0.1", url.port or 5432, name, reader, writer, password,
        PG_ADMIN,
    )  # fmt: skip
    try:
        with admin.connect() as conn:
            for role in (reader, writer):
                conn.exec_driver_sql(f"CREATE ROLE \"{role}\" LOGIN PASSWORD '{password}'")
        data = live.admin()
        load(data)
        with data.begin() as conn:
            for role in (reader, writer):
                conn.exec_driver_sql(f'GRANT USAGE ON SCHEMA public TO "{role}"')
                conn.exec_driver_sql(f'GRANT SELECT ON ALL TABLES IN SCHEMA public TO "{role}"')
            conn.exec_driver_sql(f'GRANT INSERT, UPDATE ON flights TO "{writer}"')
        with data.connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("ANALYZE")
        data.dispose()
        yield live
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                f"WHERE datname = '{name}' AND pid <> pg_backend_pid()"
            )
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}"')
            for role in (reader, writer):
                conn.exec_driver_sql(f'DROP ROLE IF EXISTS "{role}"')
        admin.dispose()


def mysql_database() -> Iterator[LiveDatabase]:
    name, reader, writer, password = _names()
    admin = sa.create_engine(MYSQL_ADMIN, poolclass=sa.pool.NullPool)
    try:
        with admin.begin() as conn:
            conn.exec_driver_sql(f"CREATE DATABASE `{name}`")
    except Exception as exc:
        if os.environ.get("DATAPILOT_REQUIRE_MYSQL") == "1":
            pytest.fail(f"MariaDB/MySQL at {MYSQL_ADMIN} is not reachable: {exc}")
        pytest.skip(f"MariaDB/MySQL is not reachable: {exc}")
    url = sa.make_url(MYSQL_ADMIN)
    live = LiveDatabase(
        "mysql", url.host or "127.0.0.1", url.port or 3306, name, reader, writer, password,
        MYSQL_ADMIN,
    )  # fmt: skip
    try:
        data = live.admin()
        load(data)
        data.dispose()
        with admin.begin() as conn:
            for user in (reader, writer):
                conn.exec_driver_sql(f"CREATE USER '{user}'@'127.0.0.1' IDENTIFIED BY '{password}'")
                conn.exec_driver_sql(f"GRANT SELECT ON `{name}`.* TO '{user}'@'127.0.0.1'")
            conn.exec_driver_sql(
                f"GRANT INSERT, UPDATE ON `{name}`.`flights` TO '{writer}'@'127.0.0.1'"
            )
            conn.exec_driver_sql(f"ANALYZE TABLE `{name}`.`flights`")
        yield live
    finally:
        with admin.begin() as conn:
            conn.exec_driver_sql(f"DROP DATABASE IF EXISTS `{name}`")
            for user in (reader, writer):
                conn.exec_driver_sql(f"DROP USER IF EXISTS '{user}'@'127.0.0.1'")
        admin.dispose()
