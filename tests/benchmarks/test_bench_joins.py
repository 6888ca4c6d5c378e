"""Join finder benchmark: model suggestions on a wide workspace vs a plain scan of its files.

30 tables of 50 columns (an id, keys to other tables, codes, amounts, dates, flags, small
numbers, text; 10,000 rows each, 300,000 in all) are generated with DuckDB and ingested like
uploads. ``suggest()`` on the model of every table (keys, joins and roles, joins checked on the
data) is timed against a plain DuckDB scan reading every column of the same files (the min of
each column), best of several runs, in the same process. Printed, not asserted: the time of
each, their ratio and the number of DuckDB statements suggest() ran. Run with ``make bench``
(``pytest tests/benchmarks -s``). Environment: ``DATAPILOT_BENCH_JOIN_TABLES`` (30),
``DATAPILOT_BENCH_JOIN_COLUMNS`` (50), ``DATAPILOT_BENCH_JOIN_ROWS`` (10,000 per table),
``DATAPILOT_BENCH_REPEAT`` (5).
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import duckdb
import pytest

from pipelines.ingest.sql import ident, literal
from pipelines.semantic import suggest
from pipelines.semantic.probes import DataProbe
from tests.unit.semantic.joins_data import model_of, wide

TABLES = int(os.environ.get("DATAPILOT_BENCH_JOIN_TABLES", "30"))
COLUMNS = int(os.environ.get("DATAPILOT_BENCH_JOIN_COLUMNS", "50"))
ROWS = int(os.environ.get("DATAPILOT_BENCH_JOIN_ROWS", "10000"))
REPEAT = int(os.environ.get("DATAPILOT_BENCH_REPEAT", "5"))


def plain_scan(paths: list[Path]) -> None:
    con = duckdb.connect()
    for path in paths:
        described = con.execute(f"DESCRIBE FROM read_parquet({literal(str(path))})").fetchall()
        names = [r[0] for r in described]
        mins = ", ".join(f"min({ident(n)})" for n in names)
        con.execute(f"SELECT count(*), {mins} FROM read_parquet({literal(str(path))})").fetchall()
    con.close()


def test_suggest_on_a_wide_workspace(tmp_path_factory: pytest.TempPathFactory) -> None:
    sources = wide(tmp_path_factory.mktemp("wide"), TABLES, COLUMNS, ROWS)
    paths = [s.path for s in sources.values() if s.path is not None]
    model = model_of(sources)
    best_suggest = best_scan = float("inf")
    queries, found = 0, 0
    for _ in range(REPEAT):
        start = time.perf_counter()
        plain_scan(paths)
        best_scan = min(best_scan, time.perf_counter() - start)
        start = time.perf_counter()
        with DataProbe() as probe:
            suggestions = suggest(model, sources, probe=probe)
        best_suggest = min(best_suggest, time.perf_counter() - start)
        queries = probe.queries
        found = sum(1 for s in suggestions if s.kind == "join")
    rows = sum(s.row_count for s in sources.values())
    print(
        f"\njoin finder: {TABLES} tables x {COLUMNS} columns, {rows:,} rows: "
        f"suggest() {best_suggest * 1000:.0f} ms ({queries} DuckDB statements, {found} joins), "
        f"plain scan of every column {best_scan * 1000:.0f} ms, "
        f"ratio {best_suggest / best_scan:.2f}"
    )
    assert found > 0
