"""Ingest benchmark: DataPilot vs raw DuckDB ``COPY`` vs pandas, on a generated >= 1 GB CSV.

Run with ``make bench`` (``pytest tests/benchmarks -s``). Each contender runs in its own
subprocess so peak RSS is its own; DataPilot and raw DuckDB alternate several times (the
minimum is reported, which is the least disturbed by other work on the machine).
Environment: ``DATAPILOT_BENCH_GB`` (default 1.05), ``DATAPILOT_BENCH_REPEAT`` (default 3),
``DATAPILOT_BENCH_PANDAS=0`` to skip pandas, ``DATAPILOT_BENCH_MAX_RATIO`` (default 1.2, the
target) to fail above another ratio.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import textwrap
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parents[2]
GIGABYTES = float(os.environ.get("DATAPILOT_BENCH_GB", "1.05"))
REPEAT = int(os.environ.get("DATAPILOT_BENCH_REPEAT", "3"))
BYTES_PER_ROW = 100

RUNNERS = {
    "duckdb": """
        import duckdb
        duckdb.connect().execute(f"COPY (FROM read_csv('{SRC}')) TO '{DST}' (FORMAT parquet)")
    """,
    "datapilot": """
        from pipelines.ingest import ingest_file
        ingest_file(SRC, DST)
    """,
    "pandas": """
        import pandas as pd
        pd.read_csv(SRC).to_parquet(DST)
    """,
}

HARNESS = """
import json, resource, sys, time
SRC, DST = sys.argv[1], sys.argv[2]
usage = resource.getrusage(resource.RUSAGE_SELF)
cpu_start = usage.ru_utime + usage.ru_stime
start = time.perf_counter()
{body}
seconds = time.perf_counter() - start
usage = resource.getrusage(resource.RUSAGE_SELF)
cpu = usage.ru_utime + usage.ru_stime - cpu_start
print(json.dumps({{"seconds": seconds, "cpu": cpu, "rss": usage.ru_maxrss * 1024}}))
"""


def generate(path: Path, rows: int) -> None:
    """A mixed-type CSV: integers, decimals, dates, timestamps, text, booleans."""
    duckdb.connect().execute(
        f"""
        COPY (
            SELECT i AS order_id,
                   round((hash(i) % 1000000) / 100.0, 2) AS amount,
                   DATE '2015-01-01' + CAST(hash(i * 7) % 3650 AS INTEGER) AS order_date,
                   TIMESTAMP '2020-01-01' + to_seconds(CAST(hash(i * 3) % 100000000 AS BIGINT))
                       AS created_at,
                   'Customer ' || (hash(i * 11) % 50000) AS customer,
                   ['North', 'South', 'East', 'West'][1 + CAST(i % 4 AS INTEGER)] AS region,
                   (hash(i * 13) % 2 = 0) AS is_active,
                   CAST(hash(i * 17) % 1000 AS INTEGER) AS quantity,
                   round((hash(i * 19) % 10000) / 10000.0, 4) AS discount,
                   'note ' || md5(CAST(i AS VARCHAR))[:16] AS note
            FROM range({rows}) t(i)
        ) TO '{path}' (FORMAT csv, HEADER)
        """
    )


def run(name: str, source: Path, target: Path) -> dict[str, float]:
    script = HARNESS.format(body=textwrap.dedent(RUNNERS[name]))
    done = subprocess.run(
        [sys.executable, "-c", script, str(source), str(target)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    target.unlink(missing_ok=True)
    return result


def test_ingest_benchmark_against_duckdb_and_pandas(tmp_path: Path) -> None:
    source = tmp_path / "bench.csv"
    generate(source, int(GIGABYTES * 1024**3 / BYTES_PER_ROW))
    size = source.stat().st_size
    assert size >= GIGABYTES * 0.95 * 1024**3, f"generated only {size} bytes"
    target = tmp_path / "out.parquet"

    # Same table from both: rows and column types.
    from pipelines.ingest import ingest_file

    result = ingest_file(source, target)
    types = [c.type for c in result.profile.columns]
    assert types == [
        "integer",
        "decimal",
        "date",
        "timestamp",
        "text",
        "text",
        "boolean",
        "integer",
        "decimal",
        "text",
    ]
    rows = duckdb.connect().execute(f"SELECT count(*) FROM read_csv('{source}')").fetchone()
    assert rows is not None and result.profile.row_count == rows[0]
    target.unlink()

    timings: dict[str, list[dict[str, float]]] = {"duckdb": [], "datapilot": []}
    for _ in range(REPEAT):
        for name in ("duckdb", "datapilot"):
            timings[name].append(run(name, source, target))
    if os.environ.get("DATAPILOT_BENCH_PANDAS", "1") != "0":
        timings["pandas"] = [run("pandas", source, target)]

    best = {name: min(r["seconds"] for r in runs) for name, runs in timings.items()}
    median = {name: statistics.median(r["seconds"] for r in runs) for name, runs in timings.items()}
    cpu = {name: min(r["cpu"] for r in runs) for name, runs in timings.items()}
    rss = {name: max(r["rss"] for r in runs) for name, runs in timings.items()}
    print(
        f"\n\ningest benchmark: {size / 1024**3:.2f} GiB CSV, {rows[0]:,} rows, "
        f"{os.cpu_count()} cores, best of {REPEAT} (pandas once)"
    )
    print(
        f"{'contender':<10} {'best s':>8} {'median s':>9} {'vs duckdb':>10} "
        f"{'CPU s':>7} {'CPU vs duckdb':>14} {'peak RSS':>10}"
    )
    for name in timings:
        print(
            f"{name:<10} {best[name]:>8.2f} {median[name]:>9.2f} "
            f"{best[name] / best['duckdb']:>9.2f}x {cpu[name]:>7.1f} "
            f"{cpu[name] / cpu['duckdb']:>13.2f}x {rss[name] / 1024**2:>7.0f} MB"
        )
    limit = float(os.environ.get("DATAPILOT_BENCH_MAX_RATIO", "1.2"))
    ratio = best["datapilot"] / best["duckdb"]
    assert ratio <= limit, f"DataPilot ingest is {ratio:.2f}x raw DuckDB (limit {limit}x)"
