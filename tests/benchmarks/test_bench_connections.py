"""Live connections benchmark: DataPilot's read-only path against the same SQL run raw.

A table of ``DATAPILOT_BENCH_CONNECTION_ROWS`` rows (1,000,000 by default) is generated on the
local PostgreSQL and MariaDB (``generate_series`` / ``seq_1_to_N``), analysed, then timed, best
of ``DATAPILOT_BENCH_REPEAT`` (5) runs in the same process:

* a grouped query through :class:`~pipelines.connections.ReadOnlyRunner` (guard, read-only
  transaction, timeout, row cap) against the same SQL on a plain pooled connection;
* a preview page (primary-key order, offset 500,000) against the hand-written ``LIMIT``;
* the sampled profile (10,000 rows) against the same aggregates over the whole table, which
  is what the sample spares.

Printed, not asserted. Run with ``make bench`` (``pytest tests/benchmarks -s``).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator

import pytest

from pipelines.connections import (
    ReadOnlyRunner,
    check_remote_sql,
    find_table,
    list_columns,
    open_engine,
    preview,
    profile,
)
from tests.integration.live_databases import LiveDatabase, mysql_database, postgres_database

ROWS = int(os.environ.get("DATAPILOT_BENCH_CONNECTION_ROWS", "1000000"))
REPEAT = int(os.environ.get("DATAPILOT_BENCH_REPEAT", "5"))
GROUPED = (
    "SELECT carrier, count(*) AS n, avg(dep_delay) AS delay FROM big_flights "
    "GROUP BY carrier ORDER BY carrier"
)


@pytest.fixture(scope="module", params=["postgres", "mysql"])
def live(request: pytest.FixtureRequest) -> Iterator[LiveDatabase]:
    make = postgres_database if request.param == "postgres" else mysql_database
    for database in make():
        admin = database.admin()
        with admin.begin() as conn:
            if database.kind == "postgres":
                conn.exec_driver_sql(
                    "CREATE TABLE big_flights AS SELECT i AS id, "
                    "(ARRAY['AA','DL','UA','B6'])[1 + i %% 4] AS carrier, "
                    "CASE WHEN i %% 7 = 0 THEN NULL ELSE (i %% 130) - 10 END AS dep_delay, "
                    "DATE '2013-01-01' + (i %% 365) AS flight_date "
                    f"FROM generate_series(1, {ROWS}) AS i"
                )
                conn.exec_driver_sql("ALTER TABLE big_flights ADD PRIMARY KEY (id)")
                conn.exec_driver_sql(f'GRANT SELECT ON big_flights TO "{database.reader}"')
            else:
                conn.exec_driver_sql(
                    "CREATE TABLE big_flights (id INT PRIMARY KEY, carrier CHAR(2), "
                    "dep_delay INT NULL, flight_date DATE)"
                )
                conn.exec_driver_sql(
                    "INSERT INTO big_flights SELECT seq, ELT(1 + seq %% 4, 'AA','DL','UA','B6'), "
                    "IF(seq %% 7 = 0, NULL, CAST(seq %% 130 AS SIGNED) - 10), "
                    "DATE '2013-01-01' + INTERVAL (seq %% 365) DAY "
                    f"FROM seq_1_to_{ROWS}"
                )
        with admin.connect() as conn:
            conn = conn.execution_options(isolation_level="AUTOCOMMIT")
            conn.exec_driver_sql(
                "ANALYZE big_flights"
                if database.kind == "postgres"
                else "ANALYZE TABLE big_flights"
            )
        admin.dispose()
        yield database


def best(work: Callable[[], object]) -> float:
    fastest = float("inf")
    for _ in range(REPEAT):
        start = time.perf_counter()
        work()
        fastest = min(fastest, time.perf_counter() - start)
    return fastest


def test_read_only_path_against_raw_sql(live: LiveDatabase) -> None:
    spec = live.spec()
    runner = ReadOnlyRunner(spec, open_engine(spec), timeout_seconds=120)
    raw = open_engine(spec)
    try:
        with runner.engine.connect() as conn:
            table = find_table(conn, spec.kind, spec.default_schema, "big_flights")
            columns = list_columns(conn, table)

        def raw_sql(sql: str) -> Callable[[], object]:
            def run() -> object:
                with raw.connect() as conn:
                    return conn.exec_driver_sql(sql).fetchall()

            return run

        ours = best(lambda: runner.execute(check_remote_sql(GROUPED, spec.dialect), max_rows=100))
        plain = best(raw_sql(GROUPED))
        page = best(lambda: preview(runner, table, columns, ["id"], limit=100, offset=500_000))
        page_raw = best(raw_sql("SELECT * FROM big_flights ORDER BY id LIMIT 100 OFFSET 500000"))
        sampled = best(lambda: profile(runner, table, columns, sample_rows=10_000))
        aggregates = ", ".join(
            f"count({c.name}), count(DISTINCT {c.name}), min({c.name}), max({c.name})"
            for c in columns
        )
        full = best(raw_sql(f"SELECT count(*), {aggregates} FROM big_flights"))
    finally:
        runner.dispose()
        raw.dispose()
    print(
        f"\n{spec.kind}, {ROWS:,} rows (estimate {table.row_estimate:,}):"
        f"\n  grouped query: read-only path {ours * 1000:.1f} ms, raw {plain * 1000:.1f} ms, "
        f"ratio {ours / plain:.2f}, overhead {(ours - plain) * 1000:.1f} ms"
        f"\n  preview page at offset 500,000: {page * 1000:.1f} ms, raw {page_raw * 1000:.1f} "
        f"ms, ratio {page / page_raw:.2f}"
        f"\n  profile on a 10,000-row sample {sampled * 1000:.1f} ms, same aggregates over the "
        f"whole table {full * 1000:.1f} ms ({full / sampled:.1f}x slower)"
    )
