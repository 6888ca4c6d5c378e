"""TPC-H benchmark: the 22 queries through DataPilot's SQL path vs raw DuckDB on the same Parquet.

Data: ``tpchgen-cli`` (PyPI package ``tpchgen-cli``) writes the eight tables as Parquet at scale
factor 1 into ``tests/benchmarks/.data/tpch-sf1`` (ignored by git; generated once, reused).
The query texts are DuckDB's (``extension/tpch/dbgen/queries``), kept in ``tpch/qNN.sql``.
Each query runs through :meth:`Sandbox.execute` (guard on, display limit 10,000, the default
sandbox limits) and through a plain DuckDB connection with views over the same files
(fetching the same limit + 1 rows), alternating, best of several runs each. The guard
remembers the texts it accepted, so only a query's first run pays for the check: the table
shows both the check of a new text ("guard ms") and of a remembered one ("again ms").
Run with ``make bench`` (``pytest tests/benchmarks -s``). Environment:
``DATAPILOT_BENCH_TPCH_SF`` (default 1), ``DATAPILOT_BENCH_TPCH_DIR`` (data folder),
``DATAPILOT_BENCH_REPEAT`` (default 9: best of 9 keeps a busy 2-core machine's noise under the
target) and ``DATAPILOT_BENCH_TPCH_MAX_RATIO`` (default 1.1, the target): every query, and the
total, through DataPilot must take at most that ratio of raw DuckDB's time.
"""

from __future__ import annotations

import math
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from pipelines.query import Sandbox, SandboxLimits, check_sql
from pipelines.query.guard import VERDICTS

HERE = Path(__file__).resolve().parent
QUERIES = sorted((HERE / "tpch").glob("q*.sql"))
TABLES = ("customer", "lineitem", "nation", "orders", "part", "partsupp", "region", "supplier")
SCALE = os.environ.get("DATAPILOT_BENCH_TPCH_SF", "1")
REPEAT = int(os.environ.get("DATAPILOT_BENCH_REPEAT", "9"))
MAX_RATIO = float(os.environ.get("DATAPILOT_BENCH_TPCH_MAX_RATIO", "1.1"))
LIMIT = 10_000
RETRIES = 2
"""Times a query over the target is measured again (both contenders, as many rounds): a VM's
CPU steal moves single runs of 40-300 ms by +-10%; a real overhead stays over on every try."""


def tpchgen() -> str:
    found = shutil.which("tpchgen-cli") or str(Path(sys.executable).with_name("tpchgen-cli"))
    if not Path(found).exists():
        pytest.skip("tpchgen-cli is not installed (pip install tpchgen-cli)")
    return found


def tpch_data() -> Path:
    """The Parquet tables at the scale factor, generated on first use."""
    base = Path(os.environ.get("DATAPILOT_BENCH_TPCH_DIR", HERE / ".data"))
    folder = base / f"tpch-sf{SCALE}"
    done = folder / ".complete"
    if done.exists():
        return folder
    base.mkdir(parents=True, exist_ok=True)
    if base == HERE / ".data":
        (base / ".gitignore").write_text("*\n")
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir()
    command = [tpchgen(), "parquet", "-s", SCALE, "--output-dir", str(folder)]
    made = subprocess.run(command, capture_output=True, text=True)
    if made.returncode != 0:  # tpchgen-cli before 2.0 took the format as an option
        command = [tpchgen(), "-s", SCALE, "--format", "parquet", "--output-dir", str(folder)]
        subprocess.run(command, capture_output=True, text=True, check=True)
    missing = [name for name in TABLES if not (folder / f"{name}.parquet").exists()]
    assert not missing, f"tpchgen-cli did not write {missing} into {folder}"
    done.write_text("ok\n")
    return folder


def test_tpch_through_the_sandbox_against_raw_duckdb() -> None:
    assert len(QUERIES) == 22, "tests/benchmarks/tpch must hold q01.sql ... q22.sql"
    folder = tpch_data()
    tables = {name: folder / f"{name}.parquet" for name in TABLES}
    texts = {path.stem: path.read_text() for path in QUERIES}

    # The guard must accept every query (a refusal here is a guard bug, not a slow query).
    refused = {}
    for name, sql in texts.items():
        try:
            check_sql(sql, tables)
        except ValueError as exc:
            refused[name] = str(exc)
    assert not refused, f"the SQL guard refused TPC-H queries: {refused}"

    raw = duckdb.connect()
    for name, path in tables.items():
        raw.execute(f"CREATE VIEW {name} AS SELECT * FROM read_parquet('{path}')")
    limits = SandboxLimits(timeout_seconds=600)
    sandbox = Sandbox(tables, folder, limits)

    timings: dict[str, dict[str, list[float]]] = {}
    counts: dict[str, int] = {}
    guard_ms: dict[str, float] = {}
    again_ms: dict[str, float] = {}
    retried: dict[str, int] = {}
    try:
        for name, sql in texts.items():
            runs: dict[str, list[float]] = {"duckdb": [], "datapilot": []}
            for attempt in range(1 + RETRIES):
                if attempt and min(runs["datapilot"]) <= MAX_RATIO * min(runs["duckdb"]):
                    break
                if attempt:  # over the target: measure both again, as long, and keep the best
                    retried[name] = attempt
                for round_ in range(REPEAT):
                    order = ("duckdb", "datapilot") if round_ % 2 == 0 else ("datapilot", "duckdb")
                    for contender in order:
                        start = time.perf_counter()
                        if contender == "duckdb":  # the same rows as the sandbox hands over
                            raw.execute(sql).fetchmany(LIMIT + 1)
                        else:
                            result = sandbox.execute(sql, limit=LIMIT)
                        runs[contender].append(time.perf_counter() - start)
            raw_rows = len(raw.execute(sql).fetchall())
            assert len(result.rows) == min(raw_rows, LIMIT), f"{name}: rows differ from raw"
            assert result.truncated == (raw_rows > LIMIT), f"{name}: wrong truncated flag"
            timings[name], counts[name] = runs, raw_rows
            elapsed = 0.0
            for _ in range(20):
                VERDICTS.clear()
                start = time.perf_counter()
                check_sql(sql, tables)
                elapsed += time.perf_counter() - start
            guard_ms[name] = elapsed / 20 * 1000
            start = time.perf_counter()
            for _ in range(20):
                check_sql(sql, tables)
            again_ms[name] = (time.perf_counter() - start) / 20 * 1000
    finally:
        sandbox.close()
        raw.close()

    print(
        f"\n\nTPC-H SF{SCALE}: DataPilot Sandbox.execute (guard on, limit {LIMIT:,}, "
        f"{limits.threads} threads, {limits.memory_limit_mb} MB) vs raw DuckDB "
        f"{duckdb.__version__} fetchmany({LIMIT + 1:,}); best of {REPEAT}, {os.cpu_count()} cores"
    )
    print(
        f"{'query':<6} {'rows':>7} {'duckdb ms':>10} {'datapilot ms':>13} {'ratio':>7} "
        f"{'guard ms':>9} {'again ms':>9}"
    )
    total = {"duckdb": 0.0, "datapilot": 0.0}
    ratios = []
    for name in texts:
        best = {contender: min(runs) for contender, runs in timings[name].items()}
        for contender in total:
            total[contender] += best[contender]
        ratio = best["datapilot"] / best["duckdb"]
        ratios.append(ratio)
        print(
            f"{name:<6} {counts[name]:>7,} {best['duckdb'] * 1000:>10.1f} "
            f"{best['datapilot'] * 1000:>13.1f} {ratio:>6.2f}x {guard_ms[name]:>9.2f} "
            f"{again_ms[name]:>9.3f}"
            + (f"  (measured {1 + retried[name]}x)" if name in retried else "")
        )
    ratio = total["datapilot"] / total["duckdb"]
    geomean = math.exp(sum(math.log(r) for r in ratios) / len(ratios))
    print(
        f"{'total':<6} {'':>7} {total['duckdb'] * 1000:>10.1f} {total['datapilot'] * 1000:>13.1f} "
        f"{ratio:>6.2f}x   (geometric mean of ratios {geomean:.2f}x)"
    )
    assert ratio <= MAX_RATIO, (
        f"TPC-H through DataPilot is {ratio:.2f}x raw DuckDB (limit {MAX_RATIO}x)"
    )
    over = {n: round(r, 2) for n, r in zip(texts, ratios, strict=True) if r > MAX_RATIO}
    assert not over, f"TPC-H queries over {MAX_RATIO}x raw DuckDB: {over}"
